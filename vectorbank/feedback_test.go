package vectorbank

import (
	"context"
	"math"
	"testing"
)

func TestFeedback(t *testing.T) {
	type lessonWant struct {
		factor           float64
		selected, beaten int
	}
	tests := []struct {
		name     string
		speedup  float64 // the lesson's own
		readings []Reading
		want     *lessonWant // nil: not re-scored
	}{
		{"every reader beat it", 1.5, []Reading{{Speedup: 2, Read: []string{"L"}}, {Speedup: 1.6, Read: []string{"L"}}}, &lessonWant{1.1, 2, 2}},
		{"no reader beat it", 1.5, []Reading{{Speedup: 1.2, Read: []string{"L"}}, {Speedup: 0, Read: []string{"L"}}}, &lessonWant{0.9, 2, 0}},
		{"equal is not beating", 1.5, []Reading{{Speedup: 1.5, Read: []string{"L"}}}, &lessonWant{0.9, 1, 0}},
		{"one of three", 1.5, []Reading{{Speedup: 2, Read: []string{"L"}}, {Speedup: 1, Read: []string{"L"}}, {Speedup: 1.5, Read: []string{"L"}}}, &lessonWant{(1.1 + 0.9 + 0.9) / 3, 3, 1}},
		{"half", 1.0, []Reading{{Speedup: 2, Read: []string{"L"}}, {Speedup: 0.5, Read: []string{"L"}}}, &lessonWant{1.0, 2, 1}},
		{"a failed lesson (speedup 0) is beaten by any working reader", 0, []Reading{{Speedup: 0.8, Read: []string{"L"}}}, &lessonWant{1.1, 1, 1}},
		{"only readers count", 1.5, []Reading{{Speedup: 9, Read: []string{"other"}}, {Speedup: 1, Read: []string{"L"}}}, &lessonWant{0.9, 1, 0}},
		{"a reader counts once even if the lesson is listed twice", 1.5, []Reading{{Speedup: 2, Read: []string{"L", "L"}}, {Speedup: 1, Read: []string{"L"}}}, &lessonWant{1.0, 2, 1}},
		{"not read: untouched", 1.5, []Reading{{Speedup: 9, Read: []string{"other"}}}, nil},
		{"unknown IDs are ignored", 1.5, []Reading{{Speedup: 9, Read: []string{"gone"}}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			b := openT(t, dir)
			addT(t, b, Lesson{ID: "L", Text: "the lesson", Speedup: tt.speedup, Factor: 0.95})
			addT(t, b, Lesson{ID: "other", Text: "another lesson", Speedup: 1})
			got, err := b.Feedback(context.Background(), tt.readings)
			if err != nil {
				t.Fatal(err)
			}
			l, _ := b.Get("L")
			if tt.want == nil {
				if _, ok := got["L"]; ok || l.Factor != 0.95 || l.Selected != 0 {
					t.Errorf("L was re-scored: %v, %+v", got, l)
				}
				return
			}
			if math.Abs(got["L"]-tt.want.factor) > 1e-12 || l.Factor != got["L"] {
				t.Errorf("factor: returned %v, stored %v, want %v", got["L"], l.Factor, tt.want.factor)
			}
			if l.Selected != tt.want.selected || l.Beaten != tt.want.beaten {
				t.Errorf("counters selected=%d beaten=%d, want %d, %d", l.Selected, l.Beaten, tt.want.selected, tt.want.beaten)
			}
			b.Close()
			if l2, _ := openT(t, dir).Get("L"); l2.Factor != l.Factor || l2.Selected != l.Selected || l2.Beaten != l.Beaten {
				t.Errorf("after reopen %+v, want factor %v selected %d beaten %d", l2, l.Factor, l.Selected, l.Beaten)
			}
		})
	}
}

// The factor overwrites (it is not a running product), counters accumulate,
// and a re-scored lesson moves in or out of the high set.
func TestFeedbackOverwritesAndMovesTheHighSet(t *testing.T) {
	ctx := context.Background()
	b := openT(t, t.TempDir())
	addT(t, b, Lesson{ID: "L", Text: rel0, Speedup: 1.05})
	for _, id := range []string{"a", "b", "c", "d"} {
		addT(t, b, Lesson{ID: id, Text: rel3 + " " + id, Speedup: 0.5})
	}
	reasonOf := func() string {
		sel, err := b.Select(ctx, Query{Code: queryCode, Lang: "go", K: 2})
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range sel {
			if s.Lesson.ID == "L" {
				return s.Reason
			}
		}
		return "not selected"
	}
	if r := reasonOf(); r != "not selected" {
		t.Fatalf("before feedback, L (1.05 x 1.0) was %s", r)
	}
	if _, err := b.Feedback(ctx, []Reading{{Speedup: 2, Read: []string{"L"}}}); err != nil {
		t.Fatal(err)
	}
	if r := reasonOf(); r != "speedup" { // 1.05 x 1.1 = 1.155
		t.Fatalf("after being beaten, L was %s, want in the high set", r)
	}
	if _, err := b.Feedback(ctx, []Reading{{Speedup: 1, Read: []string{"L"}}}); err != nil {
		t.Fatal(err)
	}
	l, _ := b.Get("L")
	if l.Factor != 0.9 || l.Selected != 2 || l.Beaten != 1 {
		t.Errorf("after two rounds %+v; want factor 0.9 (overwritten), selected 2, beaten 1", l)
	}
	if r := reasonOf(); r != "not selected" {
		t.Errorf("after not being beaten, L was %s", r)
	}
}
