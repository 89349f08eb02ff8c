package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lessonl/lessonl/bench"
	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/internal/ollamatest"
)

// benchScript: "solver:1b" answers pair-products of the Go suite with its
// known faster variant; "wrong:1b" answers with a variant that is wrong on
// every input with two or more values, so its runs end at the check.
func benchScript(t *testing.T, latency time.Duration) ollamatest.Script {
	t.Helper()
	f, err := exec.Locate(exec.Target{File: filepath.Join("..", "..", "suites", "go", "pair-products", "reduce.go"), Func: "PairProductSum"})
	if err != nil {
		t.Fatal(err)
	}
	answer, err := os.ReadFile(filepath.Join("..", "..", "bench", "testdata", "answers", "go", "pair-products.md"))
	if err != nil {
		t.Fatal(err)
	}
	const lesson = "A running sum of the earlier values turns the pairwise sum into one pass."
	wrong := "```go\nfunc PairProductSum(xs []int64) int64 {\n\tvar s int64\n\tfor _, x := range xs {\n\t\ts += x * x\n\t}\n\treturn s\n}\n```"
	mb := &ollamatest.Misbehave{Latency: ollamatest.Duration(latency)}
	return ollamatest.Script{Models: map[string]*ollamatest.Model{
		"solver:1b": {Rules: []ollamatest.Rule{
			{Contains: []string{"Your rewrite B"}, Reply: lesson},
			{Contains: []string{f.Signature}, Reply: string(answer)},
		}},
		"wrong:1b": {Misbehave: mb, Rules: []ollamatest.Rule{
			{Contains: []string{"Your rewrite B"}, Reply: "Squaring each value is not the same as multiplying distinct pairs."},
			{Contains: []string{f.Signature}, Reply: wrong},
		}, Replies: []string{"I see no faster way to write this function."}}, // answers every other problem, without code
	}}
}

