// Package sorting holds a sort written the slow way.
package sorting

// Sorted returns a sorted copy of xs, built by inserting one value at a time.
func Sorted(xs []int) []int {
	out := make([]int, 0, len(xs))
	for _, x := range xs {
		i := len(out)
		out = append(out, x)
		for i > 0 && out[i-1] > x {
			out[i] = out[i-1]
			i--
		}
		out[i] = x
	}
	return out
}
