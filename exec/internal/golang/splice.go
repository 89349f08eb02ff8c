package golang

import (
	"bytes"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/printer"
	"go/scanner"
	"go/token"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/lessonl/lessonl/exec/internal/core"

	"golang.org/x/tools/imports"
)

// variantName is the file name compiler messages use for the variant's own
// lines (through //line directives), so a lesson can quote them.
const variantName = "variant.go"

// origPrefix renames the original (and the helpers a variant replaces) in the
// test binary, so the differential check can call both.
const origPrefix = "lessonlOrig_"

// goSplice is a variant put in place of the original.
type goSplice struct {
	file     []byte   // the target file with the variant spliced in, imports fixed
	origCopy []byte   // a _test.go file: the original and the helpers the variant replaced, renamed with origPrefix
	replaced []string // the other declarations of the file the variant replaced
	usesCgo  bool     // the original calls C.*: it cannot be copied into a test file
}

// parseVariant parses a variant that may or may not have a package clause.
// Without one, "package p;" is put on its first line so line numbers stay
// those of the variant.
func parseVariant(fset *token.FileSet, code string) (*ast.File, string, error) {
	var s scanner.Scanner
	f := fset.AddFile("", -1, len(code))
	s.Init(f, []byte(code), nil, scanner.ScanComments)
	tok := token.COMMENT
	for tok == token.COMMENT {
		_, tok, _ = s.Scan()
	}
	if tok != token.PACKAGE {
		code = "package p;" + code
	}
	af, err := parser.ParseFile(fset, variantName, code, parser.ParseComments)
	if err != nil {
		return nil, code, core.SpliceErrorf("the variant does not parse: %v", shortParseError(err))
	}
	return af, code, nil
}

func shortParseError(err error) string {
	if el, ok := err.(scanner.ErrorList); ok && len(el) > 3 {
		el = el[:3]
		return el.Error() + " (and more)"
	}
	return err.Error()
}

