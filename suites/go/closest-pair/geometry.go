// Package geometry holds a closest-pair search written the slow way.
package geometry

// ClosestPair returns the smallest squared distance between two of the
// points (xs[i], ys[i]), for i below the shorter length, or -1 when there
// are fewer than two points.
func ClosestPair(xs, ys []int16) int64 {
	n := min(len(xs), len(ys))
	if n < 2 {
		return -1
	}
	best := int64(-1)
	for i := 0; i < n; i++ {
		for j := i + 1; j < n; j++ {
			dx := int64(xs[i]) - int64(xs[j])
			dy := int64(ys[i]) - int64(ys[j])
			if d := dx*dx + dy*dy; best < 0 || d < best {
				best = d
			}
		}
	}
	return best
}
