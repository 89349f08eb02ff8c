package bench

import (
	"context"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/internal/ollamatest"
	"github.com/lessonl/lessonl/settings"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

// solver is the scripted agent that knows every problem's faster variant.
const solver = "solver:1b"

const solverLesson = "The rewrite replaces the repeated inner work with a single pass, so it does far less work per element."

// answerScript scripts one agent that answers each problem of s with its
// known variant from testdata/answers/SUITE, picked by a rule matching the
// problem's function signature, and explains every outcome with one lesson.
// replies overrides the answer of the named problems.
func answerScript(t testing.TB, s *Suite, answers string, replies map[string]string) ollamatest.Script {
	t.Helper()
	rules := []ollamatest.Rule{{Contains: []string{"Your rewrite B"}, Reply: solverLesson}}
	seen := map[string]string{}
	for _, p := range s.Problems {
		f, err := exec.Locate(p.Target())
		if err != nil {
			t.Fatalf("problem %s: %v", p.Name, err)
		}
		if other, dup := seen[f.Signature]; dup {
			t.Fatalf("problems %s and %s share the signature %q: the script cannot tell them apart", other, p.Name, f.Signature)
		}
		seen[f.Signature] = p.Name
		reply, ok := replies[p.Name]
		if !ok {
			data, err := os.ReadFile(filepath.Join("testdata", "answers", answers, p.Name+".md"))
			if err != nil {
				t.Fatalf("problem %s has no known answer: %v", p.Name, err)
			}
			reply = string(data)
		}
		rules = append(rules, ollamatest.Rule{Contains: []string{f.Signature}, Reply: reply})
	}
	return ollamatest.Script{Models: map[string]*ollamatest.Model{solver: {Rules: rules}}}
}

// quickOptions: one agent, one round, short timing; the problems' own sizes.
func quickOptions(srv *ollamatest.Server, out string) Options {
	return Options{
		Settings: quickSettings(srv),
		Measure: exec.Options{
			RunTime: 5 * time.Millisecond,
			// Ten rounds at least: the median's interval then rests on
			// order statistics that one preempted round cannot move.
			Rounds: exec.Rounds{Min: 10, Max: 16, Width: 0.3, MaxTime: 6 * time.Second},
		},
		Out: out,
	}
}

func quickSettings(srv *ollamatest.Server) settings.Settings {
	s := settings.Defaults(func(string) string { return "" })
	s.Models, s.Host = []string{solver}, srv.URL()
	s.Rounds, s.Lessons, s.Timeout, s.Scope = 1, 2, 3*time.Minute, ""
	return s
}

// Subsets of the suites that -short runs: three problems of three categories each.
const (
	goSubset  = "^(byte-histogram|pair-products|upper-ascii)$"
	cppSubset = "^(dft|letter-histogram|selection-sort)$"
)

// TestGoSuiteEndToEnd runs the Go suite with the scripted team: every
// problem's known variant is built, verified correct and faster, and the
// metrics, results.json, results.md and the plot say so.
func TestGoSuiteEndToEnd(t *testing.T) {
	t.Parallel()
	endToEnd(t, "go", goSubset)
}

// TestCppSuiteEndToEnd does the same for the C++ suite, through the
// runner's generated C++ driver.
func TestCppSuiteEndToEnd(t *testing.T) {
	t.Parallel()
	endToEnd(t, "cpp", cppSubset)
}

func endToEnd(t *testing.T, suite, subset string) {
	s, err := Load(filepath.Join("..", "suites", suite))
	if err != nil {
		t.Fatal(err)
	}
	srv := ollamatest.New(answerScript(t, s, suite, nil))
	defer srv.Close()
	out := t.TempDir()
	o := quickOptions(srv, out)
	want := len(s.Problems)
	if testing.Short() {
		o.Run, want = subset, 3
	}
	var events []Event
	o.Emit = func(e Event) { events = append(events, e) }
	res, err := Run(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Problems) != want || !res.Finished {
		t.Fatalf("%d results (finished %v), want %d", len(res.Problems), res.Finished, want)
	}
	for _, p := range res.Problems {
		// The team keeps only a variant measured faster; its re-measurement
		// on a loaded machine may come out "same" with a wide interval.
		if p.Verdict == exec.Same {
			t.Logf("problem %s: re-measured as same (%.2f× %v): a busy machine", p.Name, p.Speedup, p.Interval)
		} else if p.Verdict != exec.Faster {
			t.Errorf("problem %s: re-measured verdict %s", p.Name, p.Verdict)
		}
		if p.Status != StatusDone || !p.Built || !p.Correct || !(p.Speedup > 1) || p.Counted != p.Speedup ||
			p.Agent == "" || p.Code == "" || p.CodeTokens <= 0 || p.LessonTokens <= 0 || p.Variants != 1 || p.Verdicts["faster"] != 1 || p.Lessons != 1 {
			t.Errorf("problem %s: %+v", p.Name, p)
		}
		if !(p.Interval[0] <= p.Speedup && p.Speedup <= p.Interval[1]) {
			t.Errorf("problem %s: speedup %v outside its interval %v", p.Name, p.Speedup, p.Interval)
		}
	}
	m := res.Summary.Overall
	if m.Problems != want || m.Built != want || m.Correct != want || m.BuiltRate != 1 || m.CorrectRate != 1 || !(m.Geomean > 1) || m.Errors != 0 {
		t.Errorf("overall metrics %+v", m)
	}
	if len(res.Summary.Categories) != want {
		t.Errorf("%d categories, want %d (one problem each)", len(res.Summary.Categories), want)
	}
	checkFiles(t, out, res)

	// Events: every problem started and finished in order, with the team's events between.
	var started, done int
	for _, e := range events {
		switch e := e.(type) {
		case ProblemStarted:
			if e.Index != started || e.Of != want {
				t.Errorf("ProblemStarted %d/%d, want %d/%d", e.Index, e.Of, started, want)
			}
			started++
		case ProblemDone:
			done++
			if done != started {
				t.Errorf("ProblemDone %s before its start", e.Result.Name)
			}
		}
	}
	if started != want || done != want {
		t.Errorf("events: %d started, %d done; want %d", started, done, want)
	}
}

// ompVariant links only with -fopenmp, and is correct only with 2 threads.
const ompVariant = "```cpp\n#include <algorithm>\n#include <vector>\n#include <omp.h>\n\nstd::vector<int> sortedCopy(const std::vector<int>& xs) {\n    if (omp_get_max_threads() != 2) return {};\n    std::vector<int> out(xs);\n    std::sort(out.begin(), out.end());\n    return out;\n}\n```"

// TestOpenMP: --omp N compiles C++ problems with OpenMP and N threads.
func TestOpenMP(t *testing.T) {
	t.Parallel()
	s, err := Load(filepath.Join("..", "suites", "cpp"))
	if err != nil {
		t.Fatal(err)
	}
	srv := ollamatest.New(answerScript(t, s, "cpp", map[string]string{"selection-sort": ompVariant}))
	defer srv.Close()
	// With 2 threads the variant is correct; how much faster it comes out
	// depends on how many cores are free, so any verified verdict will do.
	for _, tt := range []struct {
		omp      int
		verdicts []string
	}{{0, []string{"build_failed"}}, {2, []string{"faster", "same", "slower"}}} {
		o := quickOptions(srv, t.TempDir())
		o.Run, o.OMP = "^selection-sort$", tt.omp
		res, err := Run(context.Background(), s, o)
		if err != nil {
			t.Fatal(err)
		}
		p := res.Problems[0]
		got := 0
		for _, v := range tt.verdicts {
			got += p.Verdicts[v]
		}
		if got != 1 || res.Config.OMP != tt.omp {
			t.Errorf("--omp %d: verdicts %v (config %+v), want one of %v", tt.omp, p.Verdicts, res.Config, tt.verdicts)
		}
	}
}

// checkFiles: the three files agree with res.
func checkFiles(t *testing.T, out string, res *Results) {
	t.Helper()
	back, err := ReadResults(filepath.Join(out, ResultsJSON))
	if err != nil {
		t.Fatal(err)
	}
	if len(back.Problems) != len(res.Problems) || back.Summary.Overall != res.Summary.Overall || back.Finished != res.Finished {
		t.Errorf("results.json differs from the returned results:\n%+v\n%+v", back.Summary.Overall, res.Summary.Overall)
	}
	md, err := os.ReadFile(filepath.Join(out, ResultsMD))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range res.Problems {
		if !strings.Contains(string(md), "| "+p.Name+" |") {
			t.Errorf("results.md has no row for %s", p.Name)
		}
	}
	svg, err := os.ReadFile(filepath.Join(out, PlotSVG))
	if err != nil {
		t.Fatal(err)
	}
	checkSVG(t, svg, len(res.Problems))
}

// checkSVG parses the plot as XML and counts its bars (rects with a title).
func checkSVG(t *testing.T, svg []byte, problems int) {
	t.Helper()
	dec := xml.NewDecoder(strings.NewReader(string(svg)))
	bars, depth := 0, 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the plot is not well-formed XML: %v", err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			depth++
			if tok.Name.Local == "title" && depth == 3 {
				bars++
			}
		case xml.EndElement:
			depth--
		}
	}
	if bars != problems {
		t.Errorf("the plot has %d bars, want %d", bars, problems)
	}
}

