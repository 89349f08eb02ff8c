package vectorbank

// queryVec is a normalised query embedding prepared for scoring many lesson
// vectors. The hash embedder's vectors are sparse (a short code snippet sets
// a few dozen of 512 dimensions), so the query's non-zero entries are listed
// and a sparse dot product is used when that is clearly cheaper.
type queryVec struct {
	v   []float32
	idx []int32 // non-zero positions, when sparse enough to pay off
	val []float32
}

func newQueryVec(v []float32) queryVec {
	q := queryVec{v: v}
	nz := 0
	for _, x := range v {
		if x != 0 {
			nz++
		}
	}
	if nz*3 < len(v) {
		q.idx = make([]int32, 0, nz)
		q.val = make([]float32, 0, nz)
		for i, x := range v {
			if x != 0 {
				q.idx = append(q.idx, int32(i))
				q.val = append(q.val, x)
			}
		}
	}
	return q
}

// dot is the cosine similarity with a normalised lesson vector; 0 without a
// query (no code given) or for a vector of another dimension.
func (q queryVec) dot(w []float32) float64 {
	if len(q.v) == 0 || len(w) != len(q.v) {
		return 0
	}
	if q.idx != nil {
		var s float32
		for i, j := range q.idx {
			s += q.val[i] * w[j]
		}
		return float64(s)
	}
	return float64(dotDense(q.v, w))
}

// dotDense is unrolled by 8 with four accumulators, so the CPU can overlap
// the multiply-adds instead of waiting on one running sum.
func dotDense(a, b []float32) float32 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+8 <= len(a); i += 8 {
		s0 += a[i]*b[i] + a[i+4]*b[i+4]
		s1 += a[i+1]*b[i+1] + a[i+5]*b[i+5]
		s2 += a[i+2]*b[i+2] + a[i+6]*b[i+6]
		s3 += a[i+3]*b[i+3] + a[i+7]*b[i+7]
	}
	for ; i < len(a); i++ {
		s0 += a[i] * b[i]
	}
	return s0 + s1 + s2 + s3
}

// lessonVec is a stored lesson vector, normalised. The hash embedder sets
// about 150 of 512 dimensions for a lesson's sentence or two, so those are
// kept sparse (uint16 index + float32 value: 900 bytes instead of 2 KB, the
// bulk of a big bank's memory); dense model embeddings stay dense.
type lessonVec struct {
	dense []float32
	idx   []uint16
	val   []float32
	dim   int
}

func packVec(v []float32) lessonVec {
	nz := 0
	for _, x := range v {
		if x != 0 {
			nz++
		}
	}
	if nz*2 >= len(v) || len(v) > 1<<16 { // sparse pays below half full
		return lessonVec{dense: v, dim: len(v)}
	}
	lv := lessonVec{idx: make([]uint16, 0, nz), val: make([]float32, 0, nz), dim: len(v)}
	for i, x := range v {
		if x != 0 {
			lv.idx = append(lv.idx, uint16(i))
			lv.val = append(lv.val, x)
		}
	}
	return lv
}

// full is the vector as a dense slice (a copy when stored sparse).
func (lv lessonVec) full() []float32 {
	if lv.dense != nil || lv.dim == 0 {
		return lv.dense
	}
	v := make([]float32, lv.dim)
	for i, j := range lv.idx {
		v[j] = lv.val[i]
	}
	return v
}

// dotVec is the cosine similarity of the query with a stored vector.
func (q queryVec) dotVec(lv lessonVec) float64 {
	if lv.dense != nil {
		return q.dot(lv.dense)
	}
	if len(q.v) == 0 || lv.dim != len(q.v) {
		return 0
	}
	var s float32
	for i, j := range lv.idx {
		s += lv.val[i] * q.v[j]
	}
	return float64(s)
}
