// Package reduce holds a pairwise reduction written the slow way.
package reduce

// PairProductSum returns the sum of xs[i]*xs[j] over all pairs i < j,
// wrapping on overflow like Go's integer arithmetic.
func PairProductSum(xs []int64) int64 {
	var s int64
	for i := range xs {
		for j := i + 1; j < len(xs); j++ {
			s += xs[i] * xs[j]
		}
	}
	return s
}
