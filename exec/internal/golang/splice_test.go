package golang

import (
	"bytes"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"testing"

	"github.com/lessonl/lessonl/exec/internal/core"
	"github.com/lessonl/lessonl/exec/internal/exectest"
)

var updateGolden = flag.Bool("update-golden", false, "rewrite the want sections of testdata golden files")

// The splice cases are txtar files: a comment with "target: NAME", the
// package's files, the variant, and what splicing must give: want.go (the
// target file with the variant in place, as measured), want_orig.go (the
// test file with the original under its private name), want_apply.go (what
// Apply gives an editor) or want_error.
func TestSpliceGolden(t *testing.T) {
	exectest.EachSpliceCase(t, "testdata/splice", func(t *testing.T, c exectest.SpliceCase) {
		target, variant, main := c.Target, c.Variant, c.Main
		gf, err := readGoFile(main, nil)
		if err != nil {
			t.Fatal(err)
		}
		fd := findDecl(t, gf, target)
		got := map[string]string{}
		sp, err := spliceGo(gf, fd, loadGoPackage(gf), variant, spliceOpts{addImports: true, lineDirectives: true})
		if err != nil {
			got["want_error"] = err.Error() + "\n"
		} else {
			got["want.go"] = string(sp.file)
			got["want_orig.go"] = string(sp.origCopy)
			applied, err := goApply(core.Target{File: main, Func: target}, variant)
			if err != nil {
				t.Fatalf("Apply: %v", err)
			}
			got["want_apply.go"] = string(applied)
			for name, src := range got {
				if _, err := parser.ParseFile(token.NewFileSet(), name, src, 0); err != nil {
					t.Errorf("%s does not parse: %v", name, err)
				}
			}
		}
		if *updateGolden {
			c.Update(t, got, "want.go", "want_orig.go", "want_apply.go", "want_error")
			return
		}
		want := c.Want()
		for name := range mergeKeys(got, want) {
			if got[name] != want[name] {
				t.Errorf("%s differs (run with -update-golden to accept):\n--- got\n%s\n--- want\n%s", name, got[name], want[name])
			}
		}
	})
}

func mergeKeys(a, b map[string]string) map[string]bool {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return m
}

func findDecl(t testing.TB, gf *goFile, name string) *ast.FuncDecl {
	for _, d := range gf.file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && goFuncName(fd) == name {
			return fd
		}
	}
	t.Fatalf("no function %s in %s", name, gf.path)
	return nil
}

// FuzzSplice splices arbitrary variants into arbitrary files: it must never
// panic, and whatever it accepts must parse, define the target exactly once,
// and keep the original callable under its private name.
func FuzzSplice(f *testing.F) {
	// The seed corpus is testdata/fuzz/FuzzSplice: the golden cases and
	// odd layouts (CRLF, fences, a function sharing its line).
	f.Fuzz(func(t *testing.T, orig, variant []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, "f.go")
		if err := os.WriteFile(path, orig, 0o644); err != nil {
			t.Fatal(err)
		}
		gf, err := readGoFile(path, nil)
		if err != nil {
			return
		}
		var fd *ast.FuncDecl
		for _, d := range gf.file.Decls {
			if d, ok := d.(*ast.FuncDecl); ok && d.Body != nil && d.Name.Name != "_" && d.Name.Name != "init" {
				fd = d
				break
			}
		}
		if fd == nil {
			return
		}
		sp, err := spliceGo(gf, fd, loadGoPackage(gf), string(variant), spliceOpts{lineDirectives: true})
		if err != nil {
			if _, ok := err.(*core.SpliceError); !ok {
				t.Fatalf("error %T %v: want a *spliceError", err, err)
			}
			return
		}
		out, err := parser.ParseFile(token.NewFileSet(), "out.go", sp.file, 0)
		if err != nil {
			t.Fatalf("spliced file does not parse: %v\n%s", err, sp.file)
		}
		n := 0
		for _, d := range out.Decls {
			if d, ok := d.(*ast.FuncDecl); ok && declKey(d) == declKey(fd) {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("spliced file defines %s %d times:\n%s", declKey(fd), n, sp.file)
		}
		oc, err := parser.ParseFile(token.NewFileSet(), "orig.go", sp.origCopy, 0)
		if err != nil {
			t.Fatalf("copy of the original does not parse: %v\n%s", err, sp.origCopy)
		}
		if !bytes.Contains(sp.origCopy, []byte(origPrefix+fd.Name.Name)) || len(oc.Decls) == 0 {
			t.Fatalf("copy of the original lacks %s%s:\n%s", origPrefix, fd.Name.Name, sp.origCopy)
		}
	})
}
