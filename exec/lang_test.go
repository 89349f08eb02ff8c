package exec

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestLangOf(t *testing.T) {
	for _, tt := range []struct {
		file string
		lang string
		ok   bool
	}{
		{"a/b/sum.go", "go", true},
		{"SUM.GO", "go", true},
		{"x.c", "c", true},
		{"x.cpp", "cpp", true},
		{"x.hpp", "cpp", true},
		{"x.py", "python", false},
		{"x.rs", "", false},
		{"Makefile", "", false},
	} {
		lang, ok := LangOf(tt.file)
		if lang != tt.lang || ok != tt.ok {
			t.Errorf("LangOf(%q) = %q, %v; want %q, %v", tt.file, lang, ok, tt.lang, tt.ok)
		}
	}
}

// quickOpts keeps timing short for tests.
func quickOpts() Options {
	return Options{RunTime: 20 * time.Millisecond, Timeout: 3 * time.Minute,
		Rounds: Rounds{Min: 6, Max: 12, Width: 0.1, MaxTime: 30 * time.Second}}
}

func TestMeasureUnsupportedLanguage(t *testing.T) {
	r, err := Measure(context.Background(), Target{File: "x.rs", Func: "f"}, "func f() {}", quickOpts())
	if r != nil {
		t.Errorf("report %+v with an error", r)
	}
	if err == nil || !strings.Contains(err.Error(), ".go") {
		t.Fatalf("error %v: want one naming the supported files", err)
	}
}
