package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/handlers"
	"github.com/lessonl/lessonl/team"
)

func TestResultsPersist(t *testing.T) {
	store := t.TempDir()
	var rs resultStore
	res := sampleResult()
	other := *res
	other.Func = "Min"
	if err := rs.at(store).put(res); err != nil {
		t.Fatal(err)
	}
	if err := rs.at(store).put(&other); err != nil {
		t.Fatal(err)
	}
	// A new process: nothing in memory.
	var again resultStore
	got := again.at(store).get(res.File, "Max")
	if got == nil || !got.Faster() || got.Original != res.Original || got.Best.Report.SpeedupHigh != 2.45 || len(got.Read) != 1 {
		t.Fatalf("after a restart: %+v", got)
	}
	if all := again.at(store).all(res.File); len(all) != 2 || all[0].Func != "Max" || all[1].Func != "Min" {
		t.Fatalf("all results: %d", len(all))
	}
	if again.at(store).get("/elsewhere.go", "Max") != nil || again.at(t.TempDir()).get(res.File, "Max") != nil {
		t.Fatal("results leak across files or stores")
	}
	// A damaged file is set aside, not fatal; the next put rewrites it.
	p := again.at(store).path(res.File)
	if err := os.WriteFile(p, []byte("{not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	var third resultStore
	if third.at(store).get(res.File, "Max") != nil {
		t.Fatal("a damaged results file was read")
	}
	if err := third.at(store).put(res); err != nil {
		t.Fatal(err)
	}
	var fourth resultStore
	if fourth.at(store).get(res.File, "Max") == nil {
		t.Fatal("the rewritten results file was not read")
	}
	// No temporary files are left.
	entries, _ := os.ReadDir(filepath.Dir(p))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("left %s", e.Name())
		}
	}
}

func sampleResult() *handlers.Result {
	best := team.Variant{Agent: "qwen2.5-coder:7b", Model: "qwen2.5-coder:7b", Round: 1,
		Code:   "func Max(xs []int) int {\n\treturn fastMax(xs)\n}",
		Report: &exec.Report{Verdict: exec.Faster, Speedup: 2.31, SpeedupLow: 2.2, SpeedupHigh: 2.45}}
	return &handlers.Result{URI: "file:///src/maxof.go", File: "/src/maxof.go", Func: "Max", Lang: "go",
		Original: "func Max(xs []int) int {\n\treturn slowMax(xs)\n}", Rounds: 2, Variants: 3, Best: &best,
		Read: []handlers.LessonNote{{ID: "fedcba9876543210", Outcome: "faster", Speedup: 1.9, Model: "deepseek-coder:6.7b", Text: "Keep a running maximum."}}}
}
