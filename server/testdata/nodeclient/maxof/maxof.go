// Package maxof has a slow Max.
package maxof

// Max returns the largest element of xs, or 0 for an empty slice.
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

// Other is here so edits elsewhere can be made.
func Other() int { return 1 }
