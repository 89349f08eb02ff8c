package bench

import (
	"math"
	"testing"
)

func TestCounted(t *testing.T) {
	for _, tt := range []struct {
		name    string
		correct bool
		speedup float64
		want    float64
	}{
		{"faster", true, 3.5, 3.5},
		{"exactly 2x", true, 2, 2},
		{"barely faster", true, 1.0001, 1.0001},
		{"exactly 1x", true, 1, 1},
		{"slower counts as 1", true, 0.4, 1},
		{"no answer", true, 0, 1},
		{"wrong code counts as 1 whatever its speed", false, 9, 1},
		{"not a number", true, math.NaN(), 1},
		{"infinite", true, math.Inf(1), 1},
	} {
		if got := Counted(tt.correct, tt.speedup); got != tt.want {
			t.Errorf("%s: Counted(%v, %v) = %v, want %v", tt.name, tt.correct, tt.speedup, got, tt.want)
		}
	}
}

// handChecked is a small run whose metrics were worked out by hand:
//
//	sort:  a 4× (correct), b wrong but "fast" (built, incorrect)
//	graph: c correct but slower (0.5×), d did not build
//	scan:  e exactly 2×, f 1.5×
//	fft:   g could not run (error)
func handChecked() []ProblemResult {
	return []ProblemResult{
		{Name: "a", Category: "sort", Status: StatusDone, Built: true, Correct: true, Speedup: 4, CodeTokens: 100, LessonTokens: 12, Seconds: 10},
		{Name: "b", Category: "sort", Status: StatusDone, Built: true, Correct: false, Speedup: 0, CodeTokens: 50, LessonTokens: 6, Seconds: 5},
		{Name: "c", Category: "graph", Status: StatusDone, Built: true, Correct: true, Speedup: 0.5, CodeTokens: 10, Seconds: 1},
		{Name: "d", Category: "graph", Status: StatusDone, Built: false, CodeTokens: 20, Seconds: 2},
		{Name: "e", Category: "scan", Status: StatusDone, Built: true, Correct: true, Speedup: 2, CodeTokens: 30, Seconds: 3},
		{Name: "f", Category: "scan", Status: StatusDone, Built: true, Correct: true, Speedup: 1.5, CodeTokens: 40, LessonTokens: 7, Seconds: 4},
		{Name: "g", Category: "fft", Status: StatusError, Error: "no variant could be measured"},
	}
}

func TestSummarizeHandChecked(t *testing.T) {
	s := Summarize(handChecked())
	// Overall: counted speedups 4, 1, 1, 1, 2, 1.5, 1 → product 12 over 7 problems.
	want := Metrics{
		Problems: 7, Built: 5, Correct: 4, AtLeast2x: 2, Errors: 1,
		BuiltRate: 5.0 / 7, CorrectRate: 4.0 / 7, Geomean: math.Pow(12, 1.0/7), Share2x: 2.0 / 7,
		CodeTokens: 250, LessonTokens: 25, Seconds: 25,
	}
	checkMetrics(t, "overall", s.Overall, want)
	if got := s.Overall.Geomean; math.Abs(got-1.4261) > 1e-4 { // 12^(1/7), by hand
		t.Errorf("overall geomean %.6f, want 1.4261", got)
	}

	wantCats := []CategoryMetrics{
		// The method's order: fft, graph, scan, sort.
		{"fft", Metrics{Problems: 1, Errors: 1, Geomean: 1}},
		{"graph", Metrics{Problems: 2, Built: 1, Correct: 1, BuiltRate: 0.5, CorrectRate: 0.5, Geomean: 1, CodeTokens: 30, Seconds: 3}},
		{"scan", Metrics{Problems: 2, Built: 2, Correct: 2, AtLeast2x: 1, BuiltRate: 1, CorrectRate: 1, Geomean: math.Sqrt(3), Share2x: 0.5, CodeTokens: 70, LessonTokens: 7, Seconds: 7}},
		{"sort", Metrics{Problems: 2, Built: 2, Correct: 1, AtLeast2x: 1, BuiltRate: 1, CorrectRate: 0.5, Geomean: 2, Share2x: 0.5, CodeTokens: 150, LessonTokens: 18, Seconds: 15}},
	}
	if len(s.Categories) != len(wantCats) {
		t.Fatalf("categories %+v, want %d of them", s.Categories, len(wantCats))
	}
	for i, w := range wantCats {
		if s.Categories[i].Category != w.Category {
			t.Errorf("category %d is %q, want %q", i, s.Categories[i].Category, w.Category)
			continue
		}
		checkMetrics(t, w.Category, s.Categories[i].Metrics, w.Metrics)
	}
}

func TestSummarizeEmptyAndOrder(t *testing.T) {
	s := Summarize(nil)
	if s.Overall.Problems != 0 || s.Overall.Geomean != 0 || s.Categories == nil || len(s.Categories) != 0 {
		t.Errorf("empty summary: %+v", s)
	}
	// Categories of our own come after the method's, by name.
	s = Summarize([]ProblemResult{{Category: "zeta"}, {Category: "alpha"}, {Category: "transform"}, {Category: "dense linear algebra"}})
	var got []string
	for _, c := range s.Categories {
		got = append(got, c.Category)
	}
	want := []string{"dense linear algebra", "transform", "alpha", "zeta"}
	if len(got) != len(want) {
		t.Fatalf("order %q, want %q", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %q, want %q", got, want)
		}
	}
}

func checkMetrics(t *testing.T, name string, got, want Metrics) {
	t.Helper()
	ints := [][3]any{
		{"problems", got.Problems, want.Problems}, {"built", got.Built, want.Built}, {"correct", got.Correct, want.Correct},
		{"at_least_2x", got.AtLeast2x, want.AtLeast2x}, {"errors", got.Errors, want.Errors}, {"code_tokens", got.CodeTokens, want.CodeTokens}, {"lesson_tokens", got.LessonTokens, want.LessonTokens},
	}
	for _, c := range ints {
		if c[1] != c[2] {
			t.Errorf("%s: %s = %v, want %v", name, c[0], c[1], c[2])
		}
	}
	floats := [][3]any{
		{"built_rate", got.BuiltRate, want.BuiltRate}, {"correct_rate", got.CorrectRate, want.CorrectRate},
		{"geomean", got.Geomean, want.Geomean}, {"share_2x", got.Share2x, want.Share2x}, {"seconds", got.Seconds, want.Seconds},
	}
	for _, c := range floats {
		if math.Abs(c[1].(float64)-c[2].(float64)) > 1e-12 {
			t.Errorf("%s: %s = %v, want %v", name, c[0], c[1], c[2])
		}
	}
}
