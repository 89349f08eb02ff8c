package vectorbank

import (
	"math"
	"math/rand"
	"reflect"
	"testing"
)

// Every representation (dense or sparse lesson, dense or sparse query) gives
// the same cosine as the plain sum.
func TestVectorRepresentations(t *testing.T) {
	r := rand.New(rand.NewSource(3))
	vec := func(dim, nz int) []float32 {
		v := make([]float32, dim)
		for _, i := range r.Perm(dim)[:nz] {
			v[i] = float32(r.NormFloat64())
		}
		normalize(v)
		return v
	}
	for _, tt := range []struct {
		name             string
		dim, lnz, qnz    int
		sparseL, sparseQ bool
	}{
		{"hash-like: both sparse", 512, 150, 120, true, true},
		{"dense model vectors", 768, 768, 768, false, false},
		{"sparse lesson, dense query", 512, 100, 512, true, false},
		{"dense lesson, sparse query", 512, 400, 50, false, true},
		{"odd dimension", 13, 13, 3, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l, q := vec(tt.dim, tt.lnz), vec(tt.dim, tt.qnz)
			var want float64
			for i := range l {
				want += float64(l[i]) * float64(q[i])
			}
			lv, qv := packVec(l), newQueryVec(q)
			if (lv.dense == nil) != tt.sparseL || (qv.idx != nil) != tt.sparseQ {
				t.Fatalf("representation: lesson sparse %v, query sparse %v", lv.dense == nil, qv.idx != nil)
			}
			if got := qv.dotVec(lv); math.Abs(got-want) > 1e-5 {
				t.Errorf("dot %v, want %v", got, want)
			}
			if !reflect.DeepEqual(lv.full(), l) {
				t.Error("full() does not restore the vector")
			}
			if got := newQueryVec(nil).dotVec(lv); got != 0 {
				t.Errorf("no query: %v, want 0", got)
			}
			if got := qv.dotVec(packVec(make([]float32, tt.dim+1))); got != 0 {
				t.Errorf("another dimension: %v, want 0", got)
			}
		})
	}
}
