package cxx

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec/internal/core"
)

// The locator's golden files list, for every C and C++ file of
// testdata/cxx/locate, each function found: its name, language, lines,
// signature and prompt context.
func TestCxxFuncsGolden(t *testing.T) {
	files, _ := filepath.Glob("testdata/cxx/locate/*.[ch]*")
	var srcs []string
	for _, f := range files {
		if !strings.HasSuffix(f, ".golden") {
			srcs = append(srcs, f)
		}
	}
	if len(srcs) < 3 {
		t.Fatalf("want the locate cases in testdata/cxx/locate, found %v", srcs)
	}
	for _, path := range srcs {
		t.Run(filepath.Base(path), func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			fs, err := cxxFuncs(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, f := range fs {
				if f.Source != string(src[f.Start:f.End]) {
					t.Errorf("%s: Source is not File[Start:End]", f.Name)
				}
				fmt.Fprintf(&b, "== %s (%s) lines %d-%d, doc from line %d\nsignature: %s\ncontext:\n%s\n",
					f.Name, f.Lang, lineOf(src, f.Start), lineOf(src, f.End-1), lineOf(src, f.DocStart), f.Signature, f.Context)
				// Every function is found again by its name.
				got, err := cxxLocate(core.Target{File: path, Func: f.Name})
				if err != nil || got.Start != f.Start {
					t.Errorf("Locate(%q) = %v, %v; want the function at %d", f.Name, got, err, f.Start)
				}
			}
			golden := path + ".golden"
			if *updateCxxGolden {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update-golden to create it)", err)
			}
			if b.String() != string(want) {
				t.Errorf("functions of %s differ from %s (run with -update-golden to accept):\n%s", path, golden, b.String())
			}
		})
	}
}

func TestCxxLocateNames(t *testing.T) {
	file := "testdata/cxx/locate/shapes.cpp"
	cases := []struct {
		want, got string // got "" means not found
		close     []string
	}{
		{want: "geo::total", got: "geo::total"},
		{want: "total", got: "geo::total"},
		{want: "Box::area", got: "geo::Box::area"},
		{want: "Box.area", got: "geo::Box::area"}, // FILE:FUNC on the command line cannot hold ::
		{want: "geo.Box.contains", got: "geo::Box::contains"},
		{want: " ::geo::first_big ", got: "geo::first_big"},
		{want: "clamp01", got: "geo::detail::clamp01"},
		{want: "scale(Points&, int)", got: "geo::scale(Points&, int)"},
		{want: "scale(Points&,real)", got: "geo::scale(Points&, real)"},
		{want: "scale", close: []string{"geo::scale(Points&, real)", "geo::scale(Points&, int)"}},
		{want: "pick", close: []string{"pick#1", "pick#2"}},
		{want: "pick#2", got: "pick#2"},
		{want: "Stack::top", got: "geo::Stack::top"},
		{want: "c_entry", got: "c_entry"},
		{want: "aera", close: []string{"geo::Box::area"}},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			f, err := cxxLocate(core.Target{File: file, Func: c.want})
			if c.got != "" {
				if err != nil || f.Name != c.got {
					t.Fatalf("Locate(%q) = %v, %v; want %s", c.want, f, err, c.got)
				}
				return
			}
			var nf *core.NotFoundError
			if !errors.As(err, &nf) {
				t.Fatalf("Locate(%q) error %v; want *NotFoundError", c.want, err)
			}
			for _, w := range c.close {
				if !slices.Contains(nf.Close, w) {
					t.Errorf("close matches %v lack %s", nf.Close, w)
				}
			}
		})
	}
	if _, err := cxxLocate(core.Target{File: "testdata/cxx/locate/nosuch.cpp", Func: "f"}); err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing file: %v", err)
	}
}

func TestCxxFuncAt(t *testing.T) {
	src := []byte("int a() { return 1; }\n\n// b's doc\n// more\nint b(int x) {\n  return x;\n}\n\nint c;\n")
	cases := []struct {
		at   string
		want string
	}{
		{"return 1", "a"},
		{"b's doc", "b"},
		{"return x", "b"},
		{"int c", ""},
	}
	for _, c := range cases {
		off := strings.Index(string(src), c.at)
		f, err := cxxFuncAt("x.c", src, off)
		if c.want == "" {
			if !errors.Is(err, core.ErrNoFunc) {
				t.Errorf("FuncAt(%q) = %v, %v; want ErrNoFunc", c.at, f, err)
			}
			continue
		}
		if err != nil || f.Name != c.want {
			t.Errorf("FuncAt(%q) = %v, %v; want %s", c.at, f, err, c.want)
		}
	}
	// Unsaved text wins over the file on disk, and a C++ header is C++.
	fs, err := cxxFuncs("testdata/cxx/locate/widget.h", nil)
	if err != nil || len(fs) != 2 || fs[0].Lang != "cpp" {
		t.Fatalf("widget.h: %v, %v; want two C++ methods", fs, err)
	}
	fs, err = cxxFuncs("testdata/cxx/locate/widget.h", []byte("int only(void) { return 0; }\n"))
	if err != nil || len(fs) != 1 || fs[0].Name != "only" || fs[0].Lang != "c" {
		t.Fatalf("unsaved buffer: %v, %v", fs, err)
	}
}

func TestCxxTokens(t *testing.T) {
	cases := []struct{ in, norm string }{
		{"const double *", "const double*"},
		{"const  std::vector< T > & ", "const std::vector<T>&"},
		{"unsigned long long [3]", "unsigned long long[3]"},
		{"std::vector<std::vector<int>>", "std::vector<std::vector<int>>"},
		{"char /* c */ * restrict // x\n", "char*restrict"},
		{"int&&", "int&&"},
	}
	for _, c := range cases {
		if got := normType(c.in); got != c.norm {
			t.Errorf("normType(%q) = %q, want %q", c.in, got, c.norm)
		}
	}
	if got := identsOf(`foo(bar, "baz", 'q', 42, x.y) // qux`); strings.Join(got, " ") != "foo bar x y" {
		t.Errorf("identsOf = %v", got)
	}
}
