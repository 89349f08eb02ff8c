// Package golang is the runner's Go: functions found and spliced with go/ast
// (generics instantiated for the check), the generated harness and driver
// test files, `go test` output, and the steps of a Go measurement: build the
// package's test binary with the original and with the variant, check the
// variant on generated inputs and the package's tests, time both.
package golang

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/format"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"strings"

	"github.com/lessonl/lessonl/exec/internal/core"
)

// goLang is the Go implementation of language.
type Lang struct{}

// goFile is one parsed Go source file.
type goFile struct {
	path string // as given by the caller
	abs  string // absolute, symlinks resolved: what the go command sees
	src  []byte
	fset *token.FileSet
	file *ast.File
}

func (g *goFile) off(p token.Pos) int { return g.fset.Position(p).Offset }

func (g *goFile) text(n ast.Node) string {
	return string(g.src[g.off(n.Pos()):g.off(n.End())])
}

// readGoFile reads (unless src is given) and parses a Go file. A missing file
// is a *NotFoundError naming the Go files that do exist next to it.
func readGoFile(path string, src []byte) (*goFile, error) {
	abs, src, err := core.ReadSource(path, src, func(abs, name string) bool { return filepath.Ext(name) == filepath.Ext(abs) })
	if err != nil {
		return nil, err
	}
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, abs, src, parser.ParseComments)
	if err != nil {
		return nil, fmt.Errorf("couldn't parse %s: %w; fix the syntax error first", path, err)
	}
	return &goFile{path: path, abs: abs, src: src, fset: fset, file: f}, nil
}

// goFuncName spells a declaration the way Target.Func does.
func goFuncName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	recv, ptr := recvTypeName(fd.Recv.List[0].Type)
	return core.FuncName{Recv: recv, Ptr: ptr, Name: fd.Name.Name}.Canonical()
}

// recvTypeName returns the receiver's type name without type parameters.
func recvTypeName(e ast.Expr) (name string, ptr bool) {
	if p, ok := e.(*ast.ParenExpr); ok {
		return recvTypeName(p.X)
	}
	if s, ok := e.(*ast.StarExpr); ok {
		name, _ = recvTypeName(s.X)
		return name, true
	}
	switch t := e.(type) {
	case *ast.Ident:
		return t.Name, false
	case *ast.IndexExpr:
		return recvTypeName(t.X)
	case *ast.IndexListExpr:
		return recvTypeName(t.X)
	}
	return "", false
}

func (Lang) Funcs(file string, src []byte) ([]*core.Func, error) {
	gf, err := readGoFile(file, src)
	if err != nil {
		return nil, err
	}
	idx := loadGoPackage(gf)
	var out []*core.Func
	for _, d := range gf.file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		out = append(out, gf.newFunc(fd, idx))
	}
	return out, nil
}

func (g *goFile) newFunc(fd *ast.FuncDecl, idx *goPkgIndex) *core.Func {
	f := &core.Func{
		Name:      goFuncName(fd),
		Lang:      "go",
		File:      g.path,
		Start:     g.off(fd.Pos()),
		End:       g.off(fd.End()),
		Signature: signatureOf(g.fset, fd),
	}
	f.Source = string(g.src[f.Start:f.End])
	f.DocStart = f.Start
	if fd.Doc != nil {
		f.DocStart = g.off(fd.Doc.Pos())
	}
	f.Context = idx.context(g, fd)
	return f
}

// signatureOf prints a function's declaration without its doc and body.
func signatureOf(fset *token.FileSet, fd *ast.FuncDecl) string {
	c := *fd
	c.Doc, c.Body = nil, nil
	var b bytes.Buffer
	if err := (&printer.Config{Mode: printer.UseSpaces, Tabwidth: 4}).Fprint(&b, fset, &c); err != nil {
		return "func " + fd.Name.Name
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// buildContext is go/build's default context plus the -tags of $GOFLAGS,
// so files are chosen as the go command will choose them.
func buildContext() *build.Context {
	ctx := build.Default
	for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
		if v, ok := strings.CutPrefix(f, "-tags="); ok {
			ctx.BuildTags = append(ctx.BuildTags, strings.Split(v, ",")...)
		} else if v, ok := strings.CutPrefix(f, "--tags="); ok {
			ctx.BuildTags = append(ctx.BuildTags, strings.Split(v, ",")...)
		}
	}
	return &ctx
}

func (Lang) Name() string { return "go" }

// Match resolves Target.Func with the Go spellings of a method.
func (Lang) Match(t core.Target, fs []*core.Func) (*core.Func, error) { return core.MatchFunc(t, fs) }

// goTarget reads t's file and finds the function t names.
func goTarget(t core.Target) (*goFile, *ast.FuncDecl, error) {
	gf, err := readGoFile(t.File, t.Source)
	if err != nil {
		return nil, nil, err
	}
	var fs []*core.Func
	decls := map[string]*ast.FuncDecl{}
	for _, d := range gf.file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			name := goFuncName(fd)
			fs = append(fs, &core.Func{Name: name})
			decls[name] = fd
		}
	}
	f, err := core.MatchFunc(t, fs)
	if err != nil {
		return nil, nil, err
	}
	return gf, decls[f.Name], nil
}

// Apply is Apply for Go: the file gofmt'ed with the variant in place and
// its imports fixed.
func (Lang) Apply(t core.Target, variant string) ([]byte, error) {
	gf, fd, err := goTarget(t)
	if err != nil {
		return nil, err
	}
	sp, err := spliceGo(gf, fd, loadGoPackage(gf), variant, spliceOpts{addImports: true})
	if err != nil {
		return nil, fmt.Errorf("couldn't splice the variant into %s: %w", t.File, err)
	}
	out, err := format.Source(sp.file)
	if err != nil {
		return nil, fmt.Errorf("couldn't format %s with the variant in place: %w", t.File, err)
	}
	return out, nil
}
