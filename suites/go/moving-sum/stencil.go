// Package stencil holds a box filter written the slow way.
package stencil

// Window is the width of the box filter.
const Window = 128

// MovingSums returns the sum of every run of Window consecutive values of xs,
// in order; nil when xs is shorter than Window.
func MovingSums(xs []int32) []int64 {
	if len(xs) < Window {
		return nil
	}
	out := make([]int64, len(xs)-Window+1)
	for i := range out {
		var s int64
		for j := i; j < i+Window; j++ {
			s += int64(xs[j])
		}
		out[i] = s
	}
	return out
}
