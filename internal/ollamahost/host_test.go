package ollamahost

import (
	"testing"

	"github.com/ollama/ollama/envconfig"
)

func TestParse(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"127.0.0.1", "http://127.0.0.1:11434"},
		{"gpu2", "http://gpu2:11434"},
		{" gpu2:8080 ", "http://gpu2:8080"},
		{"http://127.0.0.1", "http://127.0.0.1:80"},
		{"https://ollama.example", "https://ollama.example:443"},
		{"http://gpu2:11434/", "http://gpu2:11434"},
		{"https://proxy.example/ollama/", "https://proxy.example:443/ollama"},
		{"[::1]:9999", "http://[::1]:9999"},
		{"[::1]", "http://[::1]:11434"},
		{"0.0.0.0:11434", "http://0.0.0.0:11434"},
		{"::", "http://[::]:11434"},
	} {
		got, err := Normalize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "  ", "ftp://x", "http://", "gpu2:port", "gpu2:0", "gpu2:70000", "a b", "a:b:c"} {
		if got, err := Normalize(bad); err == nil {
			t.Errorf("Normalize(%q) = %q, want an error", bad, got)
		}
	}
}

// TestParseAgreesWithOllama holds the rule to Ollama's own client: for
// every form both accept, OLLAMA_HOST lands on the same scheme, host and port.
func TestParseAgreesWithOllama(t *testing.T) {
	for _, in := range []string{"127.0.0.1", "gpu2", "gpu2:8080", "http://127.0.0.1", "https://gpu2", "http://gpu2:9", "https://x.example/p", "[::1]:9999"} {
		t.Setenv("OLLAMA_HOST", in)
		theirs := envconfig.Host()
		ours, err := Parse(in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if ours.Scheme != theirs.Scheme || ours.Host != theirs.Host || ours.Path != "/"+theirs.Path && theirs.Path != "" {
			t.Errorf("OLLAMA_HOST=%q: ours %s, Ollama's %s", in, ours, theirs)
		}
	}
}

func TestResolve(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == Env {
				return v
			}
			return ""
		}
	}
	for _, tt := range []struct{ flag, env, want string }{
		{"", "", Default},
		{"", "gpu2", "http://gpu2:11434"},
		{"gpu3", "gpu2", "http://gpu3:11434"},
		{"", "http://gpu2", "http://gpu2:80"},
	} {
		got, err := Resolve(tt.flag, env(tt.env))
		if err != nil || got != tt.want {
			t.Errorf("Resolve(%q, OLLAMA_HOST=%q) = %q, %v; want %q", tt.flag, tt.env, got, err, tt.want)
		}
	}
	if _, err := Resolve("", env("ftp://x")); err == nil {
		t.Error("Resolve with a bad OLLAMA_HOST: no error")
	}
	c, err := NewClient("gpu2")
	if err != nil || c == nil {
		t.Fatalf("NewClient: %v", err)
	}
}
