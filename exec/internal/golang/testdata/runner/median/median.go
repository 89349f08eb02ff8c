// Package median has a function that must not change its argument.
package median

import (
	"math"
	"sort"
)

// Median returns the median of xs (NaN when empty), leaving xs as it was.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
