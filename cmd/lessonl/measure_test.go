package main

import (
	"bytes"
	"errors"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestSplitTarget(t *testing.T) {
	for _, tt := range []struct {
		in, file, fn string
		ok           bool
	}{
		{"sum.go:Sum", "sum.go", "Sum", true},
		{"a/b/sum.go:(*List).Len", "a/b/sum.go", "(*List).Len", true},
		{"list.go:List.Len", "list.go", "List.Len", true},
		{"list.go:(*List[T]).Len", "list.go", "(*List[T]).Len", true},
		{`C:\src\sum.go:Sum`, `C:\src\sum.go`, "Sum", true},
		{"dir:with:colons/sum.go:Sum", "dir:with:colons/sum.go", "Sum", true},
		{"sum.go:Süß", "sum.go", "Süß", true},
		{"sum.go", "", "", false},
		{"sum.go:", "", "", false},
		{"sum.go:1Sum", "", "", false},
		{":Sum", "", "", false},
		{"m.cpp:ns::sum", "m.cpp", "ns::sum", true},
		{"m.cpp:sum", "m.cpp", "sum", true},
		{"d:x/grid.cc:Grid::step(int)", "d:x/grid.cc", "Grid::step(int)", true},
		{"v.hpp:Vec<T>::dot", "v.hpp", "Vec<T>::dot", true},
		{"o.cpp:V::operator+=", "o.cpp", "V::operator+=", true},
		{"f.c:f#2", "f.c", "f#2", true},
		{"m.cpp:", "", "", false},
		{"m.cpp:ns::", "", "", false},
	} {
		file, fn, ok := splitTarget(tt.in)
		if file != tt.file || fn != tt.fn || ok != tt.ok {
			t.Errorf("splitTarget(%q) = %q, %q, %v; want %q, %q, %v", tt.in, file, fn, ok, tt.file, tt.fn, tt.ok)
		}
	}
}

// TestMeasureScripts runs the scripts in testdata/measure (the language is
// in script_test.go) against the real lessonl binary, built once, with the
// real toolchain and the real sandbox; scripts run in parallel.
func TestMeasureScripts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds lessonl and measures real variants")
	}
	bin := filepath.Join(t.TempDir(), "lessonl")
	if out, err := osexec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("couldn't build lessonl: %v\n%s", err, out)
	}
	scripts, _ := filepath.Glob("testdata/measure/*.txtar")
	if len(scripts) == 0 {
		t.Fatal("no scripts in testdata/measure")
	}
	cli := func(t *testing.T, work string, env map[string]string, args []string) (string, string, int) {
		cmd := osexec.Command(bin, args...)
		cmd.Dir = work
		cmd.Env = os.Environ()
		for k, v := range env {
			cmd.Env = append(cmd.Env, k+"="+v)
		}
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var ee *osexec.ExitError
		switch {
		case errors.As(err, &ee):
			return o.String(), e.String(), ee.ExitCode()
		case err != nil:
			t.Fatalf("couldn't run lessonl: %v", err)
		}
		return o.String(), e.String(), 0
	}
	for _, path := range scripts {
		t.Run(strings.TrimSuffix(filepath.Base(path), ".txtar"), func(t *testing.T) {
			t.Parallel()
			runScript(t, path, cli, nil)
		})
	}
}
