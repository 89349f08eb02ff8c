package maxof

import "testing"

func TestMax(t *testing.T) {
	if got := Max([]int{3, 9, 2}); got != 9 {
		t.Fatalf("Max = %d, want 9", got)
	}
	if got := Max([]int{-3, -9}); got != -3 {
		t.Fatalf("Max = %d, want -3", got)
	}
}
