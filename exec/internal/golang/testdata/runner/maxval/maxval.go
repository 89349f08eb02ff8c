// Package maxval has a function whose tests miss an edge case.
package maxval

// Max returns the largest element of xs, or 0 when xs is empty.
func Max(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	m := xs[0]
	for _, x := range xs[1:] {
		if x > m {
			m = x
		}
	}
	return m
}
