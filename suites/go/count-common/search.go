// Package search holds a membership count written the slow way.
package search

// CountIn returns how many values of needles occur somewhere in haystack
// (a needle that occurs twice in needles counts twice).
func CountIn(haystack, needles []int32) int {
	n := 0
	for _, x := range needles {
		for _, y := range haystack {
			if x == y {
				n++
				break
			}
		}
	}
	return n
}
