// Package checksum has a function with exactly twice the work it needs: its
// variants make it 2x faster, slower, or misbehave in every way the runner
// must catch.
package checksum

// Checksum is the FNV-1a hash of xs, computed twice over: the first pass is
// wasted work. Each step waits for the previous multiplication, so the time
// is proportional to the passes made.
func Checksum(xs []uint32) uint64 {
	var h uint64
	for pass := 0; pass < 2; pass++ {
		h = 14695981039346656037
		for _, x := range xs {
			h = (h ^ uint64(x)) * 1099511628211
		}
	}
	return h
}
