package cxx

import (
	"fmt"
	"strconv"
	"strings"
)

// The types the generated C and C++ driver can make values of: scalars,
// pointers to scalars (with a length, a fixed count, or one element),
// C strings, std::vector, std::array, std::string(_view), std::complex and
// the file's own plain structs of those.

type cKind int

const (
	cScalar cKind = iota
	cPointer
	cVector
	cArray
	cString     // std::string
	cStringView // std::string_view: an input only
	cComplex
	cStruct
	cPair // std::pair
	cVoid
)

type cType struct {
	kind  cKind
	name  string // scalar: canonical C++ spelling; struct: qualified name in the file
	class string // scalar: "int", "uint", "float", "bool", "char"
	elem  *cType // pointer, vector, array, complex; a pair's first
	elem2 *cType // a pair's second
	n     int    // std::array length; a pointer declared `T x[N]`: its count
	cnst  bool   // const (the pointee for pointers, the referee for references)
	ref   bool   // passed by reference
	decl  *cxxDecl
}

// spell is the C++ spelling of a value of t; ns qualifies the file's
// structs (lessonl_orig or lessonl_var).
func (t *cType) spell(ns string) string {
	switch t.kind {
	case cScalar:
		return t.name
	case cVector:
		return "std::vector<" + t.elem.spell(ns) + ">"
	case cArray:
		return "std::array<" + t.elem.spell(ns) + ", " + strconv.Itoa(t.n) + ">"
	case cString, cStringView:
		return "std::string"
	case cComplex:
		return "std::complex<" + t.elem.spell(ns) + ">"
	case cStruct:
		return ns + "::" + t.name
	case cPair:
		return "std::pair<" + t.elem.spell(ns) + ", " + t.elem2.spell(ns) + ">"
	case cPointer:
		return t.elem.spell(ns) + "*"
	}
	return "void"
}

// show is how a type is named in messages.
func (t *cType) String() string {
	s := t.spell("")
	return strings.ReplaceAll(s, " ::", " ")
}

// structs lists the file's structs t contains, innermost first.
func (t *cType) structs(into []*cxxDecl, seen map[*cxxDecl]bool) []*cxxDecl {
	if t == nil {
		return into
	}
	if t.elem != nil {
		into = t.elem.structs(into, seen)
	}
	if t.elem2 != nil {
		into = t.elem2.structs(into, seen)
	}
	if t.kind == cStruct && !seen[t.decl] {
		seen[t.decl] = true
		for _, f := range t.decl.fieldTypes {
			into = f.structs(into, seen)
		}
		into = append(into, t.decl)
	}
	return into
}

// cTypes resolves type text against a file: its typedefs, usings and
// structs, and the template arguments chosen for a function.
type cTypes struct {
	f       *cxxFile
	tmpl    map[string]string // template parameter -> argument
	structs map[string]*cxxDecl
	aliases map[string]string
	depth   int
}

func newCTypes(f *cxxFile, tmpl map[string]string) *cTypes {
	r := &cTypes{f: f, tmpl: tmpl, structs: map[string]*cxxDecl{}, aliases: map[string]string{}}
	for _, d := range f.decls {
		switch d.kind {
		case "struct":
			r.structs[d.qual] = d
			if _, dup := r.structs[d.name]; !dup {
				r.structs[d.name] = d
			}
		case "typedef", "using":
			if d.alias != "" {
				r.aliases[d.qual] = d.alias
				if _, dup := r.aliases[d.name]; !dup {
					r.aliases[d.name] = d.alias
				}
			}
		}
	}
	return r
}

// unsupportedType explains why the driver cannot make values of a type.
type unsupportedType struct{ typ, why string }

func (e *unsupportedType) Error() string {
	if e.why == "" {
		return fmt.Sprintf("values of type `%s` cannot be generated", e.typ)
	}
	return fmt.Sprintf("values of type `%s` cannot be generated: %s", e.typ, e.why)
}

// parse reads a normalized type as written in a declaration.
func (r *cTypes) parse(s string) (*cType, error) {
	toks := cxxTokens(s)
	p := &cTypeParser{r: r, toks: toks, src: s}
	t, err := p.typ()
	if err != nil {
		return nil, err
	}
	if p.i < len(p.toks) {
		return nil, &unsupportedType{typ: s, why: "unexpected `" + p.toks[p.i] + "`"}
	}
	return t, nil
}

type cTypeParser struct {
	r    *cTypes
	toks []string
	i    int
	src  string
}

