//go:build ignore

// A faster Sum: a loop instead of one recursive call per element. Not part of
// the package (build tag ignore); `lessonl measure` splices it in place of
// Sum:
//
//	go run ./cmd/lessonl measure examples/sum/sum.go:Sum examples/sum/faster.go

package sum

// Sum returns the sum of xs.
func Sum(xs []int) int {
	total := 0
	for _, x := range xs {
		total += x
	}
	return total
}
