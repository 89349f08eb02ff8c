// Package matmul holds a dense matrix product written the slow way.
package matmul

// MatMul returns the product of the n×n matrices a and b, stored row by row,
// where n is the largest whole number with n*n <= min(len(a), len(b)).
func MatMul(a, b []float64) []float64 {
	n := side(min(len(a), len(b)))
	c := make([]float64, n*n)
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			col := column(b, n, j)
			var s float64
			for k := 0; k < n; k++ {
				s += a[i*n+k] * col[k]
			}
			c[i*n+j] = s
		}
	}
	return c
}

// column copies column j of the n×n matrix m.
func column(m []float64, n, j int) []float64 {
	col := make([]float64, n)
	for k := 0; k < n; k++ {
		col[k] = m[k*n+j]
	}
	return col
}

// side is the largest n with n*n <= length.
func side(length int) int {
	n := 0
	for (n+1)*(n+1) <= length {
		n++
	}
	return n
}
