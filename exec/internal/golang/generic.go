package golang

import (
	"fmt"
	"go/ast"
	"go/token"
	"regexp"
	"strings"
)

// goInstance is how the generated check and benchmark call a generic
// function: one concrete type per type parameter, picked from its
// constraint (the first type of a union, int for any, comparable and the
// ordered and integer constraints, float64 for floats).
type goInstance struct {
	params []string          // type parameter names, in order
	types  []string          // the concrete types, in order
	subst  map[string]string // name -> concrete type
}

// args is the instantiation's type list: "[int, string]".
func (in *goInstance) args() string { return "[" + strings.Join(in.types, ", ") + "]" }

// describe is for reports: "T = int, K = string".
func (in *goInstance) describe() string {
	parts := make([]string, len(in.params))
	for i, p := range in.params {
		parts[i] = p + " = " + in.types[i]
	}
	return strings.Join(parts, ", ")
}

var goIdentRE = regexp.MustCompile(`[\p{L}_][\p{L}\p{N}_]*`)

// apply writes type expression text with the type parameters replaced
// (not a selector's name: pkg.T stays).
func (in *goInstance) apply(text string) string {
	if len(in.subst) == 0 {
		return text
	}
	var b strings.Builder
	last := 0
	for _, m := range goIdentRE.FindAllStringIndex(text, -1) {
		t, ok := in.subst[text[m[0]:m[1]]]
		if !ok || m[0] > 0 && text[m[0]-1] == '.' {
			continue
		}
		b.WriteString(text[last:m[0]])
		b.WriteString(t)
		last = m[1]
	}
	b.WriteString(text[last:])
	return b.String()
}

// goInstantiate picks concrete types for fd's type parameters. It fails,
// saying why, for constraints it cannot satisfy (methods, unknown named
// constraints).
func goInstantiate(gf *goFile, fd *ast.FuncDecl) (*goInstance, error) {
	var names []string
	var constraints []ast.Expr
	for _, f := range fd.Type.TypeParams.List {
		for _, n := range f.Names {
			names = append(names, n.Name)
			constraints = append(constraints, f.Type)
		}
	}
	return goInstantiateParams(gf, names, constraints)
}

// goInstantiateRecv picks concrete types for the type parameters of a
// method's generic receiver (func (s *Stack[T]) ...), from the constraints
// of the type's declaration in this file; the receiver may rename them.
func goInstantiateRecv(gf *goFile, recv ast.Expr) (*goInstance, error) {
	if st, ok := recv.(*ast.StarExpr); ok {
		recv = st.X
	}
	var base ast.Expr
	var idx []ast.Expr
	switch r := recv.(type) {
	case *ast.IndexExpr:
		base, idx = r.X, []ast.Expr{r.Index}
	case *ast.IndexListExpr:
		base, idx = r.X, r.Indices
	default:
		return nil, fmt.Errorf("receiver %s is not a generic type", gf.text(recv))
	}
	id, ok := base.(*ast.Ident)
	if !ok {
		return nil, fmt.Errorf("receiver %s is not a generic type", gf.text(recv))
	}
	ts := goLocalTypeSpec(gf, id.Name)
	if ts == nil || ts.TypeParams == nil {
		return nil, fmt.Errorf("type %s is not declared in this file", id.Name)
	}
	var constraints []ast.Expr
	for _, f := range ts.TypeParams.List {
		for range f.Names {
			constraints = append(constraints, f.Type)
		}
	}
	if len(constraints) != len(idx) {
		return nil, fmt.Errorf("receiver %s does not list the type's %d type parameters", gf.text(recv), len(constraints))
	}
	// Resolve with the declaration's names (its constraints use them, as in
	// S ~[]E), then name the types as the receiver does.
	var declNames []string
	for _, f := range ts.TypeParams.List {
		for _, n := range f.Names {
			declNames = append(declNames, n.Name)
		}
	}
	decl, err := goInstantiateParams(gf, declNames, constraints)
	if err != nil {
		return nil, err
	}
	in := &goInstance{types: decl.types, subst: map[string]string{}}
	for i, e := range idx {
		rn, ok := e.(*ast.Ident)
		if !ok {
			return nil, fmt.Errorf("receiver %s does not name its type parameters", gf.text(recv))
		}
		in.params = append(in.params, rn.Name)
		if rn.Name != "_" {
			in.subst[rn.Name] = decl.types[i]
		}
	}
	return in, nil
}

