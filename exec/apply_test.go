package exec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestApply(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "m.go")
	orig := "package m\n\n// Max is slow.\nfunc Max(xs []int) int {\n\tm := 0\n\tfor i := range xs {\n\t\tif xs[i] > m {\n\t\t\tm = xs[i]\n\t\t}\n\t}\n\treturn m\n}\n\n// Other stays.\nfunc Other() int { return 1 }\n"
	if err := os.WriteFile(file, []byte(orig), 0o644); err != nil {
		t.Fatal(err)
	}
	variant := "```go\nfunc Max(xs []int) int {\n\ts := append([]int(nil), xs...)\n\tsort.Ints(s)\n\tif len(s) == 0 || s[len(s)-1] < 0 {\n\t\treturn 0\n\t}\n\treturn s[len(s)-1]\n}\n```"
	out, err := Apply(Target{File: file, Func: "Max"}, variant)
	if err != nil {
		t.Fatal(err)
	}
	got := string(out)
	for _, want := range []string{"import \"sort\"", "sort.Ints(s)", "// Max is slow.\nfunc Max", "// Other stays.\nfunc Other() int { return 1 }"} {
		if !strings.Contains(got, want) {
			t.Errorf("applied file lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "//line") {
		t.Errorf("applied file keeps //line directives:\n%s", got)
	}
	if disk, _ := os.ReadFile(file); string(disk) != orig {
		t.Error("Apply touched the file")
	}

	// An unsaved buffer is applied from its text, not from the disk.
	buf := strings.Replace(orig, "Other stays.", "Other stays, edited.", 1)
	out, err = Apply(Target{File: file, Func: "Max", Source: []byte(buf)}, variant)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), "Other stays, edited.") {
		t.Error("Apply ignored Target.Source")
	}

	if _, err := Apply(Target{File: file, Func: "Max"}, "```go\nfunc Max(xs []int) int64 { return 0 }\n```"); err == nil || !strings.Contains(err.Error(), "signature") {
		t.Errorf("a signature change must be refused, got %v", err)
	}
	if _, err := Apply(Target{File: file, Func: "Mx"}, variant); err == nil {
		t.Error("a missing function must be an error")
	}
}

// C and C++ variants are applied through the same entry point, from an
// unsaved buffer when given, with the variant's new #includes added.
func TestApplyCxx(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		file, fn, orig, variant string
		want                    []string
		wantErr                 string
	}{{
		file: "m.cpp", fn: "ns::maxOf",
		orig:    "#include <vector>\n\nnamespace ns {\n// maxOf is slow.\nint maxOf(const std::vector<int>& xs) {\n  int m = 0;\n  for (size_t i = 0; i < xs.size(); i++) if (xs[i] > m) m = xs[i];\n  return m;\n}\nint other() { return 1; }\n}\n",
		variant: "```cpp\n#include <algorithm>\nint maxOf(const std::vector<int>& xs) {\n  if (xs.empty()) return 0;\n  return std::max(0, *std::max_element(xs.begin(), xs.end()));\n}\n```",
		want:    []string{"#include <vector>\n#include <algorithm>\n", "// maxOf is slow.\nint maxOf", "std::max_element", "int other() { return 1; }"},
	}, {
		file: "s.c", fn: "sum",
		orig:    "#include <stddef.h>\n\nlong sum(const int *a, size_t n) {\n  long s = 0;\n  for (size_t i = 0; i < n; i++) s += a[i];\n  return s;\n}\n",
		variant: "```c\nlong sum(const int *a, size_t n) {\n  long s0 = 0, s1 = 0;\n  size_t i = 0;\n  for (; i + 1 < n; i += 2) { s0 += a[i]; s1 += a[i + 1]; }\n  if (i < n) s0 += a[i];\n  return s0 + s1;\n}\n```",
		want:    []string{"s0 + s1", "#include <stddef.h>"},
	}, {
		file: "bad.cpp", fn: "f",
		orig:    "int f(int x) { return x + 1; }\n",
		variant: "```cpp\nlong f(int x, int y) { return x + y; }\n```",
		wantErr: "signature",
	}}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			file := filepath.Join(dir, tc.file)
			// The disk holds something else: the buffer is what gets applied.
			if err := os.WriteFile(file, []byte("/* stale */\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out, err := Apply(Target{File: file, Func: tc.fn, Source: []byte(tc.orig)}, tc.variant)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("want an error about %q, got %v", tc.wantErr, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range tc.want {
				if !strings.Contains(string(out), w) {
					t.Errorf("applied file lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(string(out), "#line") || strings.Contains(string(out), "lessonl") {
				t.Errorf("applied file keeps the runner's bookkeeping:\n%s", out)
			}
			if disk, _ := os.ReadFile(file); string(disk) != "/* stale */\n" {
				t.Error("Apply touched the file")
			}
		})
	}
}
