package maxof

import "testing"

func TestMax(t *testing.T) {
	if got := Max([]int{3, 9, 2}); got != 9 {
		t.Fatalf("Max = %d, want 9", got)
	}
	if got := Max(nil); got != 0 {
		t.Fatalf("Max(nil) = %d, want 0", got)
	}
}

func TestMin(t *testing.T) {
	if got := Min([]int{3, 9, 2}); got != 2 {
		t.Fatalf("Min = %d, want 2", got)
	}
}