func (p *cTypeParser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

var scalarWords = map[string]bool{
	"unsigned": true, "signed": true, "short": true, "long": true, "int": true, "char": true,
	"float": true, "double": true, "bool": true, "_Bool": true, "void": true, "__int128": true,
	"wchar_t": true, "char8_t": true, "char16_t": true, "char32_t": true,
}

var ignoredWords = map[string]bool{
	"volatile": true, "restrict": true, "__restrict": true, "__restrict__": true, "typename": true,
	"struct": true, "class": true, "union": true, "register": true, "static": true, "inline": true,
	"constexpr": true, "mutable": true, "extern": true,
}

// typ parses [cv] base [cv] {* [cv] | & | && | [N]}.
func (p *cTypeParser) typ() (*cType, error) {
	cnst := false
	var words []string
	var base *cType
	for p.i < len(p.toks) {
		t := p.peek()
		switch {
		case t == "const":
			cnst = true
			p.i++
		case t == "enum":
			return nil, &unsupportedType{typ: p.src, why: "enums are not generated"}
		case ignoredWords[t]:
			p.i++
		case scalarWords[t] && base == nil:
			words = append(words, t)
			p.i++
		case isWordTok(t) && base == nil && len(words) == 0 || t == "::" && base == nil && len(words) == 0:
			b, err := p.named()
			if err != nil {
				return nil, err
			}
			base = b
		default:
			goto suffix
		}
	}
suffix:
	if base == nil {
		if len(words) == 0 {
			return nil, &unsupportedType{typ: p.src, why: "no type"}
		}
		b, err := scalarOf(words, p.src)
		if err != nil {
			return nil, err
		}
		base = b
	}
	if cnst {
		base = cloneType(base)
		base.cnst = true
	}
	cur := base
	for p.i < len(p.toks) {
		t := p.peek()
		switch {
		case t == "const":
			p.i++ // a const pointer: the pointer itself, nothing for us
		case ignoredWords[t]:
			p.i++
		case t == "*":
			p.i++
			if cur.kind == cPointer {
				return nil, &unsupportedType{typ: p.src, why: "pointers to pointers are not generated"}
			}
			if cur.ref {
				return nil, &unsupportedType{typ: p.src, why: "pointers to references"}
			}
			cur = &cType{kind: cPointer, elem: cur, cnst: cur.cnst}
		case t == "&" || t == "&&":
			p.i++
			if cur.ref {
				return nil, &unsupportedType{typ: p.src, why: "references to references"}
			}
			c := cloneType(cur)
			c.ref = true
			cur = c
		case t == "[":
			p.i++
			n := 0
			if p.peek() != "]" {
				v, err := strconv.Atoi(strings.TrimRight(p.peek(), "uUlL"))
				if err != nil || v <= 0 {
					return nil, &unsupportedType{typ: p.src, why: "an array whose size is not a number"}
				}
				n = v
				p.i++
			}
			if p.peek() != "]" {
				return nil, &unsupportedType{typ: p.src, why: "a multi-dimensional array"}
			}
			p.i++
			if p.peek() == "[" {
				return nil, &unsupportedType{typ: p.src, why: "a multi-dimensional array"}
			}
			cur = &cType{kind: cPointer, elem: cur, cnst: cur.cnst, n: n}
		case t == "(":
			return nil, &unsupportedType{typ: p.src, why: "function pointers are not generated"}
		default:
			return cur, nil
		}
	}
	return cur, nil
}

func cloneType(t *cType) *cType {
	c := *t
	return &c
}

// named parses a (qualified) name with template arguments and resolves it.
func (p *cTypeParser) named() (*cType, error) {
	var parts []string
	if p.peek() == "::" {
		p.i++
	}
	var args [][]string
	for {
		t := p.peek()
		if !isWordTok(t) {
			return nil, &unsupportedType{typ: p.src, why: "unexpected `" + t + "`"}
		}
		parts = append(parts, t)
		p.i++
		if p.peek() == "<" {
			p.i++
			a, err := p.templateArgs()
			if err != nil {
				return nil, err
			}
			args = a
		}
		if p.peek() != "::" {
			break
		}
		p.i++
		args = nil
	}
	name := strings.Join(parts, "::")
	return p.r.resolve(name, args, p.src)
}

// templateArgs reads up to the matching '>' and splits at top-level commas.
func (p *cTypeParser) templateArgs() ([][]string, error) {
	var out [][]string
	var cur []string
	depth := 0
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		p.i++
		switch t {
		case "<", "(", "[":
			depth++
		case ")", "]":
			depth--
		case ">":
			if depth == 0 {
				out = append(out, cur)
				return out, nil
			}
			depth--
		case ",":
			if depth == 0 {
				out = append(out, cur)
				cur = nil
				continue
			}
		}
		cur = append(cur, t)
	}
	return nil, &unsupportedType{typ: p.src, why: "unbalanced template arguments"}
}

