package ollamatest_test

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

var update = flag.Bool("update", false, "rewrite golden files")

func TestLoadReadsEveryField(t *testing.T) {
	path := filepath.Join(t.TempDir(), "s.json")
	data := `{
  "version": "0.6.0",
  "models": {
    "a:7b": {
      "rules": [{"contains": ["x", "y"], "regex": "z+", "reply": "r", "times": 2,
                 "misbehave": {"latency": "250ms", "status": 503, "message": "busy", "cut_after": 3, "garbage": true, "hang": true}}],
      "replies": ["one", "two"],
      "missing": true, "pull_fails": true, "tokens_per_second": 12.5,
      "misbehave": {"latency": "1s"}
    },
    "e": {"embed": true, "embed_dim": 32}
  }
}`
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := ollamatest.Load(path)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	a, e := s.Models["a:7b"], s.Models["e"]
	r := a.Rules[0]
	mb := r.Misbehave
	if s.Version != "0.6.0" || len(a.Replies) != 2 || !a.Missing || !a.PullFails || a.TokensPerSecond != 12.5 ||
		time.Duration(a.Misbehave.Latency) != time.Second || !e.Embed || e.EmbedDim != 32 ||
		len(r.Contains) != 2 || r.Regex != "z+" || r.Reply != "r" || r.Times != 2 ||
		time.Duration(mb.Latency) != 250*time.Millisecond || mb.Status != 503 || mb.Message != "busy" || mb.CutAfter != 3 || !mb.Garbage || !mb.Hang {
		t.Errorf("Load read %+v", s)
	}
}

// TestLoadErrors pins the messages for bad scripts in a golden file: each
// must name the problem, where it is, and the fix.
func TestLoadErrors(t *testing.T) {
	tests := []struct{ name, json string }{
		{"unknown top-level field", `{"model": {}}`},
		{"unknown model field", `{"models": {"a": {"replys": ["x"]}}}`},
		{"unknown rule field", `{"models": {"a": {"rules": [{"contains": ["x"], "answer": "y"}]}}}`},
		{"unknown misbehave field", `{"models": {"a": {"misbehave": {"latancy": "1s"}}}}`},
		{"bad regex", `{"models": {"a": {"rules": [{"regex": "(unclosed", "reply": "y"}]}}}`},
		{"duration as a number", `{"models": {"a": {"misbehave": {"latency": 250}}}}`},
		{"bad duration", `{"models": {"a": {"misbehave": {"latency": "soon"}}}}`},
		{"status not an error", `{"models": {"a": {"misbehave": {"status": 200}}}}`},
		{"cut_after below -1", `{"models": {"a": {"rules": [{"reply": "x", "misbehave": {"cut_after": -2}}]}}}`},
		{"negative times", `{"models": {"a": {"rules": [{"reply": "x", "times": -1}]}}}`},
		{"embedding model with replies", `{"models": {"e": {"embed": true, "replies": ["x"]}}}`},
		{"embed_dim too large", `{"models": {"e": {"embed": true, "embed_dim": 100000000}}}`},
		{"negative tokens_per_second", `{"models": {"a": {"tokens_per_second": -1}}}`},
		{"same model twice", `{"models": {"qwen": {}, "qwen:latest": {}}}`},
		{"null model", `{"models": {"a": null}}`},
		{"wrong type", "{\"models\": {\n\"a\": {\"replies\": \"x\"}}}"},
		{"syntax error", "{\"models\": {\n\"a\": {,}}}"},
		{"two values", `{"models": {}} {}`},
	}
	var golden strings.Builder
	for _, tt := range tests {
		path := filepath.Join(t.TempDir(), "script.json")
		if err := os.WriteFile(path, []byte(tt.json), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := ollamatest.Load(path)
		if err == nil {
			t.Errorf("%s: Load accepted %s", tt.name, tt.json)
			continue
		}
		msg := strings.ReplaceAll(err.Error(), path, "SCRIPT")
		fmt.Fprintf(&golden, "%s:\n\t%s\n", tt.name, msg)
		if _, perr := ollamatest.Parse([]byte(tt.json)); perr == nil {
			t.Errorf("%s: Parse accepted what Load refused", tt.name)
		}
	}
	if _, err := ollamatest.Load(filepath.Join(t.TempDir(), "none.json")); err == nil || !strings.Contains(err.Error(), "couldn't read script") {
		t.Errorf("missing file: %v", err)
	}
	checkGolden(t, "testdata/load-errors.golden", golden.String())
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update to create it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("output differs from %s (run with -update after checking):\ngot:\n%s\nwant:\n%s", path, got, want)
	}
}

func TestDurationRoundTrips(t *testing.T) {
	d := ollamatest.Duration(1500 * time.Millisecond)
	b, err := d.MarshalJSON()
	if err != nil || string(b) != `"1.5s"` {
		t.Fatalf("MarshalJSON = %s, %v", b, err)
	}
	var back ollamatest.Duration
	if err := back.UnmarshalJSON(b); err != nil || back != d {
		t.Errorf("UnmarshalJSON(%s) = %v, %v", b, back, err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"models": {"a": {"rules": [{"regex": "x+", "reply": "y", "times": 1}], "replies": ["z"]}}}`))
	f.Add([]byte(`{"models": {"e": {"embed": true, "embed_dim": 8, "misbehave": {"latency": "1ms", "cut_after": -1}}}}`))
	f.Add([]byte(`{"models": {"a": {"misbehave": {"status": 500}}}, "version": "1"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := ollamatest.Parse(data)
		if err != nil {
			return
		}
		// Whatever Parse accepts, a server must accept too.
		srv, err := ollamatest.Listen("127.0.0.1:0", s)
		if err != nil {
			t.Fatalf("Parse accepted a script Listen refuses: %v", err)
		}
		srv.Close()
	})
}