func goInstantiateParams(gf *goFile, names []string, constraints []ast.Expr) (*goInstance, error) {
	in := &goInstance{subst: map[string]string{}}
	type pending struct {
		name string
		expr ast.Expr
	}
	var todo []pending
	for i, n := range names {
		in.params = append(in.params, n)
		todo = append(todo, pending{n, constraints[i]})
	}
	picked := map[string]string{}
	// A constraint may name other type parameters (S ~[]E): resolve those
	// that do not first, then substitute.
	for range len(todo) + 1 {
		progress := false
		for _, p := range todo {
			if _, done := picked[p.name]; done {
				continue
			}
			t, err := goConstraintType(gf, p.expr)
			if err != nil {
				return nil, fmt.Errorf("type parameter %s: %w", p.name, err)
			}
			ready := true
			for _, id := range goIdentRE.FindAllString(t, -1) {
				if _, isParam := in.find(id); isParam {
					if _, ok := picked[id]; !ok {
						ready = false
					}
				}
			}
			if !ready {
				continue
			}
			picked[p.name] = (&goInstance{subst: picked}).apply(t)
			progress = true
		}
		if !progress {
			break
		}
	}
	for _, p := range in.params {
		t, ok := picked[p]
		if !ok {
			return nil, fmt.Errorf("type parameter %s: its constraint refers to itself", p)
		}
		in.types = append(in.types, t)
		in.subst[p] = t
	}
	return in, nil
}

func (in *goInstance) find(name string) (int, bool) {
	for i, p := range in.params {
		if p == name {
			return i, true
		}
	}
	return 0, false
}

// goConstraintType picks one type satisfying constraint e.
func goConstraintType(gf *goFile, e ast.Expr) (string, error) {
	switch e := e.(type) {
	case *ast.BinaryExpr:
		if e.Op == token.OR {
			return goConstraintType(gf, e.X) // the first term of a union
		}
	case *ast.UnaryExpr:
		if e.Op == token.TILDE {
			return gf.text(e.X), nil
		}
	case *ast.ParenExpr:
		return goConstraintType(gf, e.X)
	case *ast.Ident:
		switch e.Name {
		case "any", "comparable":
			return "int", nil
		}
		if goPredeclaredType(e.Name) {
			return e.Name, nil
		}
		if it := goLocalInterface(gf, e.Name); it != nil {
			return goConstraintType(gf, it)
		}
		return "", fmt.Errorf("no type for constraint %s (declare it in this file, or add a test that calls the function)", e.Name)
	case *ast.SelectorExpr:
		if pkg, ok := e.X.(*ast.Ident); ok {
			switch pkg.Name + "." + e.Sel.Name {
			case "cmp.Ordered", "constraints.Ordered", "constraints.Integer", "constraints.Signed":
				return "int", nil
			case "constraints.Unsigned":
				return "uint", nil
			case "constraints.Float":
				return "float64", nil
			case "constraints.Complex":
				return "complex128", nil
			}
		}
		return "", fmt.Errorf("no type for constraint %s", gf.text(e))
	case *ast.InterfaceType:
		for _, m := range e.Methods.List {
			if len(m.Names) > 0 {
				return "", fmt.Errorf("constraint %s has methods: generated values cannot satisfy it", gf.text(e))
			}
		}
		for _, m := range e.Methods.List {
			return goConstraintType(gf, m.Type) // an embedded type set
		}
		return "int", nil // interface{}
	default:
		// A type literal ([]int, map[K]V) is its own only type.
		return gf.text(e), nil
	}
	return "", fmt.Errorf("no type for constraint %s", gf.text(e))
}

// goLocalInterface finds an interface type declared in gf by name.
func goLocalInterface(gf *goFile, name string) *ast.InterfaceType {
	if ts := goLocalTypeSpec(gf, name); ts != nil {
		it, _ := ts.Type.(*ast.InterfaceType)
		return it
	}
	return nil
}

// goLocalTypeSpec finds a type declared in gf by name.
func goLocalTypeSpec(gf *goFile, name string) *ast.TypeSpec {
	for _, d := range gf.file.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.TYPE {
			continue
		}
		for _, s := range gd.Specs {
			if ts, ok := s.(*ast.TypeSpec); ok && ts.Name.Name == name {
				return ts
			}
		}
	}
	return nil
}

func goPredeclaredType(name string) bool {
	switch name {
	case "bool", "string", "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64",
		"uintptr", "float32", "float64", "complex64", "complex128", "byte", "rune":
		return true
	}
	return false
}