func (r *cTypes) parseToks(toks []string, src string) (*cType, error) {
	p := &cTypeParser{r: r, toks: toks, src: src}
	t, err := p.typ()
	if err != nil {
		return nil, err
	}
	if p.i < len(toks) {
		return nil, &unsupportedType{typ: src, why: "unexpected `" + toks[p.i] + "`"}
	}
	return t, nil
}

// stdScalars are the standard library's integer typedefs, by their names
// with and without std::.
var stdScalars = func() map[string]*cType {
	m := map[string]*cType{}
	add := func(name, spell, class string) {
		t := &cType{kind: cScalar, name: spell, class: class}
		m[name] = t
		m["std::"+name] = t
	}
	for _, bits := range []string{"8", "16", "32", "64"} {
		add("int"+bits+"_t", "std::int"+bits+"_t", "int")
		add("uint"+bits+"_t", "std::uint"+bits+"_t", "uint")
	}
	add("size_t", "std::size_t", "uint")
	add("ptrdiff_t", "std::ptrdiff_t", "int")
	add("intptr_t", "std::intptr_t", "int")
	add("uintptr_t", "std::uintptr_t", "uint")
	add("intmax_t", "std::intmax_t", "int")
	add("uintmax_t", "std::uintmax_t", "uint")
	m["ssize_t"] = &cType{kind: cScalar, name: "long", class: "int"}
	return m
}()

func (r *cTypes) resolve(name string, args [][]string, src string) (*cType, error) {
	if t, ok := stdScalars[name]; ok && args == nil {
		return cloneType(t), nil
	}
	short := strings.TrimPrefix(name, "std::")
	if short == "pair" {
		if len(args) != 2 {
			return nil, &unsupportedType{typ: src, why: "a pair needs two types"}
		}
		var ts [2]*cType
		for i := range ts {
			e, err := r.parseToks(args[i], src)
			if err != nil {
				return nil, err
			}
			if e.ref || e.kind == cPointer || e.kind == cVoid || e.kind == cStringView {
				return nil, &unsupportedType{typ: src, why: "pairs of " + strings.Join(args[i], " ")}
			}
			e = cloneType(e)
			e.cnst = false
			ts[i] = e
		}
		return &cType{kind: cPair, elem: ts[0], elem2: ts[1]}, nil
	}
	switch short {
	case "vector", "array", "complex", "basic_string":
		if len(args) == 0 {
			return nil, &unsupportedType{typ: src, why: "template arguments missing"}
		}
		elem, err := r.parseToks(args[0], src)
		if err != nil {
			return nil, err
		}
		if elem.ref || elem.kind == cPointer || elem.kind == cVoid || elem.kind == cStringView {
			return nil, &unsupportedType{typ: src, why: "elements of type " + strings.Join(args[0], " ")}
		}
		elem = cloneType(elem)
		elem.cnst = false
		switch short {
		case "vector":
			if len(args) > 1 {
				return nil, &unsupportedType{typ: src, why: "a vector with its own allocator"}
			}
			return &cType{kind: cVector, elem: elem}, nil
		case "array":
			if len(args) != 2 || len(args[1]) != 1 {
				return nil, &unsupportedType{typ: src, why: "an array whose size is not a number"}
			}
			n, err := strconv.Atoi(strings.TrimRight(args[1][0], "uUlL"))
			if err != nil || n < 0 {
				return nil, &unsupportedType{typ: src, why: "an array whose size is not a number"}
			}
			return &cType{kind: cArray, elem: elem, n: n}, nil
		case "complex":
			if elem.kind != cScalar || elem.class != "float" {
				return nil, &unsupportedType{typ: src, why: "complex numbers of a non-floating type"}
			}
			return &cType{kind: cComplex, elem: elem}, nil
		default: // basic_string
			if elem.kind != cScalar || elem.name != "char" || len(args) > 1 {
				return nil, &unsupportedType{typ: src, why: "strings of other characters than char"}
			}
			return &cType{kind: cString}, nil
		}
	case "string":
		if args == nil {
			return &cType{kind: cString}, nil
		}
	case "string_view":
		if args == nil {
			return &cType{kind: cStringView}, nil
		}
	}
	if args == nil {
		if a, ok := r.tmpl[name]; ok {
			return r.nested(a, src)
		}
		if a, ok := r.aliases[name]; ok {
			return r.nested(a, src)
		}
		if d, ok := r.structs[name]; ok {
			return r.structType(d, src)
		}
	}
	return nil, &unsupportedType{typ: src, why: "`" + name + "` is not a type the driver knows (scalars, pointers with lengths, std::vector, std::array, std::string, std::complex, std::pair and plain structs of this file)"}
}

