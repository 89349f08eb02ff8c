// Package histogram holds a byte histogram written the slow way.
package histogram

// Histogram returns how often each byte value 0..255 occurs in data.
func Histogram(data []byte) []int {
	counts := make([]int, 256)
	for v := 0; v < 256; v++ {
		for _, b := range data {
			if int(b) == v {
				counts[v]++
			}
		}
	}
	return counts
}
