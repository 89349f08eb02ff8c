package exec

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/build"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// goLang is the Go implementation of language.
type goLang struct{}

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
	abs, src, err := readSource(path, src, closeFiles)
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

func closeFiles(abs string) []string {
	ents, err := os.ReadDir(filepath.Dir(abs))
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && filepath.Ext(e.Name()) == filepath.Ext(abs) {
			names = append(names, e.Name())
		}
	}
	return closeMatches(filepath.Base(abs), names, 5, false)
}

// goFuncName spells a declaration the way Target.Func does.
func goFuncName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	recv, ptr := recvTypeName(fd.Recv.List[0].Type)
	return funcName{recv: recv, ptr: ptr, name: fd.Name.Name}.canonical()
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

func (goLang) funcs(file string, src []byte) ([]*Func, error) {
	gf, err := readGoFile(file, src)
	if err != nil {
		return nil, err
	}
	idx := loadGoPackage(gf)
	var out []*Func
	for _, d := range gf.file.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Body == nil {
			continue
		}
		out = append(out, gf.newFunc(fd, idx))
	}
	return out, nil
}

func (g *goFile) newFunc(fd *ast.FuncDecl, idx *goPkgIndex) *Func {
	f := &Func{
		Name:      goFuncName(fd),
		Lang:      "go",
		File:      g.path,
		Start:     g.off(fd.Pos()),
		End:       g.off(fd.End()),
		Signature: signatureOf(g.fset, fd),
	}
	f.Source = string(g.src[f.Start:f.End])
	f.docStart = f.Start
	if fd.Doc != nil {
		f.docStart = g.off(fd.Doc.Pos())
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

// goPkgIndex holds the package-level declarations of the files that build
// with the target file: what a function may refer to.
type goPkgIndex struct {
	pkg     string
	files   []*goFile
	decls   map[string][]goDecl // by name; methods are under "T.M"
	methods map[string][]goDecl // methods by bare name
}

// goDecl is one package-level declaration: a whole FuncDecl, or one spec of
// a GenDecl (with the GenDecl for its keyword and group).
type goDecl struct {
	file *goFile
	fd   *ast.FuncDecl
	gd   *ast.GenDecl
	spec ast.Spec
}

func (d goDecl) pos() (string, int) {
	if d.fd != nil {
		return d.file.abs, d.file.off(d.fd.Pos())
	}
	return d.file.abs, d.file.off(d.spec.Pos())
}

// loadGoPackage parses the other non-test files of gf's package that build
// in the default context. Files that fail to parse are skipped: they only
// feed the prompt context and collision checks.
func loadGoPackage(gf *goFile) *goPkgIndex {
	idx := &goPkgIndex{pkg: gf.file.Name.Name, decls: map[string][]goDecl{}, methods: map[string][]goDecl{}}
	idx.add(gf)
	dir := filepath.Dir(gf.abs)
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || n == filepath.Base(gf.abs) {
			continue
		}
		if ok, err := buildContext().MatchFile(dir, n); err != nil || !ok {
			continue
		}
		other, err := readGoFile(filepath.Join(dir, n), nil)
		if err != nil || other.file.Name.Name != idx.pkg {
			continue
		}
		idx.add(other)
	}
	return idx
}

func (idx *goPkgIndex) add(g *goFile) {
	idx.files = append(idx.files, g)
	for _, d := range g.file.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			gd := goDecl{file: g, fd: d}
			if d.Recv != nil && len(d.Recv.List) > 0 {
				recv, _ := recvTypeName(d.Recv.List[0].Type)
				idx.decls[recv+"."+d.Name.Name] = append(idx.decls[recv+"."+d.Name.Name], gd)
				idx.methods[d.Name.Name] = append(idx.methods[d.Name.Name], gd)
			} else if d.Name.Name != "init" && d.Name.Name != "_" {
				idx.decls[d.Name.Name] = append(idx.decls[d.Name.Name], gd)
			}
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				continue
			}
			for _, s := range d.Specs {
				for _, name := range specNames(s) {
					if name != "_" {
						idx.decls[name] = append(idx.decls[name], goDecl{file: g, gd: d, spec: s})
					}
				}
			}
		}
	}
}

func specNames(s ast.Spec) []string {
	switch s := s.(type) {
	case *ast.TypeSpec:
		return []string{s.Name.Name}
	case *ast.ValueSpec:
		var out []string
		for _, n := range s.Names {
			out = append(out, n.Name)
		}
		return out
	}
	return nil
}