// typeString prints a type expression on one line.
func typeString(fset *token.FileSet, e ast.Expr) string {
	if e == nil {
		return ""
	}
	var b bytes.Buffer
	if err := printer.Fprint(&b, fset, e); err != nil {
		return fmt.Sprintf("%T", e)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// signatureKey is a function's signature without parameter names: two
// declarations with the same key are interchangeable for callers.
func signatureKey(fset *token.FileSet, fd *ast.FuncDecl) string {
	var b strings.Builder
	fields := func(fl *ast.FieldList) {
		b.WriteString("(")
		if fl != nil {
			for _, f := range fl.List {
				n := len(f.Names)
				if n == 0 {
					n = 1
				}
				for i := 0; i < n; i++ {
					b.WriteString(typeString(fset, f.Type))
					b.WriteString(",")
				}
			}
		}
		b.WriteString(")")
	}
	fields(fd.Recv)
	b.WriteString("[")
	if fd.Type.TypeParams != nil {
		for _, f := range fd.Type.TypeParams.List {
			for _, n := range f.Names {
				b.WriteString(n.Name + " " + typeString(fset, f.Type) + ",")
			}
		}
	}
	b.WriteString("]")
	fields(fd.Type.Params)
	fields(fd.Type.Results)
	return b.String()
}

// declKey names a top-level function the way the package index does.
func declKey(fd *ast.FuncDecl) string {
	if fd.Recv != nil && len(fd.Recv.List) > 0 {
		recv, _ := recvTypeName(fd.Recv.List[0].Type)
		return recv + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// normalized is a declaration's text with comments and layout removed, to
// tell a restated declaration from a changed one.
func normalized(fset *token.FileSet, n ast.Node) string {
	var b bytes.Buffer
	if err := (&printer.Config{Mode: printer.RawFormat}).Fprint(&b, fset, n); err != nil {
		return fmt.Sprintf("%p", n)
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// spliceGo puts variant in place of fd in gf. The variant may hold the
// function, new helpers, new or restated types and imports, or a whole file:
// restated declarations are dropped, functions of the same file it redefines
// are replaced, and anything that would change other package-level
// declarations is refused.
// spliceOpts: addImports lets goimports add missing imports (slow when a
// package is unknown); lineDirectives maps compiler messages to the
// variant's own lines (for measuring, not for the user's file).
type spliceOpts struct{ addImports, lineDirectives bool }

func spliceGo(gf *goFile, fd *ast.FuncDecl, idx *goPkgIndex, variant string, o spliceOpts) (*goSplice, error) {
	code := core.ExtractCode(variant)
	if strings.TrimSpace(code) == "" {
		return nil, core.SpliceErrorf("the variant is empty; it must hold the whole function %s", goFuncName(fd))
	}
	vfset := token.NewFileSet()
	vf, code, err := parseVariant(vfset, code)
	if err != nil {
		return nil, err
	}
	vsrc := []byte(code)
	voff := func(p token.Pos) int { return vfset.Position(p).Offset }

	target := declKey(fd)
	var vtarget *ast.FuncDecl
	var keep []ast.Decl                        // variant declarations to splice, in order
	replace := map[string]*ast.FuncDecl{}      // same-file declarations the variant replaces, by key
	keepSpecs := map[*ast.GenDecl][]ast.Spec{} // the new specs of each kept GenDecl
	var newImports []*ast.ImportSpec
	for _, d := range vf.Decls {
		switch d := d.(type) {
		case *ast.FuncDecl:
			key := declKey(d)
			if key == target {
				if vtarget != nil {
					return nil, core.SpliceErrorf("the variant defines %s twice", goFuncName(fd))
				}
				vtarget = d
				keep = append(keep, d)
				continue
			}
			if isTestFunc(d) || d.Recv == nil && d.Name.Name == "main" && gf.file.Name.Name != "main" {
				continue // a model's demo or test of its code: not part of the variant
			}
			if d.Name.Name == "init" || d.Name.Name == "_" {
				keep = append(keep, d)
				continue
			}
			existing := idx.decls[key]
			if len(existing) == 0 {
				if len(idx.decls[d.Name.Name]) > 0 && d.Recv == nil {
					return nil, core.SpliceErrorf("the variant declares function %s, but %s already names something else in package %s; give the helper another name", d.Name.Name, d.Name.Name, idx.pkg)
				}
				keep = append(keep, d)
				continue
			}
			old := existing[0]
			if old.fd == nil {
				return nil, core.SpliceErrorf("the variant declares function %s, but %s already names something else in package %s; give the helper another name", key, key, idx.pkg)
			}
			if d.Body == nil || normalized(vfset, d) == normalized(old.file.fset, old.fd) {
				continue // restated as it is
			}
			if old.file != idx.files[0] {
				return nil, core.SpliceErrorf("the variant changes %s, declared in %s; a variant may change functions of %s only, so give the new helper another name", goFuncName(d), filepath.Base(old.file.path), filepath.Base(gf.path))
			}
			if d.Name.Name == "main" && d.Recv == nil {
				return nil, core.SpliceErrorf("the variant changes func main; keep it as it is")
			}
			replace[key] = old.fd
			keep = append(keep, d)
		case *ast.GenDecl:
			if d.Tok == token.IMPORT {
				for _, s := range d.Specs {
					newImports = append(newImports, s.(*ast.ImportSpec))
				}
				continue
			}
			var specs []ast.Spec
			for _, s := range d.Specs {
				names := specNames(s)
				var same, differ int
				where := ""
				for _, n := range names {
					ex := idx.decls[n]
					if len(ex) == 0 || n == "_" {
						continue
					}
					if ex[0].spec != nil && normalized(vfset, s) == normalized(ex[0].file.fset, ex[0].spec) {
						same++
					} else {
						differ++
						where = filepath.Base(ex[0].file.path)
					}
				}
				switch {
				case differ > 0:
					return nil, core.SpliceErrorf("the variant changes %s %s, declared in %s; keep package-level types, variables and constants as they are, or declare new ones under new names", d.Tok, strings.Join(names, ", "), where)
				case same == len(names):
					// restated as it is
				default:
					specs = append(specs, s)
				}
			}
			if len(specs) > 0 {
				keepSpecs[d] = specs
				keep = append(keep, d)
			}
		}
	}
	if vtarget == nil {
		return nil, core.SpliceErrorf("the variant does not define %s; it must hold the whole function, with the same name and signature", goFuncName(fd))
	}
	if vtarget.Body == nil {
		return nil, core.SpliceErrorf("the variant declares %s without a body", goFuncName(fd))
	}
	if a, b := signatureKey(gf.fset, fd), signatureKey(vfset, vtarget); a != b {
		return nil, core.SpliceErrorf("the variant changes the signature: the original is `%s`, the variant `%s`; keep the signature exactly", signatureOf(gf.fset, fd), signatureOf(vfset, vtarget))
	}

	// The spliced block: each kept declaration with a //line directive so
	// compiler messages point into the variant.
	var block bytes.Buffer
	for _, d := range keep {
		start := d.Pos()
		var docStart token.Pos
		switch d := d.(type) {
		case *ast.FuncDecl:
			if d.Doc != nil {
				docStart = d.Doc.Pos()
			}
		case *ast.GenDecl:
			if d.Doc != nil {
				docStart = d.Doc.Pos()
			}
		}
		if docStart.IsValid() {
			start = docStart
		}
		block.WriteString("\n")
		if d == ast.Decl(vtarget) && fd.Doc != nil {
			// The user's doc comment stays with the function; the variant's
			// own is dropped.
			block.WriteString(gf.text(fd.Doc))
			block.WriteString("\n")
			start = vtarget.Pos()
		}
		if o.lineDirectives {
			fmt.Fprintf(&block, "//line %s:%d\n", variantName, vfset.Position(start).Line)
		}
		if gd, ok := d.(*ast.GenDecl); ok && len(keepSpecs[gd]) != len(gd.Specs) {
			// Only some specs are new: write them one by one.
			for _, s := range keepSpecs[gd] {
				if o.lineDirectives {
					fmt.Fprintf(&block, "//line %s:%d\n", variantName, vfset.Position(s.Pos()).Line)
				}
				fmt.Fprintf(&block, "%s %s\n", gd.Tok, vsrc[voff(s.Pos()):voff(s.End())])
			}
			continue
		}
		block.Write(vsrc[voff(start):voff(d.End())])
		block.WriteString("\n")
	}

	src := gf.src
	type edit struct {
		from, to int
		text     []byte
	}
	base := filepath.Base(gf.path)
	endPos := gf.fset.Position(fd.End())
	restore := ""
	if o.lineDirectives {
		restore = fmt.Sprintf("//line %s:%d:%d\n", base, endPos.Line, endPos.Column)
	}
	start := gf.off(fd.Pos())
	if fd.Doc != nil {
		start = gf.off(fd.Doc.Pos())
	}
	lead := ""
	if start > 0 && src[start-1] != '\n' {
		lead = "\n"
	}
	edits := []edit{{start, gf.off(fd.End()), []byte(lead + strings.TrimPrefix(block.String(), "\n") + restore)}}
	var replacedNames []string
	for key, old := range replace {
		from := gf.off(old.Pos())
		if old.Doc != nil {
			from = gf.off(old.Doc.Pos())
		}
		edits = append(edits, edit{from, gf.off(old.End()), nil})
		replacedNames = append(replacedNames, key)
	}
	sort.Strings(replacedNames)
	sort.Slice(edits, func(i, j int) bool { return edits[i].from < edits[j].from })
	var out bytes.Buffer
	prev := 0
	for _, e := range edits {
		if e.from < prev {
			return nil, core.SpliceErrorf("the variant's declarations overlap in %s", base) // cannot happen with a parsed file
		}
		out.Write(src[prev:e.from])
		out.Write(e.text)
		prev = e.to
	}
	out.Write(src[prev:])
	file, err := spliceImports(gf.abs, out.Bytes(), newImports, idx.decls, o.addImports)
	if err != nil {
		return nil, core.SpliceErrorf("the variant does not fit in %s: %v", base, shortParseError(err))
	}
	if _, err := parser.ParseFile(token.NewFileSet(), gf.abs, file, parser.ParseComments); err != nil {
		return nil, core.SpliceErrorf("the variant does not fit in %s: %v", base, shortParseError(err))
	}

	sp := &goSplice{file: file, replaced: replacedNames}
	sp.origCopy, sp.usesCgo = originalCopy(gf, fd, replace, idx)
	return sp, nil
}

// isTestFunc reports whether fd looks like a test, benchmark, fuzz target or
// example: it belongs in a _test.go file, not in the variant.
func isTestFunc(fd *ast.FuncDecl) bool {
	if fd.Recv != nil {
		return false
	}
	name := fd.Name.Name
	if isTestName(name, "Example") && fd.Type.Params.NumFields() == 0 {
		return true
	}
	if !isTestName(name, "Test") && !isTestName(name, "Benchmark") && !isTestName(name, "Fuzz") {
		return false
	}
	if fd.Type.Params.NumFields() != 1 {
		return false
	}
	star, ok := fd.Type.Params.List[0].Type.(*ast.StarExpr)
	if !ok {
		return false
	}
	sel, ok := star.X.(*ast.SelectorExpr)
	return ok && (sel.Sel.Name == "T" || sel.Sel.Name == "B" || sel.Sel.Name == "F" || sel.Sel.Name == "M")
}

// spliceImports settles the imports of the spliced file src: it adds those
// of the variant's imports the code uses, drops those nothing uses any more,
// and, when the code uses a package nobody imports, asks goimports (when
// addMissing is set). The edits are made as text on the import lines only,
// so every line of the variant stays where its //line directive says.
func spliceImports(filename string, src []byte, variantImports []*ast.ImportSpec, pkgNames map[string][]goDecl, addMissing bool) ([]byte, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, filename, src, parser.ParseComments)
	if err != nil {
		return nil, err
	}
	used := usedPackageNames(f)
	have := map[string]bool{} // import keys present
	named := map[string]bool{}
	for _, im := range f.Imports {
		have[importKey(im)] = true
		named[importName(im)] = true
	}
	var add []string
	for _, im := range variantImports {
		if p, err := strconv.Unquote(im.Path.Value); err != nil || p == "C" || have[importKey(im)] || !used[importName(im)] {
			continue
		}
		have[importKey(im)] = true
		named[importName(im)] = true
		add = append(add, specText(im))
	}
	missing := false
	for name := range used {
		if !named[name] && len(pkgNames[name]) == 0 {
			missing = true
		}
	}
	drop := map[*ast.ImportSpec]bool{}
	switch {
	case missing && addMissing:
		// goimports knows package names and where packages are; take its
		// decisions, not its formatting.
		withAdds := editImports(fset, f, src, nil, add)
		gi, err := imports.Process(filename, withAdds, &imports.Options{Comments: true, TabIndent: true, TabWidth: 8})
		if err != nil {
			return withAdds, nil
		}
		gf, err := parser.ParseFile(token.NewFileSet(), filename, gi, parser.ImportsOnly)
		if err != nil {
			return withAdds, nil
		}
		keep := map[string]bool{}
		for _, im := range gf.Imports {
			keep[importKey(im)] = true
			if !have[importKey(im)] {
				have[importKey(im)] = true
				add = append(add, specText(im))
			}
		}
		for _, im := range f.Imports {
			if !keep[importKey(im)] {
				drop[im] = true
			}
		}
	case !missing:
		for _, im := range f.Imports {
			if n := importName(im); n != "_" && n != "." && im.Path.Value != `"C"` && !used[n] {
				drop[im] = true
			}
		}
	}
	return editImports(fset, f, src, drop, add), nil
}

// pruneImports drops the imports a generated file does not use, and
// formats it (its lines, unlike the variant's, need not stay put).
func pruneImports(filename string, src []byte, pkgNames map[string][]goDecl) []byte {
	out, err := spliceImports(filename, src, nil, pkgNames, false)
	if err != nil {
		return src
	}
	if formatted, err := format.Source(out); err == nil {
		return formatted
	}
	return out
}

// usedPackageNames are the names used as X in X.Sel that no declaration in
// the file resolves: packages, or package-level names of other files.
func usedPackageNames(f *ast.File) map[string]bool {
	used := map[string]bool{}
	ast.Inspect(f, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok {
			if x, ok := sel.X.(*ast.Ident); ok && x.Obj == nil {
				used[x.Name] = true
			}
		}
		return true
	})
	return used
}

// importName is the name an import is used by (assumed from its path when
// it has none).
func importName(im *ast.ImportSpec) string {
	if im.Name != nil {
		return im.Name.Name
	}
	p, _ := strconv.Unquote(im.Path.Value)
	return assumedName(p)
}

func specText(im *ast.ImportSpec) string {
	if im.Name != nil {
		return im.Name.Name + " " + im.Path.Value
	}
	return im.Path.Value
}

// editImports removes the drop specs and adds the add specs (as "name
// \"path\"" text) to the first import declaration, editing src as text.
func editImports(fset *token.FileSet, f *ast.File, src []byte, drop map[*ast.ImportSpec]bool, add []string) []byte {
	off := func(p token.Pos) int { return fset.Position(p).Offset }
	lineStart := func(o int) int {
		for o > 0 && src[o-1] != '\n' {
			o--
		}
		return o
	}
	lineEnd := func(o int) int { // just past the newline
		for o < len(src) && src[o] != '\n' {
			o++
		}
		return min(o+1, len(src))
	}
	type edit struct {
		from, to int
		text     string
	}
	var edits []edit
	var target *ast.GenDecl
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.IMPORT {
			continue
		}
		kept := 0
		for _, sp := range gd.Specs {
			if !drop[sp.(*ast.ImportSpec)] {
				kept++
			}
		}
		if kept == 0 {
			edits = append(edits, edit{off(gd.Pos()), off(gd.End()), ""})
			continue
		}
		if target == nil {
			target = gd
		}
		for i, sp := range gd.Specs {
			if !drop[sp.(*ast.ImportSpec)] {
				continue
			}
			from, to := off(sp.Pos()), off(sp.End())
			alone := gd.Lparen.IsValid()
			if i > 0 && fset.Position(gd.Specs[i-1].End()).Line == fset.Position(sp.Pos()).Line ||
				i+1 < len(gd.Specs) && fset.Position(gd.Specs[i+1].Pos()).Line == fset.Position(sp.End()).Line {
				alone = false
			}
			if alone {
				from, to = lineStart(from), lineEnd(to)
			}
			edits = append(edits, edit{from, to, ""})
		}
	}
	if len(add) > 0 {
		lines := "\t" + strings.Join(add, "\n\t") + "\n"
		switch {
		case target == nil && len(add) == 1:
			at := off(f.Name.End())
			edits = append(edits, edit{at, at, "\n\nimport " + add[0]})
		case target == nil:
			at := off(f.Name.End())
			edits = append(edits, edit{at, at, "\n\nimport (\n" + lines + ")"})
		case target.Lparen.IsValid():
			at := off(target.Rparen)
			if ls := lineStart(at); strings.TrimSpace(string(src[ls:at])) == "" {
				edits = append(edits, edit{ls, ls, lines}) // with the last group, so gofmt sorts them in
			} else {
				edits = append(edits, edit{at, at, "\n" + lines})
			}
		default:
			sp := target.Specs[0]
			edits = append(edits, edit{off(sp.Pos()), off(sp.Pos()), "(\n\t"}, edit{off(sp.End()), off(sp.End()), "\n" + lines + ")"})
		}
	}
	sort.SliceStable(edits, func(i, j int) bool { return edits[i].from < edits[j].from })
	var b bytes.Buffer
	prev := 0
	for _, e := range edits {
		if e.from < prev {
			continue // overlapping: a spec of a decl removed whole
		}
		b.Write(src[prev:e.from])
		b.WriteString(e.text)
		prev = e.to
	}
	b.Write(src[prev:])
	return b.Bytes()
}

func importKey(im *ast.ImportSpec) string {
	name := ""
	if im.Name != nil {
		name = im.Name.Name
	}
	return name + " " + im.Path.Value
}

// assumedName is the package name an import path suggests, as goimports
// assumes it: the last element, without a major version, "go-" prefix or
// ".suffix".
func assumedName(importPath string) string {
	base := path.Base(importPath)
	if strings.HasPrefix(base, "v") {
		if _, err := strconv.Atoi(base[1:]); err == nil {
			if dir := path.Dir(importPath); dir != "." {
				base = path.Base(dir)
			}
		}
	}
	base = strings.TrimPrefix(base, "go-")
	if i := strings.IndexFunc(base, func(r rune) bool {
		return !(r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r))
	}); i >= 0 {
		base = base[:i]
	}
	return base
}

// originalCopy writes a test file holding fd and the replaced declarations
// under origPrefix names, with references among them renamed, so the test
// binary can call the original next to the variant.
func originalCopy(gf *goFile, fd *ast.FuncDecl, replaced map[string]*ast.FuncDecl, idx *goPkgIndex) ([]byte, bool) {
	decls := []*ast.FuncDecl{fd}
	keys := make([]string, 0, len(replaced))
	for k := range replaced {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		decls = append(decls, replaced[k])
	}
	renamed := map[*ast.FuncDecl]bool{}
	methods := map[string]bool{} // "T.M" of renamed methods
	for _, d := range decls {
		renamed[d] = true
		if d.Recv != nil {
			methods[declKey(d)] = true
		}
	}
	usesCgo := false
	var b bytes.Buffer
	fmt.Fprintf(&b, "package %s\n\n", gf.file.Name.Name)
	for _, d := range gf.file.Decls {
		if g, ok := d.(*ast.GenDecl); ok && g.Tok == token.IMPORT {
			for _, s := range g.Specs {
				im := s.(*ast.ImportSpec)
				if im.Path.Value == `"C"` {
					continue
				}
				if im.Name != nil && im.Name.Name == "_" {
					continue
				}
				fmt.Fprintf(&b, "import %s\n", gf.text(im))
			}
		}
	}
	for _, d := range decls {
		var renames []int // offsets of identifiers to prefix
		renames = append(renames, gf.off(d.Name.Pos()))
		var recvObj *ast.Object
		recvType := ""
		if d.Recv != nil && len(d.Recv.List) > 0 {
			recvType, _ = recvTypeName(d.Recv.List[0].Type)
			if len(d.Recv.List[0].Names) > 0 {
				recvObj = d.Recv.List[0].Names[0].Obj
			}
		}
		if d.Body != nil {
			ast.Inspect(d.Body, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.SelectorExpr:
					if x, ok := n.X.(*ast.Ident); ok && x.Name == "C" && x.Obj == nil {
						usesCgo = true
					}
					if recvObj != nil && methods[recvType+"."+n.Sel.Name] && idx.typeOf(gf, n.X, recvObj) == recvType {
						renames = append(renames, gf.off(n.Sel.Pos()))
					}
				case *ast.Ident:
					if n.Obj != nil {
						if od, ok := n.Obj.Decl.(*ast.FuncDecl); ok && renamed[od] && od.Recv == nil {
							renames = append(renames, gf.off(n.Pos()))
						}
					}
				}
				return true
			})
		}
		sort.Ints(renames)
		start, end := gf.off(d.Pos()), gf.off(d.End())
		prev := start
		b.WriteString("\n")
		for _, r := range renames {
			if r < prev || r >= end {
				continue
			}
			b.Write(gf.src[prev:r])
			b.WriteString(origPrefix)
			prev = r
		}
		b.Write(gf.src[prev:end])
		b.WriteString("\n")
	}
	name := strings.TrimSuffix(gf.abs, ".go") + "_lessonl_orig_test.go"
	return pruneImports(name, b.Bytes(), idx.decls), usesCgo
}

// quote is strconv.Quote, named for the generated code's readability.
var quote = strconv.Quote
