// Package scan holds an inclusive prefix sum written the slow way.
package scan

// PrefixSums returns out with out[i] = xs[0] + ... + xs[i], wrapping on
// overflow like Go's integer addition.
func PrefixSums(xs []int64) []int64 {
	out := make([]int64, len(xs))
	for i := range xs {
		var s int64
		for j := 0; j <= i; j++ {
			s += xs[j]
		}
		out[i] = s
	}
	return out
}
