package team

import (
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/vectorbank"
)

func TestOptimizePrompt(t *testing.T) {
	cpp := &exec.Func{Name: "sum", Lang: "cpp", Source: "int sum(const std::vector<int>& v) { return 0; }", Signature: "int sum(const std::vector<int>& v)", Context: "#include <vector>"}
	c := &exec.Func{Name: "sum", Lang: "c", Source: "int sum(const int *a, size_t n) { return 0; }", Signature: "int sum(const int *a, size_t n)"}
	goFn := &exec.Func{Name: "Sum", Lang: "go", Source: "func Sum(xs []int) int { return 0 }", Signature: "func Sum(xs []int) int", Context: "package sum"}
	lessons := []vectorbank.Selected{
		{Lesson: vectorbank.Lesson{Text: "Unroll by four.", Outcome: vectorbank.OutcomeFaster, Speedup: 2.5}},
		{Lesson: vectorbank.Lesson{Text: "Dropping the tail\nloop broke odd lengths.", Outcome: vectorbank.OutcomeIncorrect}},
	}
	tests := []struct {
		name         string
		f            *exec.Func
		lessons      []vectorbank.Selected
		openMP       bool
		want, absent []string
	}{
		{"round 0", goFn, nil, false, []string{"```go\nfunc Sum", "package sum", `"func Sum(xs []int) int"`, "same panics", "surroundings in the package", "imports it needs"}, []string{"Lessons learned", "OpenMP"}},
		{"C++ words", cpp, nil, false, []string{"same exceptions", "surroundings in the file", "#includes it needs"}, []string{"panics", "package", "imports"}},
		{"C words", c, nil, false, []string{"Make this C function", "#includes it needs"}, []string{"panics", "exceptions", "package", "imports"}},
		{"with lessons", goFn, lessons, false,
			[]string{"1. [significantly improves, 2.50x] Unroll by four.", "2. [breaks equivalence] Dropping the tail loop broke odd lengths.", "other strategies"}, nil},
		{"openmp for C++", cpp, nil, true, []string{"-fopenmp", "```cpp"}, nil},
		{"openmp never for Go", goFn, nil, true, nil, []string{"OpenMP"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := optimizePrompt(tt.f, tt.lessons, tt.openMP)
			for _, w := range tt.want {
				if !strings.Contains(p, w) {
					t.Errorf("prompt lacks %q:\n%s", w, p)
				}
			}
			for _, w := range tt.absent {
				if strings.Contains(p, w) {
					t.Errorf("prompt has %q:\n%s", w, p)
				}
			}
		})
	}
}

func TestOutcomeBoundary(t *testing.T) {
	for _, tt := range []struct {
		verdict exec.Verdict
		speedup float64
		want    vectorbank.Outcome
	}{
		{exec.Faster, 1.1, vectorbank.OutcomeFaster},
		{exec.Same, 1.0999, vectorbank.OutcomeMarginal},
		{exec.Same, 1.0, vectorbank.OutcomeMarginal},
		{exec.Slower, 0.99, vectorbank.OutcomeSlower},
		{exec.Incorrect, 3, vectorbank.OutcomeIncorrect},
		{exec.BuildFailed, 0, vectorbank.OutcomeBuildFailed},
		{exec.Timeout, 0, vectorbank.OutcomeTimeout},
		{exec.Crashed, 0, vectorbank.OutcomeCrashed},
	} {
		if got := outcomeOf(&exec.Report{Verdict: tt.verdict, Speedup: tt.speedup}); got != tt.want {
			t.Errorf("%s at %v: %s, want %s", tt.verdict, tt.speedup, got, tt.want)
		}
	}
}

// A 2047-line rewrite no longer rides whole into the lesson prompt: the
// shorter versions keep its head and tail and say what they left out.
func TestSolicitVersionsShortenLongCode(t *testing.T) {
	f := &exec.Func{Lang: "go", Name: "Max", Source: "func Max(xs []int) int { return 0 }", Signature: "func Max(xs []int) int"}
	long := "func Max(xs []int) int {\n" + strings.Repeat("\tx := 1\n", 2045) + "}\n"
	rep := &exec.Report{Verdict: exec.BuildFailed, Detail: strings.Repeat("error line\n", 100)}
	vs := solicitVersions(f, long, rep)
	if len(vs) < 2 || len(vs[0].user) < 2045*8 {
		t.Fatalf("the fullest version should hold the whole code: %d versions", len(vs))
	}
	last := vs[len(vs)-1]
	if len(last.user) > 2000 || !strings.Contains(last.user, "lines left out") || !strings.Contains(last.user, "}") || last.note == "" {
		t.Errorf("shortest version (%d bytes, note %q):\n%s", len(last.user), last.note, last.user)
	}
}

// A lesson cut mid-sentence keeps only the sentences that ended; repeated
// junk from the repeat guard is no lesson.
func TestCleanLessonCut(t *testing.T) {
	if got := cleanLessonCut("The scan is linear. It avoids the sort. And then the mo", true); got != "The scan is linear. It avoids the sort." {
		t.Errorf("got %q", got)
	}
	if got := cleanLessonCut("A single pass is linear.ear.ear.ear.ear.", true); got != "" {
		t.Errorf("repeat-guard junk became a lesson: %q", got)
	}
}