// context renders what a model needs to write a compiling variant of fd: the
// package clause, the file's imports, and the package-level declarations fd
// refers to. Types come in full (with the types their fields use, two levels
// deep); functions and methods as signatures only; long var or const groups
// are cut.
func (idx *goPkgIndex) context(g *goFile, fd *ast.FuncDecl) string {
	var b strings.Builder
	fmt.Fprintf(&b, "package %s\n", g.file.Name.Name)
	if len(g.file.Imports) > 0 {
		b.WriteString("\nimport (\n")
		for _, im := range g.file.Imports {
			fmt.Fprintf(&b, "\t%s\n", g.text(im))
		}
		b.WriteString(")\n")
	}
	self := goFuncName(fd)
	seen := map[string]bool{self: true}
	var picked []goDecl
	pickedSpec := map[ast.Node]bool{}
	pick := func(d goDecl) {
		key := ast.Node(d.fd)
		if d.fd == nil {
			key = d.spec
		}
		if !pickedSpec[key] {
			pickedSpec[key] = true
			picked = append(picked, d)
		}
	}
	var visit func(n ast.Node, depth int)
	visit = func(n ast.Node, depth int) {
		idents, sels := mentions(n)
		for _, name := range idents {
			if seen[name] {
				continue
			}
			seen[name] = true
			for _, d := range idx.decls[name] {
				pick(d)
				if _, isType := d.spec.(*ast.TypeSpec); isType && depth < 2 {
					visit(d.spec, depth+1)
				}
			}
		}
		if n != ast.Node(fd) {
			return
		}
		// Methods called through selectors: only those of types in the
		// context (including the receiver's), so common names like Len do not
		// drag in unrelated types.
		types := map[string]bool{}
		if fd.Recv != nil && len(fd.Recv.List) > 0 {
			recv, _ := recvTypeName(fd.Recv.List[0].Type)
			types[recv] = true
			if !seen[recv] {
				seen[recv] = true
				for _, d := range idx.decls[recv] {
					pick(d)
					visit(d.spec, 1)
				}
			}
		}
		for _, d := range picked {
			if ts, ok := d.spec.(*ast.TypeSpec); ok {
				types[ts.Name.Name] = true
			}
		}
		for _, s := range sels {
			for _, d := range idx.methods[s] {
				recv, _ := recvTypeName(d.fd.Recv.List[0].Type)
				if types[recv] && goFuncName(d.fd) != self {
					pick(d)
				}
			}
		}
	}
	visit(fd, 0)
	if len(picked) == 0 {
		return b.String()
	}
	sort.SliceStable(picked, func(i, j int) bool {
		fi, oi := picked[i].pos()
		fj, oj := picked[j].pos()
		if fi != fj {
			return fi < fj
		}
		return oi < oj
	})
	fmt.Fprintf(&b, "\n// Declared in package %s and used by %s:\n", idx.pkg, self)
	var lastGroup *ast.GenDecl
	for _, d := range picked {
		if d.fd != nil {
			b.WriteString(signatureOf(d.file.fset, d.fd))
			b.WriteString("\n")
			continue
		}
		if d.gd == lastGroup {
			continue
		}
		text := d.file.text(d.gd)
		if _, isType := d.spec.(*ast.TypeSpec); !isType {
			// Value groups can hold big tables; iota groups need the whole
			// group to mean anything, and stay short in practice.
			whole := d.gd.Lparen.IsValid() && strings.Count(text, "\n") < 30 && (d.gd.Tok == token.CONST || len(d.gd.Specs) == 1)
			if whole {
				lastGroup = d.gd
			} else {
				text = d.gd.Tok.String() + " " + d.file.text(d.spec)
			}
			if lines := strings.Split(text, "\n"); len(lines) > 12 {
				text = strings.Join(lines[:12], "\n") + "\n\t// ... (cut)"
			}
		}
		b.WriteString(text)
		b.WriteString("\n")
	}
	return b.String()
}

// mentions lists the plain identifiers and the selector names used in n
// (declaration names and struct field keys included: over-inclusion is
// harmless here).
func mentions(n ast.Node) (idents, sels []string) {
	seenI, seenS := map[string]bool{}, map[string]bool{}
	var walk func(n ast.Node) bool
	walk = func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr:
			if !seenS[n.Sel.Name] {
				seenS[n.Sel.Name] = true
				sels = append(sels, n.Sel.Name)
			}
			ast.Inspect(n.X, walk)
			return false
		case *ast.Ident:
			if !seenI[n.Name] {
				seenI[n.Name] = true
				idents = append(idents, n.Name)
			}
		}
		return true
	}
	ast.Inspect(n, walk)
	return idents, sels
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
