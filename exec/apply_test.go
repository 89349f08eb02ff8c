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