// TestInterruptAndResume cancels the run while the second problem's lesson
// is being banked; --resume then runs the second and third problems (the
// second from scratch, its partial lesson dropped) and never the first.
func TestInterruptAndResume(t *testing.T) {
	t.Parallel()
	s, err := Load(filepath.Join("..", "suites", "go"))
	if err != nil {
		t.Fatal(err)
	}
	srv := ollamatest.New(answerScript(t, s, "go", nil))
	defer srv.Close()
	out := t.TempDir()
	o := quickOptions(srv, out)
	o.Run = goSubset
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var second string
	o.Emit = func(e Event) {
		if te, ok := e.(TeamEvent); ok && te.Problem.Name != "byte-histogram" {
			if _, ok := te.Event.(team.LessonBanked); ok {
				second = te.Problem.Name
				cancel()
			}
		}
	}
	res, err := Run(ctx, s, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v, want context.Canceled", err)
	}
	if second != "pair-products" {
		t.Fatalf("cancelled during %q, want pair-products", second)
	}
	if len(res.Problems) != 1 || res.Problems[0].Name != "byte-histogram" || res.Finished {
		t.Fatalf("after the interruption: %+v", res.Problems)
	}
	onDisk, err := ReadResults(filepath.Join(out, ResultsJSON))
	if err != nil || len(onDisk.Problems) != 1 || onDisk.Finished {
		t.Fatalf("results.json after the interruption: %v %+v", err, onDisk)
	}
	md, _ := os.ReadFile(filepath.Join(out, ResultsMD))
	if !strings.Contains(string(md), "--resume") {
		t.Errorf("results.md does not say the run is unfinished:\n%s", md)
	}
	if n := lessonsIn(t, filepath.Join(out, StoreDir)); n != 2 {
		t.Fatalf("the store holds %d lessons after the interruption, want 2 (one finished problem, one interrupted)", n)
	}

	// Without --resume the run refuses to overwrite.
	o.Emit = nil
	if _, err := Run(context.Background(), s, o); err == nil || !strings.Contains(err.Error(), "--resume") {
		t.Fatalf("a second run without --resume: %v", err)
	}
	// A resume with other settings refuses too.
	other := o
	other.Resume, other.Strategy = true, StrategyNoLessons
	if _, err := Run(context.Background(), s, other); err == nil || !strings.Contains(err.Error(), "--strategy lessonl (now no-lessons)") {
		t.Fatalf("a resume with another strategy: %v", err)
	}

	before := len(srv.Requests())
	o.Resume = true
	var skipped, started []string
	o.Emit = func(e Event) {
		switch e := e.(type) {
		case ProblemSkipped:
			skipped = append(skipped, e.Result.Name)
		case ProblemStarted:
			started = append(started, e.Problem.Name)
		}
	}
	res, err = Run(context.Background(), s, o)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(skipped, ",") != "byte-histogram" || strings.Join(started, ",") != "pair-products,upper-ascii" {
		t.Errorf("resume skipped %v and ran %v", skipped, started)
	}
	histogram, _ := exec.Locate(s.Problem("byte-histogram").Target())
	for _, r := range srv.Requests()[before:] {
		for _, m := range r.Messages {
			if strings.Contains(m.Content, histogram.Signature) {
				t.Fatalf("the resumed run asked about the finished problem again:\n%s", m.Content)
			}
		}
	}
	if len(res.Problems) != 3 || !res.Finished || res.Summary.Overall.Correct != 3 {
		t.Fatalf("after the resume: finished %v, %+v", res.Finished, res.Summary.Overall)
	}
	for i, name := range []string{"byte-histogram", "pair-products", "upper-ascii"} {
		if res.Problems[i].Name != name || res.Problems[i].Status != StatusDone {
			t.Errorf("result %d: %s %s, want %s done", i, res.Problems[i].Name, res.Problems[i].Status, name)
		}
	}
	// The interrupted attempt's lesson was dropped: one lesson per problem.
	if n := lessonsIn(t, filepath.Join(out, StoreDir)); n != 3 {
		t.Errorf("the store holds %d lessons after the resume, want 3", n)
	}
	checkFiles(t, out, res)
}

