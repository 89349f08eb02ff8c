package ollamatest

import (
	"slices"
	"strings"
	"testing"
)

func TestSplitTokens(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"one", []string{"one"}},
		{"one two", []string{"one ", "two"}},
		{"  lead\n\tx  ", []string{"  lead\n\t", "x  "}},
		{"```go\nfunc F() {}\n```", []string{"```go\n", "func ", "F() ", "{}\n", "```"}},
		{"é ü", []string{"é ", "ü"}},
	}
	for _, tt := range tests {
		if got := splitTokens(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitTokens(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzSplitTokens(f *testing.F) {
	f.Add("Here it is:\n```go\nfunc Sum(xs []int) int {\n\treturn 0\n}\n```\n")
	f.Add(" \x00\xff a")
	f.Fuzz(func(t *testing.T, s string) {
		toks := splitTokens(s)
		// Streaming must deliver the reply byte for byte.
		if got := strings.Join(toks, ""); got != s {
			t.Fatalf("tokens join to %q, want %q", got, s)
		}
		for _, tok := range toks {
			if tok == "" {
				t.Fatalf("empty token in %q", toks)
			}
		}
	})
}

func TestNormalizeName(t *testing.T) {
	for in, want := range map[string]string{
		"qwen2.5-coder:7b":        "qwen2.5-coder:7b",
		"nomic-embed-text":        "nomic-embed-text:latest",
		"Nomic-Embed-Text:Latest": "nomic-embed-text:latest",
		"registry.io:5000/ns/m":   "registry.io:5000/ns/m:latest",
		"registry.io:5000/ns/m:1": "registry.io:5000/ns/m:1",
	} {
		if got := normalizeName(in); got != want {
			t.Errorf("normalizeName(%q) = %q, want %q", in, got, want)
		}
	}
}