func TestBenchAndCompare(t *testing.T) {
	srv := ollamatest.New(benchScript(t, 0))
	defer srv.Close()
	suite := filepath.Join("..", "..", "suites", "go")
	dirA, dirB := filepath.Join(t.TempDir(), "a"), filepath.Join(t.TempDir(), "b")

	// The method, as JSON.
	out, errOut, code := runCLI(t, context.Background(), "bench", "--json", "--host", srv.URL(), "--models", "solver:1b",
		"--rounds", "1", "--run", "^pair-products$", "--out", dirA, suite)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	var a bench.Results
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("stdout is not results JSON: %v\n%s", err, out)
	}
	if len(a.Problems) != 1 || !a.Problems[0].Correct || !(a.Problems[0].Speedup > 1) || a.Config.Strategy != "lessonl" || a.Config.Rounds != 1 ||
		a.Config.Store != "lessons" || a.Config.Scope != "problem" {
		t.Errorf("results: %+v", a)
	}
	if !strings.Contains(errOut, "[1/1] pair-products (reduce)") {
		t.Errorf("--json progress goes to stderr; got %q", errOut)
	}
	for _, f := range []string{bench.ResultsJSON, bench.ResultsMD, bench.PlotSVG, bench.StoreDir} {
		if _, err := os.Stat(filepath.Join(dirA, f)); err != nil {
			t.Errorf("no %s in --out: %v", f, err)
		}
	}

	// An ablation with a wrong agent, as text.
	out, errOut, code = runCLI(t, context.Background(), "bench", "--host", srv.URL(), "--models", "wrong:1b", "--strategy", "no-lessons",
		"--rounds", "1", "--run", "^pair-products$", "--out", dirB, suite)
	if code != 0 {
		t.Fatalf("exit %d\nstderr: %s", code, errOut)
	}
	for _, want := range []string{"[1/1] pair-products (reduce)", "round 1/1 wrong:1b", "incorrect", "1× (no correct variant)", "| **overall** | 1 | 100% | 0% | 1.00× |", "Wrote results.json"} {
		if !strings.Contains(out, want) {
			t.Errorf("text output lacks %q:\n%s", want, out)
		}
	}

	// Side by side, from the directories or the files.
	out, errOut, code = runCLI(t, context.Background(), "bench", "compare", dirA, filepath.Join(dirB, "results.json"))
	if code != 0 {
		t.Fatalf("compare: exit %d\nstderr: %s", code, errOut)
	}
	for _, want := range []string{"# lessonl bench: lessonl vs no-lessons", "| correct | 100% | 0% | -100 pts |", "| pair-products | reduce |"} {
		if !strings.Contains(out, want) {
			t.Errorf("comparison lacks %q:\n%s", want, out)
		}
	}
	mdFile := filepath.Join(t.TempDir(), "cmp.md")
	out, errOut, code = runCLI(t, context.Background(), "bench", "compare", "--json", "--labels", "team,alone", "--out", mdFile, dirA, dirB)
	var c struct {
		Labels []string `json:"labels"`
		Common int      `json:"common"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &c) != nil || strings.Join(c.Labels, ",") != "team,alone" || c.Common != 1 {
		t.Errorf("compare --json: exit %d, %q, stderr %q", code, out, errOut)
	}
	if md, err := os.ReadFile(mdFile); err != nil || !strings.Contains(string(md), "team vs alone") {
		t.Errorf("compare --out: %v\n%s", err, md)
	}

	// A finished run is not started again by accident.
	_, errOut, code = runCLI(t, context.Background(), "bench", "--host", srv.URL(), "--models", "solver:1b", "--rounds", "1",
		"--run", "^pair-products$", "--out", dirA, suite)
	if code != 1 || !strings.Contains(errOut, "pass --resume") {
		t.Errorf("rerun into the same --out: exit %d, %q", code, errOut)
	}
}

// Ctrl-C leaves a resumable run; --resume finishes it.
func TestBenchInterruptCLI(t *testing.T) {
	srv := ollamatest.New(benchScript(t, 2*time.Second))
	defer srv.Close()
	suite := filepath.Join("..", "..", "suites", "go")
	dir := t.TempDir()
	args := []string{"bench", "--host", srv.URL(), "--models", "wrong:1b", "--rounds", "1", "--run", "^(pair-products|prefix-sums)$", "--out", dir, suite}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		wctx, wcancel := context.WithTimeout(context.Background(), time.Minute)
		defer wcancel()
		// Interrupt once the first chat has started (the model checks before
		// it are not the run).
		for n := 1; srv.WaitForRequests(wctx, n) == nil; n++ {
			if srv.Requests()[n-1].Path == "/api/chat" {
				cancel()
				return
			}
		}
	}()
	_, errOut, code := runCLI(t, ctx, args...)
	cancel()
	if code != 130 || !strings.Contains(errOut, "--resume") {
		t.Fatalf("interrupted: exit %d, stderr %q; want 130 and how to resume", code, errOut)
	}
	r, err := bench.ReadResults(filepath.Join(dir, bench.ResultsJSON))
	if err != nil || r.Finished || len(r.Problems) != 0 {
		t.Fatalf("after the interruption: %v %+v", err, r)
	}
	out, errOut, code := runCLI(t, context.Background(), append(args, "--resume")...)
	if code != 0 {
		t.Fatalf("--resume: exit %d\n%s\n%s", code, out, errOut)
	}
	r, err = bench.ReadResults(filepath.Join(dir, bench.ResultsJSON))
	if err != nil || !r.Finished || len(r.Problems) != 2 {
		t.Fatalf("after --resume: %v %+v", err, r)
	}
}

func TestBenchUsage(t *testing.T) {
	srv := ollamatest.New(benchScript(t, 0))
	defer srv.Close()
	suite := filepath.Join("..", "..", "suites", "go")
	notResults := filepath.Join(t.TempDir(), "x.json")
	os.WriteFile(notResults, []byte(`{"hello": 1}`), 0o644)
	for _, tt := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no suite", []string{"bench"}, 2, "want one SUITE directory"},
		{"bad strategy", []string{"bench", "--strategy", "best", suite}, 2, "use lessonl, single, no-lessons, no-factor, random"},
		{"bad scope", []string{"bench", "--scope", "project", suite}, 2, "want problem or all"},
		{"bad rounds", []string{"bench", "--rounds", "0", suite}, 2, "--rounds 0: want an integer from 1 to 100"},
		{"missing suite", []string{"bench", "nowhere"}, 1, "give the directory that holds the problems"},
		{"bad run", []string{"bench", "--host", srv.URL(), "--models", "solver:1b", "--run", "(", "--out", t.TempDir(), suite}, 2, "not a regular expression"},
		{"run matches nothing", []string{"bench", "--host", srv.URL(), "--models", "solver:1b", "--run", "^zzz$", "--out", t.TempDir(), suite}, 1, "matches none"},
		{"no ollama", []string{"bench", "--host", "http://127.0.0.1:1", "--models", "solver:1b", suite}, 1, "ollama serve"},
		{"compare one", []string{"bench", "compare", "a.json"}, 2, "want two results"},
		{"compare labels", []string{"bench", "compare", "--labels", "x", "a", "b"}, 2, "--labels"},
		{"compare not results", []string{"bench", "compare", notResults, notResults}, 1, "format 0"},
		{"help", []string{"bench", "-h"}, 0, "FRESH lesson store"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := runCLI(t, context.Background(), tt.args...)
			if code != tt.code || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d mentioning %q", code, errOut, tt.code, tt.want)
			}
		})
	}
}
