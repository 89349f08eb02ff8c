package optimize

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/internal/ollamatest"
	"github.com/lessonl/lessonl/team"
)

func write(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const sumGo = "package sum\n\nfunc Sum(xs []int) int {\n\ts := 0\n\tfor _, x := range xs {\n\t\ts += x\n\t}\n\treturn s\n}\n"

// TestCheck: what cannot be measured is refused before any model call,
// with the reason and the fix.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	mod := write(t, dir, "mod/sum.go", sumGo)
	write(t, dir, "mod/go.mod", "module example.com/sum\n\ngo 1.22\n")
	loose := write(t, dir, "loose/sum.go", sumGo)
	py := write(t, dir, "x.py", "def f(): pass\n")
	c := write(t, dir, "c/sum.c", "int sum(const int *xs, int n) { int s = 0; for (int i = 0; i < n; i++) s += xs[i]; return s; }\n")
	write(t, dir, "c/lessonl.toml", "[c]\ncompiler = \"lessonl-no-such-cc\"\n")
	for _, tt := range []struct {
		name   string
		target exec.Target
		want   []string // in the error, in full; none: no error
	}{
		{"in a module", exec.Target{File: mod, Func: "Sum"}, nil},
		{"unsaved buffer", exec.Target{File: mod, Func: "Sum", Source: []byte(sumGo)}, nil},
		{"outside a module", exec.Target{File: loose, Func: "Sum"}, []string{"not in a Go module", "go mod init"}},
		{"unsupported file", exec.Target{File: py, Func: "f"}, []string{"x.py", "Go (.go) and C/C++", "open one of those"}},
		{"missing file", exec.Target{File: filepath.Join(dir, "gone.go"), Func: "F"}, []string{"gone.go", "check the path"}},
		{"missing function", exec.Target{File: mod, Func: "Nope"}, []string{"Nope"}},
		{"no compiler", exec.Target{File: c, Func: "sum"}, []string{"lessonl-no-such-cc", "not on PATH", "apt-get install gcc", "lessonl.toml"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Check(tt.target, exec.Options{})
			if len(tt.want) == 0 {
				if err != nil || f == nil || f.Name != tt.target.Func {
					t.Fatalf("Check = %v, %v; want the function", f, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Check accepted %s", tt.target.File)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
		})
	}
}

func TestCheckNoGo(t *testing.T) {
	dir := t.TempDir()
	mod := write(t, dir, "sum.go", sumGo)
	write(t, dir, "go.mod", "module example.com/sum\n\ngo 1.22\n")
	t.Setenv("PATH", t.TempDir())
	_, err := Check(exec.Target{File: mod, Func: "Sum"}, exec.Options{})
	if err == nil || !strings.Contains(err.Error(), "no Go toolchain") || !strings.Contains(err.Error(), "install Go") {
		t.Fatalf("without go on PATH: %v", err)
	}
}

func TestCheckModels(t *testing.T) {
	srv := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{"here:1b": {}}})
	defer srv.Close()
	agents := []team.Agent{{Model: "here:1b", Host: srv.URL()}, {Model: "gone:1b", Host: srv.URL()}, {Model: "away:7b", Host: srv.URL()}}
	err := CheckModels(context.Background(), agents, nil, nil)
	var me *MissingError
	if !errors.As(err, &me) || len(me.Missing) != 2 {
		t.Fatalf("CheckModels = %v; want both missing models", err)
	}
	for _, w := range []string{"gone:1b@" + srv.URL(), "away:7b@" + srv.URL(), "`ollama pull gone:1b`", "`ollama pull away:7b`", "--pull"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
	if err := CheckModels(context.Background(), agents[:1], nil, nil); err != nil {
		t.Fatalf("the model that is there: %v", err)
	}
	err = CheckModels(context.Background(), []team.Agent{{Model: "x", Host: "http://127.0.0.1:1"}}, nil, nil)
	var ue *UnreachableError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "install it") || !strings.Contains(err.Error(), "ollama serve") {
		t.Fatalf("no Ollama: %v", err)
	}
}
