// Package spmv holds a sparse matrix-vector product written the slow way.
package spmv

// SpMV returns y = A·x for the n×n sparse matrix A (n = len(x)) whose
// nonzero entries are A[rows[k]][cols[k]] = vals[k], for k below the shortest
// of rows, cols and vals. Indices are taken modulo n; entries with the same
// row add up in the order given.
func SpMV(rows, cols []int32, vals, x []float64) []float64 {
	n := len(x)
	y := make([]float64, n)
	if n == 0 {
		return y
	}
	nnz := min(len(rows), len(cols), len(vals))
	for i := 0; i < n; i++ {
		var s float64
		for k := 0; k < nnz; k++ {
			if wrap(rows[k], n) == i {
				s += vals[k] * x[wrap(cols[k], n)]
			}
		}
		y[i] = s
	}
	return y
}

// wrap maps an index into 0..n-1.
func wrap(i int32, n int) int {
	r := int(i) % n
	if r < 0 {
		r += n
	}
	return r
}
