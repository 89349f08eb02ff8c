package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

// A two-agent team on a copy of team/testdata/maxof: "fast" scans once,
// "wrong" starts the maximum at zero.
const (
	optScan  = "```go\nfunc Max(xs []int) int {\n\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\tm := xs[0]\n\tfor _, x := range xs[1:] {\n\t\tif x > m {\n\t\t\tm = x\n\t\t}\n\t}\n\treturn m\n}\n```"
	optWrong = "```go\nfunc Max(xs []int) int {\n\tm := 0\n\tfor _, x := range xs {\n\t\tif x > m {\n\t\t\tm = x\n\t\t}\n\t}\n\treturn m\n}\n```"
)

func optimizeScript(latency time.Duration) ollamatest.Script {
	mb := &ollamatest.Misbehave{Latency: ollamatest.Duration(latency)}
	return ollamatest.Script{Models: map[string]*ollamatest.Model{
		"fast:1b": {Misbehave: mb, Rules: []ollamatest.Rule{
			{Contains: []string{"Your rewrite B"}, Reply: "One pass with a running maximum replaces the quadratic sort."},
			{Reply: optScan},
		}},
		"wrong:1b": {Misbehave: mb, Rules: []ollamatest.Rule{
			{Contains: []string{"Your rewrite B"}, Reply: "Starting at zero breaks slices whose elements are all negative."},
			{Reply: optWrong},
		}},
	}}
}

// maxModule copies the maxof test package into its own module.
func maxModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{"maxof.go", "maxof_test.go"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "team", "testdata", "maxof", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module example.com/maxof\n\ngo 1.26\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, "maxof.go")
}

func runCLI(t *testing.T, ctx context.Context, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(ctx, args, &o, &e)
	return o.String(), e.String(), code
}

