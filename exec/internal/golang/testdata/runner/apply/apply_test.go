package apply_test

import (
	"reflect"
	"testing"

	"example.com/runner/apply"
)

func double(x int) int { return 2 * x }

func TestApply(t *testing.T) {
	got := apply.Apply([]int{1, 2, 3}, double)
	if want := []int{2, 4, 6}; !reflect.DeepEqual(got, want) {
		t.Errorf("Apply = %v, want %v", got, want)
	}
}

func TestUnrelated(t *testing.T) {}
