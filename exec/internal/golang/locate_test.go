package golang

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec/internal/core"
)

const locateFile = "testdata/runner/locate/shapes.go"

func TestFuncs(t *testing.T) {
	fs, err := goFuncs(locateFile, nil)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range fs {
		names = append(names, f.Name)
		if f.Lang != "go" || f.File != locateFile {
			t.Errorf("%s: lang %q file %q", f.Name, f.Lang, f.File)
		}
	}
	want := []string{"Rect.Area", "Rect.Width", "Rect.Height", "(*Rect).Scale", "Total", "Lookup"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("Funcs = %v, want %v", names, want)
	}
	src, _ := os.ReadFile(locateFile)
	for _, f := range fs {
		if string(src[f.Start:f.End]) != f.Source || !strings.HasPrefix(f.Source, "func ") || !strings.HasSuffix(f.Source, "}") {
			t.Errorf("%s: Source %q is not src[Start:End] from func to brace", f.Name, f.Source)
		}
	}
}

func TestLocate(t *testing.T) {
	for _, tt := range []struct {
		name, want string
		close      []string // for a *NotFoundError
	}{
		{name: "Total", want: "Total"},
		{name: "Rect.Area", want: "Rect.Area"},
		{name: "(Rect).Area", want: "Rect.Area"},
		{name: "(*Rect).Scale", want: "(*Rect).Scale"},
		{name: "Rect.Scale", want: "(*Rect).Scale"},       // pointer receiver named loosely
		{name: "(*Rect).Width", want: "Rect.Width"},       // value receiver named as pointer
		{name: "Scale", want: "(*Rect).Scale"},            // the only method of that name
		{name: "(*Rect[T]).Scale", want: "(*Rect).Scale"}, // type parameters ignored
		{name: "Totl", close: []string{"Total"}},
		{name: "Rect.Aera", close: []string{"Rect.Area"}},
		{name: "Nothing", close: []string{"Rect.Area", "Rect.Width", "Rect.Height", "(*Rect).Scale", "Total", "Lookup"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := goLocate(core.Target{File: locateFile, Func: tt.name})
			if tt.close != nil {
				var nf *core.NotFoundError
				if !errors.As(err, &nf) {
					t.Fatalf("Locate = %v, %v; want a *NotFoundError", f, err)
				}
				if nf.Func != tt.name || nf.File != locateFile || !reflect.DeepEqual(nf.Close, tt.close) {
					t.Errorf("NotFoundError %+v; want close matches %v", nf, tt.close)
				}
				if !strings.Contains(err.Error(), tt.close[0]) {
					t.Errorf("message %q does not list %s", err, tt.close[0])
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.Name != tt.want {
				t.Errorf("Locate(%q).Name = %q, want %q", tt.name, f.Name, tt.want)
			}
		})
	}
}

func TestLocateMissingFile(t *testing.T) {
	_, err := goLocate(core.Target{File: "testdata/runner/locate/shape.go", Func: "Total"})
	var nf *core.NotFoundError
	if !errors.As(err, &nf) || nf.Func != "" || len(nf.Close) == 0 || nf.Close[0] != "shapes.go" {
		t.Fatalf("err = %v; want a *NotFoundError suggesting shapes.go", err)
	}
	if !strings.Contains(err.Error(), "file testdata/runner/locate/shape.go not found; did you mean shapes.go") {
		t.Errorf("message %q", err)
	}
}

// An unsaved buffer is located instead of the file on disk.
func TestLocateSource(t *testing.T) {
	src := []byte("package locate\n\nfunc Fresh() int { return 1 }\n")
	f, err := goLocate(core.Target{File: locateFile, Func: "Fresh", Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if f.Source != "func Fresh() int { return 1 }" || f.Start != 16 {
		t.Errorf("Fresh = %+v", f)
	}
	if _, err := goLocate(core.Target{File: locateFile, Func: "Fresh"}); err == nil {
		t.Error("Fresh found on disk")
	}
	_, err = goLocate(core.Target{File: locateFile, Func: "Fresh", Source: []byte("package locate\nfunc (")})
	if err == nil || !strings.Contains(err.Error(), "fix the syntax error") {
		t.Errorf("broken buffer: %v", err)
	}
}

func TestFuncAt(t *testing.T) {
	src, err := os.ReadFile(locateFile)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) int {
		i := strings.Index(string(src), s)
		if i < 0 {
			t.Fatalf("%q not in %s", s, locateFile)
		}
		return i
	}
	for _, tt := range []struct {
		offset int
		want   string // "" for none
	}{
		{at("// Total adds up"), "Total"},              // the doc comment counts
		{at("t += s.Area()"), "Total"},                 // the body
		{at("func (r *Rect) Scale"), "(*Rect).Scale"},  // the first byte
		{at("func (r Rect) Height") - 1, "Rect.Width"}, // just past the closing brace
		{at("// Scale grows") - 1, ""},                 // the blank line between two functions
		{at("\"strings\""), ""},
		{len(src), ""},
	} {
		f, err := goFuncAt(locateFile, src, tt.offset)
		switch {
		case tt.want == "" && !errors.Is(err, core.ErrNoFunc):
			t.Errorf("FuncAt(%d) = %v, %v; want ErrNoFunc", tt.offset, f, err)
		case tt.want != "" && (err != nil || f.Name != tt.want):
			t.Errorf("FuncAt(%d) = %v, %v; want %s", tt.offset, f, err, tt.want)
		}
	}
}

// Func.Context holds what a model needs to write a compiling variant: the
// package clause, imports, and the declarations used, from every file of the
// package that builds here.
func TestFuncContext(t *testing.T) {
	for _, name := range []string{"Total", "(*Rect).Scale", "Rect.Area", "Lookup"} {
		t.Run(name, func(t *testing.T) {
			f, err := goLocate(core.Target{File: locateFile, Func: name})
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "context", strings.NewReplacer("(", "", ")", "", "*", "ptr-").Replace(name)+".golden")
			if *updateGolden {
				os.MkdirAll(filepath.Dir(golden), 0o755)
				if err := os.WriteFile(golden, []byte(f.Context), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-golden to create it)", err)
			}
			if f.Context != string(want) {
				t.Errorf("Context of %s (run with -update-golden to accept):\n%s\nwant:\n%s", name, f.Context, want)
			}
			if strings.Contains(f.Context, "center2") {
				t.Error("the context has a declaration from a file that does not build here")
			}
		})
	}
}

func TestSplitFuncName(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want core.FuncName
	}{
		{"Sum", core.FuncName{Name: "Sum"}},
		{"T.M", core.FuncName{Recv: "T", Name: "M"}},
		{"(*T).M", core.FuncName{Recv: "T", Ptr: true, Name: "M"}},
		{"(T).M", core.FuncName{Recv: "T", Name: "M"}},
		{"(*List[K, V]).Len", core.FuncName{Recv: "List", Ptr: true, Name: "Len"}},
	} {
		if got := core.ParseFuncName(tt.in); got != tt.want {
			t.Errorf("parseFuncName(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}