func lessonsIn(t *testing.T, dir string) int {
	t.Helper()
	b, err := vectorbank.Open(dir, vectorbank.NewHashEmbedder())
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	return b.Len()
}

// TestFailuresDoNotStopTheSuite: a problem whose original does not build is
// an error, a problem whose agent answers without code or with wrong code
// is counted as not built or not correct; the other problems finish, and
// --resume runs only the error again.
func TestFailuresDoNotStopTheSuite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyDir(t, filepath.Join("..", "suites", "go", "prefix-sums"), filepath.Join(dir, "prefix-sums"))
	copyDir(t, filepath.Join("..", "suites", "go", "pair-products"), filepath.Join(dir, "pair-products"))
	copyDir(t, filepath.Join("..", "suites", "go", "byte-histogram"), filepath.Join(dir, "byte-histogram"))
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/suite\n\ngo 1.26\n"), 0o644)
	writeFile(t, filepath.Join(dir, "broken", "problem.toml"), "category = \"reduce\"\nfile = \"broken.go\"\nfunction = \"Twice\"\n")
	writeFile(t, filepath.Join(dir, "broken", "broken.go"), "package broken\n\nfunc Twice(x int) int {\n\treturn 2 * x\n}\n\nfunc other() int { return undefinedName }\n")
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := ollamatest.New(answerScript(t, s, "go", map[string]string{
		"broken":         "```go\nfunc Twice(x int) int {\n\treturn x << 1\n}\n```",
		"pair-products":  "Sorry, I cannot help with that.",
		"byte-histogram": "```go\nfunc Histogram(data []byte) []int {\n\treturn make([]int, 256)\n}\n```",
	}))
	defer srv.Close()
	out := t.TempDir()
	res, err := Run(context.Background(), s, quickOptions(srv, out))
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]ProblemResult{}
	for _, p := range res.Problems {
		byName[p.Name] = p
	}
	if p := byName["broken"]; p.Status != StatusError || !strings.Contains(p.Error, "couldn't build the original package") || p.Built || p.Counted != 1 {
		t.Errorf("broken: %+v", p)
	}
	if p := byName["pair-products"]; p.Status != StatusDone || p.Built || p.Correct || p.Verdicts["error"] != 1 || p.Counted != 1 {
		t.Errorf("pair-products (no code): %+v", p)
	}
	if p := byName["byte-histogram"]; p.Status != StatusDone || !p.Built || p.Correct || p.Verdicts["incorrect"] != 1 || p.Speedup != 0 || p.Counted != 1 {
		t.Errorf("byte-histogram (wrong code): %+v", p)
	}
	if p := byName["prefix-sums"]; p.Status != StatusDone || !p.Correct || !(p.Speedup > 1) {
		t.Errorf("prefix-sums: %+v", p)
	}
	m := res.Summary.Overall
	if m.Problems != 4 || m.Errors != 1 || m.Built != 2 || m.Correct != 1 || m.AtLeast2x > 1 || !res.Finished {
		t.Errorf("overall %+v, finished %v", m, res.Finished)
	}
	md, _ := os.ReadFile(filepath.Join(out, ResultsMD))
	if !strings.Contains(string(md), "## Errors") || !strings.Contains(string(md), "**broken**") {
		t.Errorf("results.md does not list the error:\n%s", md)
	}

	// --resume runs the failed problem again, and only it.
	o := quickOptions(srv, out)
	o.Resume = true
	var started []string
	o.Emit = func(e Event) {
		if e, ok := e.(ProblemStarted); ok {
			started = append(started, e.Problem.Name)
		}
	}
	if _, err := Run(context.Background(), s, o); err != nil {
		t.Fatal(err)
	}
	if strings.Join(started, ",") != "broken" {
		t.Errorf("resume ran %v, want only broken", started)
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(from, path)
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		writeFile(t, filepath.Join(to, rel), string(data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
