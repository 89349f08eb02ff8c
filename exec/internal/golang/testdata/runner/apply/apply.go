// Package apply has a function generated inputs cannot exercise (a func
// parameter), so only its tests can judge a variant.
package apply

// Apply returns f applied to every element of xs.
func Apply(xs []int, f func(int) int) []int {
	out := make([]int, 0, len(xs))
	for _, x := range xs {
		out = append(out, f(x))
	}
	return out
}
