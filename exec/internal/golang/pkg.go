package golang

import (
	"fmt"
	"go/ast"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

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

// typeOf is the name of the type of a simple expression inside a method:
// the receiver, its fields, elements of its slice and array fields, through
// pointers ("" when unknown). It lets the original's copy call itself
// recursively through t.Left.Size() as well as t.Size().
func (idx *goPkgIndex) typeOf(gf *goFile, e ast.Expr, recv *ast.Object) string {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return idx.typeOf(gf, e.X, recv)
	case *ast.StarExpr:
		return idx.typeOf(gf, e.X, recv)
	case *ast.Ident:
		if e.Obj != nil && e.Obj == recv {
			if f, ok := recv.Decl.(*ast.Field); ok {
				name, _ := recvTypeName(f.Type)
				return name
			}
		}
	case *ast.SelectorExpr:
		if ft := idx.fieldType(idx.typeOf(gf, e.X, recv), e.Sel.Name); ft != nil {
			name, _ := recvTypeName(ft)
			return name
		}
	case *ast.IndexExpr:
		base := e.X
		if sel, ok := base.(*ast.SelectorExpr); ok {
			if ft := idx.fieldType(idx.typeOf(gf, sel.X, recv), sel.Sel.Name); ft != nil {
				switch t := ft.(type) {
				case *ast.ArrayType:
					name, _ := recvTypeName(t.Elt)
					return name
				case *ast.MapType:
					name, _ := recvTypeName(t.Value)
					return name
				}
			}
		}
	}
	return ""
}

// fieldType is the declared type of field name of struct type typ.
func (idx *goPkgIndex) fieldType(typ, name string) ast.Expr {
	if typ == "" {
		return nil
	}
	for _, d := range idx.decls[typ] {
		ts, ok := d.spec.(*ast.TypeSpec)
		if !ok {
			continue
		}
		st, ok := ts.Type.(*ast.StructType)
		if !ok {
			continue
		}
		for _, f := range st.Fields.List {
			for _, n := range f.Names {
				if n.Name == name {
					return f.Type
				}
			}
		}
	}
	return nil
}