func TestOptimizeJSONAndApply(t *testing.T) {
	srv := ollamatest.New(optimizeScript(0))
	defer srv.Close()
	file := maxModule(t)
	store := t.TempDir()
	out, errOut, code := runCLI(t, context.Background(), "optimize", "--json", "--apply", "--store", store,
		"--host", srv.URL(), "--models", "fast:1b,wrong:1b", "--rounds", "2", file+":Max")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	var res struct {
		Best *struct {
			Variant     string  `json:"variant"`
			Verdict     string  `json:"verdict"`
			Speedup     float64 `json:"speedup"`
			SpeedupLow  float64 `json:"speedup_low"`
			SpeedupHigh float64 `json:"speedup_high"`
			Agent       string  `json:"agent"`
			Round       *int    `json:"round"`
		} `json:"best"`
		Variants       []map[string]any `json:"variants"`
		LessonsLearned []map[string]any `json:"lessons_learned"`
		LessonsUsed    []map[string]any `json:"lessons_used"`
		Rounds         int              `json:"rounds"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not one JSON object: %v\n%s", err, out)
	}
	if res.Best == nil || res.Best.Verdict != "faster" || res.Best.Speedup <= 1 || res.Best.SpeedupLow > res.Best.Speedup || res.Best.Round == nil || !strings.HasPrefix(res.Best.Agent, "fast:1b") {
		t.Errorf("best: %+v", res.Best)
	}
	if len(res.Variants) != 4 || len(res.LessonsLearned) != 4 || len(res.LessonsUsed) != 2 || res.Rounds != 2 {
		t.Errorf("variants %d, lessons learned %d, used %d, rounds %d; want 4, 4, 2, 2", len(res.Variants), len(res.LessonsLearned), len(res.LessonsUsed), res.Rounds)
	}
	got, _ := os.ReadFile(file)
	if !strings.Contains(string(got), "for _, x := range xs[1:]") || !strings.Contains(string(got), "func Min(") {
		t.Errorf("--apply did not write the best variant (and only it):\n%s", got)
	}
	// The lessons are in the store for the next run.
	out, _, code = runCLI(t, context.Background(), "lessons", "list", "--json", "--store", store)
	if code != 0 || strings.Count(out, `"outcome"`) != 4 {
		t.Errorf("lessons list after the run: exit %d\n%s", code, out)
	}
}

// A C++ function named with its namespace: the same loop, --omp tells the
// agents they may use OpenMP, and --apply writes the variant with the
// #include it needs.
func TestOptimizeApplyCxx(t *testing.T) {
	srv := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{
		"cxx:1b": {Rules: []ollamatest.Rule{
			{Contains: []string{"Your rewrite B"}, Reply: "std::max_element is one pass with no copy; insertion sort is quadratic."},
			{Reply: "```cpp\n#include <algorithm>\nint maxOf(const std::vector<int>& xs) {\n  if (xs.empty()) return 0;\n  return *std::max_element(xs.begin(), xs.end());\n}\n```"},
		}},
	}})
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "stats.cpp")
	orig := "#include <vector>\n\nnamespace stats {\n// maxOf sorts a copy to find the largest element.\nint maxOf(const std::vector<int>& xs) {\n  if (xs.empty()) return 0;\n  std::vector<int> s(xs);\n  for (std::size_t i = 1; i < s.size(); i++)\n    for (std::size_t j = i; j > 0 && s[j] < s[j - 1]; j--) std::swap(s[j], s[j - 1]);\n  return s.back();\n}\n}  // namespace stats\n"
	if err := os.WriteFile(file, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, context.Background(), "optimize", "--json", "--apply", "--store", t.TempDir(),
		"--host", srv.URL(), "--models", "cxx:1b", "--rounds", "1", "--omp", "2", file+":stats::maxOf")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	var res struct {
		Best    *struct{ Verdict string } `json:"best"`
		Applied bool                      `json:"applied"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || res.Best == nil || res.Best.Verdict != "faster" || !res.Applied {
		t.Fatalf("result %v: %s", err, out)
	}
	toldOpenMP := false
	for _, r := range srv.Requests() {
		for _, m := range r.Messages {
			toldOpenMP = toldOpenMP || strings.Contains(m.Content, "compiled with -fopenmp")
		}
	}
	if !toldOpenMP {
		t.Error("with --omp the agents were not told they may use OpenMP")
	}
	got, _ := os.ReadFile(file)
	for _, want := range []string{"#include <vector>\n#include <algorithm>\n", "// maxOf sorts a copy", "std::max_element", "}  // namespace stats"} {
		if !strings.Contains(string(got), want) {
			t.Errorf("--apply wrote a file without %q:\n%s", want, got)
		}
	}
}

// The README's C++ demo: the example script plays the team on
// examples/mins. Round 1 gives one faster, one incorrect and one
// non-building variant; with their lessons, every agent is faster in round 2.
func TestOptimizeCxxExample(t *testing.T) {
	script, err := ollamatest.Load(filepath.Join("..", "..", "internal", "ollamatest", "testdata", "example.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range script.Models {
		m.TokensPerSecond = 0 // the pace is for people watching
	}
	srv := ollamatest.New(script)
	defer srv.Close()
	src, err := os.ReadFile(filepath.Join("..", "..", "examples", "mins", "mins.cpp"))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "mins.cpp")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := runCLI(t, context.Background(), "optimize", "--json", "--store", t.TempDir(), "--host", srv.URL(),
		"--models", "qwen2.5-coder:7b,deepseek-coder:6.7b,qwen2.5-coder:14b", "--rounds", "2", file+":pairMinSum")
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	var res struct {
		Best     *struct{ Verdict string } `json:"best"`
		Variants []struct {
			Model  string `json:"model"`
			Round  int    `json:"round"`
			Report *struct {
				Verdict string `json:"verdict"`
			} `json:"report"`
		} `json:"variants"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	want := map[string][2]string{
		"qwen2.5-coder:7b":    {"faster", "faster"},
		"deepseek-coder:6.7b": {"incorrect", "faster"},
		"qwen2.5-coder:14b":   {"build_failed", "faster"},
	}
	for _, v := range res.Variants {
		got := "no report"
		if v.Report != nil {
			got = v.Report.Verdict
		}
		if w := want[v.Model][v.Round]; got != w {
			t.Errorf("round %d %s: %s, want %s", v.Round+1, v.Model, got, w)
		}
	}
	if len(res.Variants) != 6 || res.Best == nil || res.Best.Verdict != "faster" {
		t.Errorf("%d variants, best %+v; want 6 and a faster best", len(res.Variants), res.Best)
	}
}

