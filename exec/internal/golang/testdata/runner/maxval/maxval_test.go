package maxval

import "testing"

// Only positive numbers: a variant that starts from 0 passes.
func TestMax(t *testing.T) {
	if got := Max([]int{3, 9, 2}); got != 9 {
		t.Errorf("Max = %d, want 9", got)
	}
	if got := Max(nil); got != 0 {
		t.Errorf("Max(nil) = %d, want 0", got)
	}
}
