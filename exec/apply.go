package exec

import (
	"fmt"
	"go/ast"
	"go/format"
	"path/filepath"
	"regexp"
)

// Apply returns the whole new content of t.File (or of t.Source when set)
// with variant spliced in place of t.Func: exactly the code that Measure
// built, imports fixed, without the //line directives the runner adds for
// compiler messages, and gofmt'ed. Editors and `optimize --apply` write it;
// nothing here touches the file.
func Apply(t Target, variant string) ([]byte, error) {
	lang, ok := LangOf(t.File)
	if !ok || lang != "go" {
		return nil, fmt.Errorf("couldn't apply a variant to %s: applying is supported for Go files only so far", t.File)
	}
	gf, err := readGoFile(t.File, t.Source)
	if err != nil {
		return nil, err
	}
	var fs []*Func
	decls := map[string]*ast.FuncDecl{}
	for _, d := range gf.file.Decls {
		if fd, ok := d.(*ast.FuncDecl); ok && fd.Body != nil {
			name := goFuncName(fd)
			fs = append(fs, &Func{Name: name})
			decls[name] = fd
		}
	}
	f, err := matchFunc(t, fs)
	if err != nil {
		return nil, err
	}
	fd := decls[f.Name]
	sp, err := spliceGo(gf, fd, loadGoPackage(gf), variant, true)
	if err != nil {
		return nil, fmt.Errorf("couldn't splice the variant into %s: %w", t.File, err)
	}
	end := gf.fset.Position(fd.End())
	restore := regexp.MustCompile(fmt.Sprintf(`(?m)^//line %s:%d:%d\n`, regexp.QuoteMeta(filepath.Base(gf.path)), end.Line, end.Column))
	out := restore.ReplaceAll(sp.file, nil)
	out = ourLineDirective.ReplaceAll(out, nil)
	formatted, err := format.Source(out)
	if err != nil {
		return nil, fmt.Errorf("couldn't format %s with the variant in place: %w", t.File, err)
	}
	return formatted, nil
}

// ourLineDirective matches the directives spliceGo puts before the variant's
// declarations.
var ourLineDirective = regexp.MustCompile(`(?m)^//line ` + regexp.QuoteMeta(variantName) + `:\d+\n`)