// --apply never overwrites a file edited during the run.
func TestOptimizeApplyRefusesChangedFile(t *testing.T) {
	srv := ollamatest.New(optimizeScript(500 * time.Millisecond))
	defer srv.Close()
	file := maxModule(t)
	edited := []byte("// edited by the user during the run\n")
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := srv.WaitForRequests(ctx, 1); err == nil {
			orig, _ := os.ReadFile(file)
			os.WriteFile(file, append(orig, edited...), 0o644)
		}
	}()
	_, errOut, code := runCLI(t, context.Background(), "optimize", "--apply", "--store", t.TempDir(),
		"--host", srv.URL(), "--models", "fast:1b", "--rounds", "1", file+":Max")
	if code != 1 || !strings.Contains(errOut, "changed during the run") {
		t.Errorf("exit %d, stderr %q; want 1 and a refusal", code, errOut)
	}
	got, _ := os.ReadFile(file)
	if !bytes.HasSuffix(got, edited) || strings.Contains(string(got), "range xs[1:]") {
		t.Errorf("the user's edit was overwritten:\n%s", got)
	}
}

func TestOptimizeErrors(t *testing.T) {
	srv := ollamatest.New(optimizeScript(0))
	defer srv.Close()
	file := maxModule(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no target", []string{"optimize"}, 2, "want FILE:FUNC"},
		{"bad target", []string{"optimize", "maxof.go"}, 2, "is not FILE:FUNC"},
		{"bad scope", []string{"optimize", "--scope", "world", file + ":Max"}, 2, "--scope"},
		{"bad models", []string{"optimize", "--models", "@http://x", file + ":Max"}, 2, "no model name"},
		{"openmp on go", []string{"optimize", "--omp", "4", file + ":Max"}, 2, "OpenMP applies to C and C++"},
		{"bad rtol", []string{"optimize", "--rtol", "-1", file + ":Max"}, 2, "--rtol -1 is out of range"},
		{"missing function", []string{"optimize", "--host", srv.URL(), "--models", "fast:1b", file + ":Mux"}, 1, "did you mean Max"},
		{"no ollama", []string{"optimize", "--host", "http://127.0.0.1:1", "--models", "fast:1b", file + ":Max"}, 1, "ollama serve"},
		{"model missing", []string{"optimize", "--host", srv.URL(), "--models", "nosuch:1b", file + ":Max"}, 1, "ollama pull nosuch:1b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, context.Background(), append(tt.args[:1:1], append([]string{"--store", t.TempDir()}, tt.args[1:]...)...)...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, tt.code, tt.want)
			}
		})
	}
}

// A run in which no model answered exits 3 (README: exit codes), with the
// first failure named.
func TestOptimizeNoModelAnsweredExits3(t *testing.T) {
	srv := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{
		"broken:1b": {Misbehave: &ollamatest.Misbehave{Status: 500, Message: "model runner crashed"}},
	}})
	defer srv.Close()
	file := maxModule(t)
	out, errOut, code := runCLI(t, context.Background(), "optimize", "--json", "--store", t.TempDir(),
		"--host", srv.URL(), "--models", "broken:1b", "--rounds", "1", file+":Max")
	if code != exitNoAnswer || !strings.Contains(errOut, "no model answered") || !strings.Contains(errOut, "model runner crashed") {
		t.Errorf("exit %d, stderr %q; want %d naming the failure", code, errOut, exitNoAnswer)
	}
	if !strings.Contains(out, `"variants"`) {
		t.Errorf("--json printed nothing: %q", out)
	}
}
