package bench

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lessonl/lessonl/exec"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// handResults is a run of the hand-checked problems (metrics_test.go), with
// the details a report shows.
func handResults(strategy Strategy) *Results {
	ps := handChecked()
	for i := range ps {
		p := &ps[i]
		p.Language, p.File, p.Function, p.Size, p.Check = "go", p.Name+"/"+p.Name+".go", "F", 1000, Check{Kind: CheckExact}
		p.Verdicts = map[string]int{}
		switch {
		case p.Status == StatusError:
		case !p.Built:
			p.Verdicts["build_failed"] = 3
		case !p.Correct:
			p.Verdicts["incorrect"] = 3
		case p.Speedup < 1:
			p.Verdict, p.Agent, p.Round, p.Interval = exec.Slower, "qwen2.5-coder:7b", 2, [2]float64{p.Speedup * 0.9, p.Speedup * 1.1}
			p.Verdicts["slower"], p.Verdicts["same"] = 2, 1
		default:
			p.Verdict, p.Agent, p.Round, p.Interval = exec.Faster, "deepseek-coder:6.7b", 1, [2]float64{p.Speedup * 0.9, p.Speedup * 1.1}
			p.Verdicts["faster"], p.Verdicts["error"] = 2, 1
		}
		p.Variants = 3
	}
	ps[6].Error = "no variant could be measured: couldn't build the original package: a | b"
	r := &Results{
		Suite: "hand", SuiteDir: "/suites/hand",
		Config: RunConfig{Strategy: strategy, Models: []string{"deepseek-coder:6.7b", "qwen2.5-coder:7b", "qwen2.5-coder:14b"},
			Rounds: 4, Lessons: 4, Scope: "problem", Store: "/out/lessons", Embedder: "hash"},
		Started:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Problems: ps,
	}
	r.refresh(len(ps))
	r.Updated = r.Started.Add(time.Hour)
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it); got:\n%s", name, got)
	}
}

func TestMarkdownGolden(t *testing.T) {
	r := handResults(StrategyLessonL)
	md := Markdown(r)
	golden(t, "results.md", []byte(md))
	// The hand-checked figures appear as they were worked out.
	for _, want := range []string{
		"| **overall** | 7 | 71% | 57% | 1.43× | 29% | 250 |",
		"| scan | 2 | 100% | 100% | 1.73× | 50% |",
		"| c | graph | ✓ | ✓ | 1× (0.50×) |",
		"| b | sort | ✓ | ✗ | 1× (none correct) |",
		`- **g**: no variant could be measured: couldn't build the original package: a \| b`,
	} {
		if !strings.Contains(md, want) {
			t.Errorf("results.md lacks %q", want)
		}
	}
}

func TestPlotGolden(t *testing.T) {
	r := handResults(StrategyLessonL)
	svg := PlotSpeedups(r)
	checkSVG(t, []byte(svg), len(r.Problems))
	golden(t, "speedups.svg", []byte(svg))
	// Labels are escaped.
	r.Problems[0].Name = `a<b&"c"`
	checkSVG(t, []byte(PlotSpeedups(r)), len(r.Problems))
}

func TestCompare(t *testing.T) {
	a := handResults(StrategyLessonL)
	b := handResults(StrategyNoLessons)
	// b: a is only 2× there, d built and is correct at 3×, g is gone and h is new.
	b.Problems[0].Speedup = 2
	b.Problems[3] = ProblemResult{Name: "d", Category: "graph", Status: StatusDone, Built: true, Correct: true, Speedup: 3,
		Interval: [2]float64{2.5, 3.5}, Agent: "qwen2.5-coder:14b", Verdict: exec.Faster, Verdicts: map[string]int{"faster": 1}}
	b.Problems = append(b.Problems[:6], ProblemResult{Name: "h", Category: "stencil", Status: StatusDone, Built: true, Correct: true, Speedup: 1.2})
	b.refresh(len(b.Problems))

	c := Compare(a, b, "", "", "runs/lessonl/results.json", "runs/ablation/results.json")
	if c.Labels != [2]string{"lessonl", "no-lessons"} || c.Common != 6 {
		t.Errorf("labels %v, common %d", c.Labels, c.Common)
	}
	if len(c.Problems) != 8 || c.Problems[6].Name != "g" || c.Problems[6].B != nil || c.Problems[7].Name != "h" || c.Problems[7].A != nil {
		t.Errorf("problem pairs: %+v", c.Problems)
	}
	if len(c.Notes) != 1 || !strings.Contains(c.Notes[0], "share 6 problems") {
		t.Errorf("notes %q", c.Notes)
	}
	md := c.Markdown()
	golden(t, "compare.md", []byte(md))
	for _, want := range []string{
		"| geomean speedup | 1.43× | 1.55× | 1.09× |", // b: 2·1·1·3·2·1.5·1.2 = 21.6 over 7 problems
		"| a | sort | 4.00× | 2.00× | 0.50× |",
		"| d | graph | 1× (none correct) | 3.00× | 3.00× |",
		"| stencil | – | 1.20× |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("comparison lacks %q", want)
		}
	}
	data, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"labels", "suites", "overall", "categories", "problems", "configs", "common", "notes"} {
		if _, ok := back[k]; !ok {
			t.Errorf("the JSON comparison has no %q", k)
		}
	}

	// Equal strategies: the runs' directories name them.
	c = Compare(a, a, "", "", "runs/monday/results.json", "runs/tuesday/results.json")
	if c.Labels != [2]string{"monday", "tuesday"} || c.Common != 7 || len(c.Notes) != 0 {
		t.Errorf("same strategy: labels %v, common %d, notes %q", c.Labels, c.Common, c.Notes)
	}
	if c := Compare(a, a, "x", "y", "", ""); c.Labels != [2]string{"x", "y"} {
		t.Errorf("given labels: %v", c.Labels)
	}
}

func TestReadResultsErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct{ name, text, want string }{
		{"garbage", "not json", "not a results.json of lessonl bench"},
		{"no format", `{"suite": "x"}`, "format 0"},
		{"newer", `{"format": 99}`, "format 99"},
	} {
		p := filepath.Join(dir, tt.name+".json")
		os.WriteFile(p, []byte(tt.text), 0o644)
		if _, err := ReadResults(p); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
	if _, err := ReadResults(filepath.Join(dir, "missing.json")); err == nil {
		t.Error("a missing file read")
	}
}
