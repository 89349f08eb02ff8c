package exec

import (
	"fmt"
	"go/ast"
	"go/format"
)

// Apply returns t's file (t.Source when non-nil) with variant in place of
// t.Func and its imports fixed: the code Measure measured, gofmt'ed and
// without the runner's //line bookkeeping, for an editor (or `optimize
// --apply`) to write. Nothing here touches the file. Errors are a
// *NotFoundError, or say why the variant cannot be put in place (it does not
// parse, changes the signature, or changes other declarations).
func Apply(t Target, variant string) ([]byte, error) {
	l, _, err := languageOf(t.File)
	if err != nil {
		return nil, err
	}
	if _, ok := l.(goLang); !ok {
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
