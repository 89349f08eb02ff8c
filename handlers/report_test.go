package handlers

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/team"
)

func sampleRun() (*Result, *team.Result, *exec.Func) {
	f := &exec.Func{Name: "Max", Lang: "go", Source: "func Max(xs []int) int {\n\treturn slowMax(xs)\n}"}
	best := team.Variant{Agent: "qwen2.5-coder:7b", Model: "qwen2.5-coder:7b", Round: 1, LessonID: "0123456789abcdef",
		Code: "func Max(xs []int) int {\n\treturn fastMax(xs)\n}",
		Report: &exec.Report{Verdict: exec.Faster, Speedup: 2.31, SpeedupLow: 2.2, SpeedupHigh: 2.45, OriginalNs: 2310, VariantNs: 1000,
			Sandboxed: true, Checks: exec.Checks{Tests: []string{"TestMax"}, GeneratedCases: 85, Seeds: []int64{1, 2}, Rounds: 31, Benchmark: "BenchmarkLessonl", Spread: 0.031}}}
	tres := &team.Result{Best: &best, Rounds: 2, Variants: []team.Variant{
		{Agent: "deepseek-coder:6.7b", Round: 0, Error: "deepseek-coder:6.7b at http://127.0.0.1:11434 did not answer within 5m0s"},
		{Agent: "qwen2.5-coder:7b", Round: 0, Report: &exec.Report{Verdict: exec.Incorrect}},
		best,
	}}
	start := time.Date(2026, 3, 1, 9, 30, 0, 0, time.UTC)
	res := &Result{URI: "file:///src/maxof.go", File: "/src/maxof.go", Func: "Max", Lang: "go", Original: f.Source,
		Started: start, Finished: start.Add(83 * time.Second), Rounds: 2, Variants: 3, Agents: []string{"deepseek-coder:6.7b", "qwen2.5-coder:7b"},
		Best:    &best,
		Read:    []LessonNote{{ID: "fedcba9876543210", Outcome: "faster", Speedup: 1.9, Model: "deepseek-coder:6.7b", Round: 0, Text: "Keep a running maximum."}},
		Learned: []LessonNote{{ID: "0123456789abcdef", Outcome: "faster", Speedup: 2.31, Model: "qwen2.5-coder:7b", Round: 1, Text: "No sort:\na single pass."}},
	}
	return res, tres, f
}

func TestReportMarkdown(t *testing.T) {
	res, tres, f := sampleRun()
	md, diffLine := reportMarkdown(res, tres, f)
	path := filepath.Join("testdata", "report", "faster.md")
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		os.WriteFile(path, []byte(md), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./handlers -run TestReportMarkdown -update creates it)", err)
	}
	if md != string(want) {
		t.Errorf("report differs from %s:\n%s", path, md)
	}
	if l := strings.Split(md, "\n")[diffLine]; l != "## Diff" {
		t.Errorf("diff line %d is %q", diffLine, l)
	}
	res.Best, tres.Best = nil, nil
	md, diffLine = reportMarkdown(res, tres, f)
	if !strings.Contains(md, "no variant was verified faster") || strings.Split(md, "\n")[diffLine] != "## Diff" {
		t.Errorf("report without a faster variant:\n%s", md)
	}
}

func TestReportName(t *testing.T) {
	a, b := reportName("/x/sum.go", "(*Stack).Push"), reportName("/y/sum.go", "(*Stack).Push")
	if a == b || !strings.HasPrefix(a, "sum-Stack.Push-") || strings.ContainsAny(a, "()*/") {
		t.Errorf("report names %q and %q", a, b)
	}
}
