package server

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.lsp.dev/protocol"

	"github.com/lessonl/lessonl/handlers"
	"github.com/lessonl/lessonl/internal/ollamatest"
)

// A C++ function in the editor: the same action, run, hover and apply as for
// Go, through the generated differential driver.
const (
	maxofCxx = `#include <vector>

namespace stats {
// maxOf returns the largest element, or 0 for an empty vector.
int maxOf(const std::vector<int>& xs) {
  if (xs.empty()) return 0;
  std::vector<int> s(xs);
  for (size_t i = 1; i < s.size(); i++)
    for (size_t j = i; j > 0 && s[j] < s[j - 1]; j--) std::swap(s[j], s[j - 1]);
  return s.back();
}
}  // namespace stats
`
	cxxScanVariant = "```cpp\n#include <algorithm>\nint maxOf(const std::vector<int>& xs) {\n  if (xs.empty()) return 0;\n  return *std::max_element(xs.begin(), xs.end());\n}\n```\n"
	cxxLesson      = "std::max_element is one linear pass with no copy, where insertion sort is quadratic."
)

func TestOptimizeCxxEndToEnd(t *testing.T) {
	ollama := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{
		"cxx:1b": {Rules: []ollamatest.Rule{
			{Contains: []string{"Your rewrite B"}, Reply: cxxLesson},
			{Reply: cxxScanVariant},
		}},
	}})
	t.Cleanup(ollama.Close)
	h := newHarness(t, harnessOpts{initOpts: runSettings(ollama, "cxx:1b")})
	dir := t.TempDir()
	path := filepath.Join(dir, "maxof.cpp")
	if err := os.WriteFile(path, []byte(maxofCxx), 0o644); err != nil {
		t.Fatal(err)
	}
	u := h.open(path, maxofCxx)
	line := uint32(strings.Count(maxofCxx[:strings.Index(maxofCxx, "std::vector<int> s(xs)")], "\n"))

	acts := codeActions(t, h, u, line)
	if len(acts) != 1 || acts[0].Title != "Optimize with lessons" {
		t.Fatalf("actions on a C++ function: %q", titlesOf(acts))
	}
	raw, err := h.srv.ExecuteCommand(h.ctx(), &protocol.ExecuteCommandParams{Command: acts[0].Command.Command, Arguments: acts[0].Command.Arguments})
	if err != nil {
		t.Fatalf("lessonl.optimize: %v", err)
	}
	var res handlers.OptimizeResult
	if err := json.Unmarshal(raw, &res); err != nil {
		t.Fatalf("result %s: %v", raw, err)
	}
	if res.Verdict != "faster" || res.Speedup <= 1 || res.Func != "stats::maxOf" || !strings.Contains(res.Variant, "max_element") {
		t.Fatalf("result %+v", res)
	}
	if hv := hoverText(t, h, u, line); !strings.Contains(hv, "faster") || !strings.Contains(hv, "cxx:1b@") {
		t.Errorf("hover on the C++ function:\n%s", hv)
	}

	h.client.setOnEdit(func(p *protocol.ApplyWorkspaceEditParams) *protocol.ApplyWorkspaceEditResult {
		applyEditToBuffer(t, h, p)
		return &protocol.ApplyWorkspaceEditResult{Applied: true}
	})
	ans, err := h.exec(h.ctx(), "lessonl.apply", nil, map[string]any{"uri": string(u), "func": "stats::maxOf"})
	if err != nil || !strings.Contains(string(ans), `"applied":true`) {
		t.Fatalf("lessonl.apply = %s, %v", ans, err)
	}
	h.sync()
	text := h.doc(u).Text
	for _, want := range []string{"#include <vector>\n#include <algorithm>\n", "// maxOf returns the largest", "std::max_element", "}  // namespace stats"} {
		if !strings.Contains(text, want) {
			t.Errorf("buffer after apply lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "std::swap") || strings.Contains(text, "#line") {
		t.Errorf("buffer after apply:\n%s", text)
	}
}
