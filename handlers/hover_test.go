package handlers

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/team"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./handlers -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func sampleResult() *Result {
	return &Result{
		URI: "file:///src/maxof/maxof.go", File: "/src/maxof/maxof.go", Func: "Max", Lang: "go",
		Original: "func Max(xs []int) int { return slowMax(xs) }",
		Rounds:   4, Variants: 12,
		Best: &team.Variant{Agent: "qwen2.5-coder:7b@http://gpu:11434", Model: "qwen2.5-coder:7b", Round: 1,
			Code: "func Max(xs []int) int { return fastMax(xs) }",
			Report: &exec.Report{Verdict: exec.Faster, Speedup: 2.3148, SpeedupLow: 2.2, SpeedupHigh: 2.45, Sandboxed: true,
				Checks: exec.Checks{Tests: []string{"TestMax"}, GeneratedCases: 85, Rounds: 31, Benchmark: "BenchmarkLessonl"}}},
		Read: []LessonNote{
			{ID: "a1", Outcome: "faster", Speedup: 1.9, Model: "deepseek-coder:6.7b", Text: "A single pass keeps the running maximum: no copy, no sort.\nSecond line."},
			{ID: "b2", Outcome: "incorrect", Text: "Starting the maximum at zero is wrong when every element is negative."},
		},
		Report: "/store/reports/maxof-Max-1234.md",
	}
}

func TestHoverText(t *testing.T) {
	fresh := &exec.Func{Name: "Max", Source: sampleResult().Original}
	changed := &exec.Func{Name: "Max", Source: "func Max(xs []int) int { return 0 }"}
	applied := sampleResult()
	applied.Applied = time.Date(2026, 3, 1, 9, 30, 0, 0, time.Local)
	none := sampleResult()
	none.Best, none.Read = nil, nil
	unsandboxed := sampleResult()
	unsandboxed.Best.Report.Sandboxed = false
	unsandboxed.Best.Report.Checks.Tests = nil
	tests := []struct {
		name string
		r    *Result
		f    *exec.Func
	}{
		{"faster", sampleResult(), fresh},
		{"stale", sampleResult(), changed},
		{"applied", applied, changed},
		{"nothing-faster", none, fresh},
		{"unsandboxed", unsandboxed, fresh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			golden(t, filepath.Join("hover", tt.name+".md"), hoverText(tt.r, tt.f))
		})
	}
}
