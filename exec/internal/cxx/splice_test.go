package cxx

import (
	"bytes"
	"errors"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec/internal/core"
	"github.com/lessonl/lessonl/exec/internal/exectest"

	"golang.org/x/tools/txtar"
)

// The C and C++ splice cases are txtar files: a comment with "target:
// NAME", the file, the variant, and what splicing must give: want (the
// variant's copy, as compiled: #line directives point into the variant),
// want_apply (what an editor writes) or want_error. Every want_apply is
// compiled (-fsyntax-only) to show it is a well-formed file.
func TestCxxSpliceGolden(t *testing.T) {
	exectest.EachSpliceCase(t, "testdata/cxx/splice", func(t *testing.T, c exectest.SpliceCase) {
		target, variant, main := c.Target, c.Variant, c.Main
		lang := core.LangName(main)
		cf, err := readCxxFile(main, nil, lang)
		if err != nil {
			t.Fatal(err)
		}
		located, err := cxxLocate(core.Target{File: main, Func: target})
		if err != nil {
			t.Fatal(err)
		}
		fn := cf.funcByName(located.Name)
		got := map[string]string{}
		sp, err := spliceCxx(cf, fn, variant)
		if err != nil {
			got["want_error"] = err.Error() + "\n"
			if _, aerr := New(lang).Apply(core.Target{File: main, Func: target}, variant); aerr == nil {
				t.Errorf("apply accepted a variant spliceCxx refused")
			}
		} else {
			got["want"] = string(sp.variant)
			applied, err := New(lang).Apply(core.Target{File: main, Func: target}, variant)
			if err != nil {
				t.Fatalf("apply: %v", err)
			}
			got["want_apply"] = string(applied)
			compileCheck(t, lang, applied)
		}
		if *updateCxxGolden {
			c.Update(t, got, "want", "want_apply", "want_error")
			return
		}
		want := c.Want()
		if len(want) == 0 {
			t.Fatal("no want sections (run with -update-golden to create them)")
		}
		for name := range want {
			if got[name] != want[name] {
				t.Errorf("%s differs (run with -update-golden to accept):\n--- got\n%s\n--- want\n%s", name, got[name], want[name])
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("got %s, which the case does not expect:\n%s", name, got[name])
			}
		}
	})
}

// compileCheck compiles C or C++ text without code generation.
func compileCheck(t *testing.T, lang string, src []byte) {
	t.Helper()
	args := []string{"-std=c++17", "-fsyntax-only", "-x", "c++", "-"}
	cc := "g++"
	if lang == "c" {
		cc, args = "gcc", []string{"-std=c11", "-fsyntax-only", "-x", "c", "-"}
	}
	cmd := osexec.Command(cc, args...)
	cmd.Stdin = bytes.NewReader(src)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("%s does not compile the spliced file: %v\n%s\n%s", cc, err, out, src)
	}
}

// A variant's #line directives make the compiler name the variant's own
// lines, and the file's lines after it.
func TestCxxSpliceLineDirectives(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "k.cpp")
	src := "int a() { return 1; }\n\nint b() {\n  return 2;\n}\n\nint c() { return undefined_c; }\n"
	if err := os.WriteFile(file, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	cf, err := readCxxFile(file, nil, "cpp")
	if err != nil {
		t.Fatal(err)
	}
	sp, err := spliceCxx(cf, cf.funcByName("b"), "// a comment\n\nint b() {\n  return undefined_b;\n}\n")
	if err != nil {
		t.Fatal(err)
	}
	cmd := osexec.Command("g++", "-fsyntax-only", "-x", "c++", "-")
	cmd.Stdin = bytes.NewReader(sp.variant)
	out, _ := cmd.CombinedOutput()
	for _, want := range []string{"variant.cpp:4:", "k.cpp:7:"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("compiler output lacks %q:\n%s", want, out)
		}
	}
}

// FuzzCxxSplice feeds the splicer odd files and variants: it may refuse
// them, never panic, and what it accepts still has the function, once.
func FuzzCxxSplice(f *testing.F) {
	files, _ := filepath.Glob("testdata/cxx/splice/*.txtar")
	for _, path := range files {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			f.Fatal(err)
		}
		var src, variant []byte
		for _, fl := range ar.Files {
			switch {
			case fl.Name == "variant":
				variant = fl.Data
			case !strings.HasPrefix(fl.Name, "want") && src == nil:
				src = fl.Data
			}
		}
		f.Add(src, variant)
	}
	f.Add([]byte("int f(int x) {\r\n  return x;\r\n}\r\n"), []byte("int f(int x) { return x + 0; }"))
	f.Add([]byte("int f(int x) { return x; }"), []byte(""))
	f.Add([]byte("int f(int x) { return x; }"), []byte("int f(int x) { return x; "))
	f.Add([]byte("struct S { int f() { return 1; } };"), []byte("template <class T> int S::f() { return 2; }"))
	f.Fuzz(func(t *testing.T, src, variant []byte) {
		cf, err := readCxxFile("fuzz.cpp", src, "cpp")
		if err != nil || len(cf.funcs) == 0 {
			return
		}
		fn := cf.funcs[0]
		sp, err := spliceCxx(cf, fn, string(variant))
		if err != nil {
			var se *core.SpliceError
			if !errors.As(err, &se) {
				t.Fatalf("not a splice error: %v", err)
			}
			return
		}
		vf, _ := readCxxFile("variant.cpp", []byte(core.ExtractCode(string(variant))), "cpp")
		if cf.errors || vf == nil || vf.errors {
			return // tree-sitter's error recovery may read the result differently
		}
		out, err := readCxxFile("fuzz.cpp", sp.apply, "cpp")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, g := range out.funcs {
			if lastName(g.base) == lastName(fn.base) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("the spliced file has no %s:\n%s", fn.base, sp.apply)
		}
	})
}