func (r *cTypes) nested(s, src string) (*cType, error) {
	if r.depth > 16 {
		return nil, &unsupportedType{typ: src, why: "typedefs nest too deeply"}
	}
	r.depth++
	defer func() { r.depth-- }()
	t, err := r.parse(s)
	if err != nil {
		var ut *unsupportedType
		if ok := asUnsupported(err, &ut); ok && ut.typ != src {
			return nil, &unsupportedType{typ: src, why: "it stands for " + ut.Error()}
		}
		return nil, err
	}
	return t, nil
}

func asUnsupported(err error, ut **unsupportedType) bool {
	e, ok := err.(*unsupportedType)
	if ok {
		*ut = e
	}
	return ok
}

// structType checks that the driver can fill and compare a struct of the
// file: data members of supported value types, no bases, default
// constructible.
func (r *cTypes) structType(d *cxxDecl, src string) (*cType, error) {
	t := &cType{kind: cStruct, name: d.qual, decl: d}
	switch {
	case d.union:
		return nil, &unsupportedType{typ: src, why: "unions are not generated"}
	case d.bases:
		return nil, &unsupportedType{typ: src, why: d.name + " derives from another class"}
	case d.templ:
		return nil, &unsupportedType{typ: src, why: d.name + " is a class template"}
	case d.ctors > 0 && !d.defCtor:
		return nil, &unsupportedType{typ: src, why: d.name + " has no default constructor"}
	}
	if d.fieldTypes != nil || d.resolving {
		if d.resolving {
			return nil, &unsupportedType{typ: src, why: d.name + " contains itself"}
		}
		return t, nil
	}
	d.resolving = true
	defer func() { d.resolving = false }()
	var fts []*cType
	for _, f := range d.fields {
		if f.static {
			continue
		}
		ft, err := r.nested(f.typ, src)
		if err != nil {
			return nil, &unsupportedType{typ: src, why: "member " + f.name + ": " + err.Error()}
		}
		if ft.ref || ft.kind == cPointer || ft.kind == cStringView || ft.cnst {
			return nil, &unsupportedType{typ: src, why: "member " + f.name + " is a pointer, reference or const"}
		}
		fts = append(fts, ft)
	}
	d.fieldTypes = fts
	return t, nil
}

// dataFields are the non-static members, in order, matching fieldTypes.
func (d *cxxDecl) dataFields() []cxxField {
	var out []cxxField
	for _, f := range d.fields {
		if !f.static {
			out = append(out, f)
		}
	}
	return out
}

// scalarOf canonicalizes a sequence of builtin type words.
func scalarOf(words []string, src string) (*cType, error) {
	count := map[string]int{}
	for _, w := range words {
		count[w]++
	}
	t := &cType{kind: cScalar}
	switch {
	case count["void"] > 0:
		return &cType{kind: cVoid, name: "void"}, nil
	case count["wchar_t"]+count["char8_t"]+count["char16_t"]+count["char32_t"]+count["__int128"] > 0:
		return nil, &unsupportedType{typ: src, why: "wide characters and 128-bit integers are not generated"}
	case count["bool"]+count["_Bool"] > 0:
		t.name, t.class = "bool", "bool"
	case count["float"] > 0:
		t.name, t.class = "float", "float"
	case count["double"] > 0:
		t.name, t.class = "double", "float"
		if count["long"] > 0 {
			t.name = "long double"
		}
	case count["char"] > 0:
		t.name, t.class = "char", "char"
		if count["unsigned"] > 0 {
			t.name, t.class = "unsigned char", "uint"
		} else if count["signed"] > 0 {
			t.name, t.class = "signed char", "int"
		}
	default:
		var base string
		switch {
		case count["short"] > 0:
			base = "short"
		case count["long"] >= 2:
			base = "long long"
		case count["long"] == 1:
			base = "long"
		default:
			base = "int"
		}
		t.class = "int"
		if count["unsigned"] > 0 {
			t.class = "uint"
			base = "unsigned " + base
		}
		t.name = base
	}
	return t, nil
}
