// Package maxof holds slow functions for the real-server tests.
package maxof

// Max returns the largest element of xs, or 0 for an empty slice. It sorts a
// copy by insertion: quadratic, so there is a lot to gain.
func Max(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	s := make([]int, len(xs))
	copy(s, xs)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)-1]
}

// Min returns the smallest element of xs, or 0 for an empty slice, the same
// slow way: a similar problem on which lessons about Max should help.
func Min(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	s := make([]int, len(xs))
	copy(s, xs)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[0]
}
