package exec

import (
	"fmt"
	"go/ast"
	"go/format"
)

// Apply returns t's file (t.Source when non-nil) with variant in place of
// t.Func: the code Measure measured, for an editor (or `optimize --apply`) to
// write. Go files come back gofmt'ed with imports fixed and without the
// runner's //line bookkeeping; C and C++ files get the variant's new
// #includes at the top. Nothing here touches the file. Errors are a
// *NotFoundError, or say why the variant cannot be put in place (it does not
// parse, changes the signature, or changes other declarations).
func Apply(t Target, variant string) ([]byte, error) {
	l, _, err := languageOf(t.File)
	if err != nil {
		return nil, err
	}
	if c, ok := l.(cxxLang); ok {
		return applyCxx(t, c.name, variant)
	}
	if _, ok := l.(goLang); !ok {
		return nil, fmt.Errorf("couldn't apply a variant to %s: no applier for this language", t.File)
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
	sp, err := spliceGo(gf, decls[f.Name], loadGoPackage(gf), variant, spliceOpts{addImports: true})
	if err != nil {
		return nil, fmt.Errorf("couldn't splice the variant into %s: %w", t.File, err)
	}
	out, err := format.Source(sp.file)
	if err != nil {
		return nil, fmt.Errorf("couldn't format %s with the variant in place: %w", t.File, err)
	}
	return out, nil
}
