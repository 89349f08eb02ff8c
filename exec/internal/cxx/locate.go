// Package cxx is the runner's C and C++: functions found and spliced with
// tree-sitter, parameter types read for the generated driver, lessonl.toml,
// and the steps of a measurement with the generated driver, with the
// project's own harness, or (when neither can run the function) of the
// compilation alone.
package cxx

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/lessonl/lessonl/exec/internal/core"

	sitter "github.com/tree-sitter/go-tree-sitter"
	tsc "github.com/tree-sitter/tree-sitter-c/bindings/go"
	tscpp "github.com/tree-sitter/tree-sitter-cpp/bindings/go"
)

// cxxLang is the C and C++ implementation of language: tree-sitter finds
// the functions; a generated driver or the project's lessonl.toml harness
// checks and times them (measure.go).
type Lang struct{ lang string } // "c" or "cpp"

func (l Lang) Name() string { return l.lang }

// New is the language of C ("c") or C++ ("cpp") files.
func New(lang string) Lang { return Lang{lang: lang} }

// target reads t's file and finds the function t names.
func (l Lang) target(t core.Target) (*cxxFile, *cxxFunc, error) {
	f, err := readCxxFile(t.File, t.Source, l.lang)
	if err != nil {
		return nil, nil, err
	}
	fs := make([]*core.Func, len(f.funcs))
	for i, fn := range f.funcs {
		fs[i] = &core.Func{Name: fn.name}
	}
	got, err := l.Match(t, fs)
	if err != nil {
		return nil, nil, err
	}
	return f, f.funcByName(got.Name), nil
}

var (
	cGrammar   = sitter.NewLanguage(tsc.Language())
	cppGrammar = sitter.NewLanguage(tscpp.Language())
)

// cxxFile is one parsed C or C++ file, reduced to what the runner needs:
// the tree is closed once this is built.
type cxxFile struct {
	path     string // as given by the caller
	abs      string // absolute, symlinks resolved
	src      []byte
	lang     string // "c" or "cpp": a .h file that only parses as C++ is C++
	includes []cxxSpan
	usings   []cxxSpan // file-level `using namespace ...;` directives
	guard    string    // the include guard's macro, if the file has one
	funcs    []*cxxFunc
	decls    []*cxxDecl
	errors   bool // tree-sitter found syntax errors

	byName  map[string][]*cxxDecl // context's index, built on first use
	classes map[string]bool
}

type cxxSpan struct{ start, end int }

// cxxFunc is a function definition.
type cxxFunc struct {
	name      string   // qualified, unique in the file: Target.Func
	base      string   // qualified name without an overload's parameter list
	scope     []string // enclosing namespaces and classes
	class     string   // qualified name of the class it is a member of, or ""
	inClass   bool     // defined inside the class body
	static    bool     // a static member function, or a free function with internal linkage
	start     int      // template header included
	end       int
	docStart  int
	defStart  int // the function_definition itself
	bodyStart int
	nameSpan  cxxSpan // the declarator's name: `sum`, `P::foo`, `operator+`
	params    []cxxParam
	paramsAt  cxxSpan // the parameter list as written, parentheses included
	variadic  bool
	ret       string // return type, normalized, without storage classes
	quals     string // after the parameters: const, noexcept, override...
	tparams   []cxxTParam
	templ     bool // has a template header (possibly an explicit specialization)
	sig       string
}

type cxxParam struct {
	name string // "" when unnamed
	typ  string // normalized type, the name and any default value removed
}

type cxxTParam struct {
	name string
	typ  bool // a type parameter (typename/class), else a value or template
}

// cxxDecl is a declaration other functions may use: for prompt context and
// for generating values of the file's structs.
type cxxDecl struct {
	kind       string // struct, enum, typedef, using, macro, var, proto, func
	name       string
	qual       string // qualified with its namespaces and classes
	start, end int
	text       string // compact: member function bodies left out
	idents     []string
	fields     []cxxField // data members of a struct, class or union
	union      bool
	bases      bool // derives from other classes
	ctors      int  // user-declared constructors
	defCtor    bool // one of them takes no arguments
	statics    map[string]bool
	alias      string // typedef/using: the aliased type, normalized
	templ      bool   // a class template
	scopeNames []string
	bodyOpen   int      // a class's offset just past its body's '{', or 0
	fieldTypes []*cType // resolved data member types (types.go), once checked
	resolving  bool
}

type cxxField struct {
	name   string
	typ    string
	static bool
}

// readCxxFile reads (unless src is given) and parses a C or C++ file. lang
// is LangOf's name for the file. A missing file is a *NotFoundError.
func readCxxFile(path string, src []byte, lang string) (*cxxFile, error) {
	abs, src, err := core.ReadSource(path, src, func(_, name string) bool { l := core.LangName(name); return l == "c" || l == "cpp" })
	if err != nil {
		return nil, err
	}
	f := &cxxFile{path: path, abs: abs, src: src, lang: lang}
	tree, err := parseCxx(src, lang == "cpp")
	if err != nil {
		return nil, err
	}
	if lang == "c" && tree.RootNode().HasError() && isHeader(path) {
		// A .h file may be C++: take the grammar that reads it cleanly.
		if t2, err := parseCxx(src, true); err == nil {
			if !t2.RootNode().HasError() {
				tree.Close()
				tree, f.lang = t2, "cpp"
			} else {
				t2.Close()
			}
		}
	}
	defer tree.Close()
	root := tree.RootNode()
	f.errors = root.HasError()
	x := &cxxExtract{f: f}
	x.guard(root)
	x.walk(root, nil, "", false)
	x.finish()
	return f, nil
}

func isHeader(path string) bool {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".h", ".hh", ".hpp", ".hxx":
		return true
	}
	return false
}

func parseCxx(src []byte, cpp bool) (*sitter.Tree, error) {
	p := sitter.NewParser()
	defer p.Close()
	g := cGrammar
	if cpp {
		g = cppGrammar
	}
	if err := p.SetLanguage(g); err != nil {
		return nil, fmt.Errorf("couldn't load the tree-sitter grammar (please report this): %w", err)
	}
	t := p.Parse(src, nil)
	if t == nil {
		return nil, errors.New("couldn't parse the file: tree-sitter gave up")
	}
	return t, nil
}

// cxxExtract walks a tree once, filling its cxxFile.
type cxxExtract struct {
	f *cxxFile
}

func (x *cxxExtract) text(n *sitter.Node) string {
	return string(x.f.src[n.StartByte():n.EndByte()])
}

// fieldChildren are n's children in the given field (without a cursor,
// whose C memory would need freeing).
func fieldChildren(n *sitter.Node, field string) []*sitter.Node {
	var out []*sitter.Node
	for i := uint(0); i < n.ChildCount(); i++ {
		if n.FieldNameForChild(uint32(i)) == field {
			out = append(out, n.Child(i))
		}
	}
	return out
}

func named(n *sitter.Node) []*sitter.Node {
	c := n.NamedChildCount()
	out := make([]*sitter.Node, 0, c)
	for i := uint(0); i < c; i++ {
		out = append(out, n.NamedChild(i))
	}
	return out
}

// guard finds the include guard: the file is one `#ifndef X` block whose
// first line defines X.
func (x *cxxExtract) guard(root *sitter.Node) {
	var top []*sitter.Node
	for _, c := range named(root) {
		if c.Kind() != "comment" {
			top = append(top, c)
		}
	}
	if len(top) != 1 || top[0].Kind() != "preproc_ifdef" {
		return
	}
	n := top[0]
	if first := n.Child(0); first == nil || first.Kind() != "#ifndef" {
		return
	}
	name := n.ChildByFieldName("name")
	if name == nil {
		return
	}
	for _, c := range named(n)[1:] {
		if c.Kind() == "comment" {
			continue
		}
		if c.Kind() == "preproc_def" {
			if d := c.ChildByFieldName("name"); d != nil && x.text(d) == x.text(name) {
				x.f.guard = x.text(name)
			}
		}
		return
	}
}

// walk visits the declarations of a translation unit, namespace, linkage
// block, preprocessor branch or class body. scope holds the enclosing
// namespaces and classes; class is set inside a class body.
func (x *cxxExtract) walk(n *sitter.Node, scope []string, class string, inClass bool) {
	for _, c := range named(n) {
		x.item(c, c, scope, class, inClass)
	}
}

// item handles one declaration; outer is the node that carries it (a
// template_declaration around it, or itself).
func (x *cxxExtract) item(c, outer *sitter.Node, scope []string, class string, inClass bool) {
	switch c.Kind() {
	case "function_definition":
		x.function(c, outer, scope, class, inClass)
	case "template_declaration":
		for _, d := range named(c) {
			switch d.Kind() {
			case "function_definition", "class_specifier", "struct_specifier", "union_specifier", "declaration", "template_declaration", "alias_declaration":
				x.item(d, outer, scope, class, inClass)
			}
		}
	case "namespace_definition":
		sc := scope
		if nm := c.ChildByFieldName("name"); nm != nil {
			sc = appendScope(scope, strings.Split(strings.ReplaceAll(x.text(nm), " ", ""), "::")...)
		}
		if body := c.ChildByFieldName("body"); body != nil {
			x.walk(body, sc, "", false)
		}
	case "linkage_specification":
		if body := c.ChildByFieldName("body"); body != nil {
			if body.Kind() == "declaration_list" {
				x.walk(body, scope, class, inClass)
			} else {
				x.item(body, body, scope, class, inClass)
			}
		}
	case "preproc_if", "preproc_ifdef", "preproc_else", "preproc_elif", "preproc_elifdef":
		x.walk(c, scope, class, inClass)
	case "preproc_include":
		x.f.includes = append(x.f.includes, cxxSpan{int(c.StartByte()), int(c.EndByte())})
	case "using_declaration":
		if len(scope) == 0 && strings.HasPrefix(x.text(c), "using namespace") {
			x.f.usings = append(x.f.usings, cxxSpan{int(c.StartByte()), int(c.EndByte())})
		}
	case "preproc_def", "preproc_function_def":
		if nm := c.ChildByFieldName("name"); nm != nil && x.f.guard != x.text(nm) {
			x.decl(&cxxDecl{kind: "macro", name: x.text(nm)}, c, outer, scope)
		}
	case "class_specifier", "struct_specifier", "union_specifier":
		x.class(c, outer, scope, "")
	case "enum_specifier":
		if nm := c.ChildByFieldName("name"); nm != nil && c.ChildByFieldName("body") != nil {
			x.decl(&cxxDecl{kind: "enum", name: x.text(nm)}, c, outer, scope)
		}
	case "type_definition":
		typ := c.ChildByFieldName("type")
		var names []string
		for _, d := range fieldChildren(c, "declarator") {
			if nm := declName(d); nm != nil {
				names = append(names, x.text(nm))
			}
		}
		if typ != nil && isClassSpec(typ.Kind()) && typ.ChildByFieldName("body") != nil {
			name := ""
			if len(names) > 0 {
				name = names[0]
			}
			x.class(typ, outer, scope, name)
		}
		for _, nm := range names {
			alias := ""
			if typ != nil {
				// The aliased type is everything but the new name.
				alias = x.withoutName(c, nm)
				alias = strings.TrimSuffix(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(alias), "typedef")), ";")
			}
			x.decl(&cxxDecl{kind: "typedef", name: nm, alias: normType(alias)}, c, outer, scope)
		}
	case "alias_declaration":
		if nm := c.ChildByFieldName("name"); nm != nil {
			alias := ""
			if t := c.ChildByFieldName("type"); t != nil {
				alias = normType(x.text(t))
			}
			x.decl(&cxxDecl{kind: "using", name: x.text(nm), alias: alias}, c, outer, scope)
		}
	case "declaration", "field_declaration":
		if t := c.ChildByFieldName("type"); t != nil && isClassSpec(t.Kind()) && t.ChildByFieldName("body") != nil {
			x.class(t, outer, scope, "")
		} else if t != nil && t.Kind() == "enum_specifier" && t.ChildByFieldName("body") != nil {
			x.item(t, outer, scope, class, inClass)
		}
		if inClass {
			return
		}
		for _, d := range fieldChildren(c, "declarator") {
			fd := funcDeclarator(d)
			nm := declName(d)
			if nm == nil {
				continue
			}
			kind := "var"
			if fd != nil {
				kind = "proto"
			}
			x.decl(&cxxDecl{kind: kind, name: x.text(nm)}, c, outer, scope)
		}
	}
}

func isClassSpec(k string) bool {
	return k == "class_specifier" || k == "struct_specifier" || k == "union_specifier"
}

func appendScope(scope []string, more ...string) []string {
	out := make([]string, 0, len(scope)+len(more))
	out = append(out, scope...)
	for _, m := range more {
		if m != "" {
			out = append(out, m)
		}
	}
	return out
}

// decl records a declaration.
func (x *cxxExtract) decl(d *cxxDecl, n, outer *sitter.Node, scope []string) {
	d.start, d.end = int(outer.StartByte()), int(outer.EndByte())
	d.qual = strings.Join(appendScope(scope, d.name), "::")
	d.scopeNames = scope
	if d.text == "" {
		d.text = x.compact(outer)
	}
	// `struct S {...};`: the semicolon belongs to the declaration.
	if isClassSpec(outer.Kind()) || outer.Kind() == "enum_specifier" {
		if i := skipSpace(x.f.src, d.end); i < len(x.f.src) && x.f.src[i] == ';' {
			d.end = i + 1
			d.text += ";"
		}
	}
	d.idents = identsOf(d.text)
	x.f.decls = append(x.f.decls, d)
}

// compact is n's text with the bodies of member functions left out.
func (x *cxxExtract) compact(n *sitter.Node) string {
	var cuts []cxxSpan
	var find func(m *sitter.Node, depth int)
	find = func(m *sitter.Node, depth int) {
		for _, c := range named(m) {
			switch c.Kind() {
			case "function_definition":
				if b := c.ChildByFieldName("body"); b != nil {
					cuts = append(cuts, cxxSpan{int(b.StartByte()), int(b.EndByte())})
				}
			case "field_declaration_list", "template_declaration", "class_specifier", "struct_specifier",
				"union_specifier", "field_declaration", "declaration", "type_definition", "preproc_if", "preproc_ifdef", "preproc_else":
				if depth < 6 {
					find(c, depth+1)
				}
			}
		}
	}
	if n.Kind() != "function_definition" {
		find(n, 0)
	}
	start := int(n.StartByte())
	var b strings.Builder
	at := start
	for _, c := range cuts {
		b.Write(trimRightSpace(x.f.src[at:c.start]))
		b.WriteString(";")
		at = c.end
	}
	b.Write(x.f.src[at:n.EndByte()])
	return strings.TrimSpace(b.String())
}

func skipSpace(src []byte, i int) int {
	for i < len(src) && (src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r') {
		i++
	}
	return i
}

func trimRightSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t' || b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// class records a class, struct or union with a body and walks its members.
func (x *cxxExtract) class(c, outer *sitter.Node, scope []string, typedefName string) {
	body := c.ChildByFieldName("body")
	if body == nil {
		return
	}
	name := typedefName
	if nm := c.ChildByFieldName("name"); nm != nil {
		name = x.text(nm)
		if i := strings.IndexByte(name, '<'); i >= 0 {
			name = name[:i] // a partial specialization: the template's name
		}
		name = strings.TrimSpace(name)
	}
	d := &cxxDecl{kind: "struct", name: name, union: c.Kind() == "union_specifier", statics: map[string]bool{}, bodyOpen: int(body.StartByte()) + 1}
	d.templ = outer.Kind() == "template_declaration"
	for _, ch := range named(c) {
		if ch.Kind() == "base_class_clause" {
			d.bases = true
		}
	}
	for _, m := range named(body) {
		x.member(d, m, name)
	}
	if name != "" {
		x.decl(d, c, outer, scope)
	}
	inner := appendScope(scope, name)
	if name == "" {
		inner = scope
	}
	qual := strings.Join(inner, "::")
	for _, m := range named(body) {
		switch m.Kind() {
		case "function_definition", "template_declaration", "field_declaration", "declaration",
			"preproc_if", "preproc_ifdef", "preproc_else", "class_specifier", "struct_specifier", "union_specifier", "type_definition", "alias_declaration":
			x.item(m, m, inner, qual, true)
		}
	}
}

// member records what a class member says about the class: data members,
// constructors, static functions.
func (x *cxxExtract) member(d *cxxDecl, m *sitter.Node, class string) {
	switch m.Kind() {
	case "preproc_if", "preproc_ifdef", "preproc_else":
		for _, c := range named(m) {
			x.member(d, c, class)
		}
	case "field_declaration", "declaration", "function_definition", "template_declaration":
		if m.Kind() == "template_declaration" {
			for _, c := range named(m) {
				if c.Kind() == "function_definition" || c.Kind() == "declaration" || c.Kind() == "field_declaration" {
					x.member(d, c, class)
				}
			}
			return
		}
		static := false
		for _, c := range named(m) {
			if c.Kind() == "storage_class_specifier" && x.text(c) == "static" {
				static = true
			}
		}
		decls := fieldChildren(m, "declarator")
		for _, dn := range decls {
			fd := funcDeclarator(dn)
			nm := declName(dn)
			if nm == nil {
				continue
			}
			name := x.text(nm)
			if fd != nil {
				if name == class {
					d.ctors++
					if ps := fd.ChildByFieldName("parameters"); ps != nil && len(x.params(ps)) == 0 {
						d.defCtor = true
					}
				}
				if static {
					d.statics[name] = true
				}
				continue
			}
			if m.Kind() == "function_definition" {
				continue
			}
			typ := normType(x.withoutName(m, name))
			typ = strings.TrimSuffix(typ, ";")
			if i := strings.Index(typ, "="); i >= 0 {
				typ = strings.TrimSpace(typ[:i]) // a default member initializer
			}
			if i := strings.Index(typ, "{"); i >= 0 {
				typ = strings.TrimSpace(typ[:i])
			}
			typ = strings.TrimSpace(strings.TrimPrefix(typ, "static "))
			if len(decls) > 1 {
				typ = x.typeOnly(m, dn)
			}
			d.fields = append(d.fields, cxxField{name: name, typ: typ, static: static})
		}
	}
}

// typeOnly is the type of one declarator of a multi-declarator declaration:
// the shared specifiers plus that declarator's own stars and brackets.
func (x *cxxExtract) typeOnly(decl, d *sitter.Node) string {
	var spec []string
	for i := uint(0); i < decl.ChildCount(); i++ {
		c := decl.Child(i)
		if decl.FieldNameForChild(uint32(i)) == "declarator" {
			break
		}
		if c.IsNamed() && c.Kind() != "comment" {
			spec = append(spec, x.text(c))
		}
	}
	nm := declName(d)
	own := x.text(d)
	if nm != nil {
		s, e := int(nm.StartByte()-d.StartByte()), int(nm.EndByte()-d.StartByte())
		own = own[:s] + own[e:]
	}
	if i := strings.Index(own, "="); i >= 0 {
		own = own[:i]
	}
	return normType(strings.Join(spec, " ") + " " + own)
}

// withoutName is n's text with its first occurrence of the declared name
// (as a declarator) removed: the type as written.
func (x *cxxExtract) withoutName(n *sitter.Node, name string) string {
	var target *sitter.Node
	for _, d := range fieldChildren(n, "declarator") {
		if nm := declName(d); nm != nil && x.text(nm) == name {
			target = nm
			break
		}
	}
	s := x.text(n)
	if target == nil {
		return s
	}
	a, b := int(target.StartByte()-n.StartByte()), int(target.EndByte()-n.StartByte())
	return s[:a] + " " + s[b:]
}

// funcDeclarator returns the function_declarator that declares the name in
// d (through pointer and reference declarators), or nil.
func funcDeclarator(d *sitter.Node) *sitter.Node {
	for n := d; n != nil; {
		switch n.Kind() {
		case "function_declarator":
			inner := n.ChildByFieldName("declarator")
			if inner != nil && funcDeclarator(inner) != nil {
				return funcDeclarator(inner) // a function returning a function pointer
			}
			if inner != nil && inner.Kind() == "parenthesized_declarator" {
				return nil // a pointer to a function: a variable
			}
			return n
		case "pointer_declarator", "reference_declarator", "init_declarator", "attributed_declarator":
			next := n.ChildByFieldName("declarator")
			if next == nil {
				for _, c := range named(n) {
					if strings.HasSuffix(c.Kind(), "declarator") {
						next = c
						break
					}
				}
			}
			n = next
		case "parenthesized_declarator":
			var next *sitter.Node
			for _, c := range named(n) {
				if strings.HasSuffix(c.Kind(), "declarator") {
					next = c
				}
			}
			n = next
		default:
			return nil
		}
	}
	return nil
}

// declName returns the node naming what d declares: an identifier, a
// qualified name, an operator or destructor name; nil for abstract
// declarators.
func declName(d *sitter.Node) *sitter.Node {
	for n := d; n != nil; {
		switch n.Kind() {
		case "identifier", "field_identifier", "type_identifier", "qualified_identifier", "destructor_name",
			"operator_name", "template_function", "operator_cast", "primitive_type":
			return n
		case "function_declarator", "pointer_declarator", "reference_declarator", "array_declarator",
			"init_declarator", "attributed_declarator", "parenthesized_declarator", "bitfield_clause":
			next := n.ChildByFieldName("declarator")
			if next == nil {
				for _, c := range named(n) {
					k := c.Kind()
					if strings.HasSuffix(k, "declarator") || k == "identifier" || k == "field_identifier" ||
						k == "qualified_identifier" || k == "operator_name" || k == "destructor_name" || k == "type_identifier" {
						next = c
						break
					}
				}
			}
			n = next
		default:
			return nil
		}
	}
	return nil
}

// function records a function definition.
func (x *cxxExtract) function(c, outer *sitter.Node, scope []string, class string, inClass bool) {
	dn := c.ChildByFieldName("declarator")
	if dn == nil {
		return
	}
	fd := funcDeclarator(dn)
	body := c.ChildByFieldName("body")
	if fd == nil || body == nil {
		return
	}
	nm := fd.ChildByFieldName("declarator")
	if nm != nil {
		nm = declName(nm)
	}
	if nm == nil {
		return
	}
	f := &cxxFunc{
		start: int(outer.StartByte()), end: int(outer.EndByte()),
		defStart: int(c.StartByte()), bodyStart: int(body.StartByte()),
		nameSpan: cxxSpan{int(nm.StartByte()), int(nm.EndByte())},
		scope:    scope, templ: outer.Kind() == "template_declaration", inClass: inClass,
	}
	declared := strings.Join(strings.Fields(x.text(nm)), "")
	parts := strings.Split(declared, "::")
	if inClass {
		f.class = class
	} else if len(parts) > 1 {
		// `double P::foo()`: a member of P when P is a class of this file,
		// else a function of namespace P.
		q := strings.Join(appendScope(scope, parts[:len(parts)-1]...), "::")
		f.class = q // resolved against the file's classes in finish
	}
	f.base = strings.Join(appendScope(scope, parts...), "::")
	// Storage classes and the return type.
	var ret []string
	for i := uint(0); i < c.ChildCount(); i++ {
		ch := c.Child(i)
		field := c.FieldNameForChild(uint32(i))
		if field == "declarator" || field == "body" {
			break
		}
		if !ch.IsNamed() {
			continue
		}
		t := x.text(ch)
		switch ch.Kind() {
		case "storage_class_specifier":
			if t == "static" {
				f.static = true
			}
			continue
		case "attribute_specifier", "attribute_declaration", "virtual", "explicit_function_specifier", "comment", "ms_declspec_modifier":
			continue
		}
		ret = append(ret, t)
	}
	for n := dn; n != nil && n.Id() != fd.Id(); {
		switch n.Kind() {
		case "pointer_declarator":
			ret = append(ret, "*")
			for _, q := range named(n) {
				if q.Kind() == "type_qualifier" {
					ret = append(ret, x.text(q))
				}
			}
		case "reference_declarator":
			if strings.HasPrefix(x.text(n), "&&") {
				ret = append(ret, "&&")
			} else {
				ret = append(ret, "&")
			}
		}
		next := n.ChildByFieldName("declarator")
		if next == nil {
			for _, ch := range named(n) {
				if strings.HasSuffix(ch.Kind(), "declarator") {
					next = ch
					break
				}
			}
		}
		n = next
	}
	f.ret = normType(strings.Join(ret, " "))
	var quals []string
	for _, ch := range named(fd) {
		switch ch.Kind() {
		case "trailing_return_type":
			f.ret = normType(strings.TrimPrefix(strings.TrimSpace(x.text(ch)), "->"))
		case "type_qualifier", "noexcept", "ref_qualifier", "virtual_specifier", "throw_specifier":
			quals = append(quals, x.text(ch))
		}
	}
	f.quals = normType(strings.Join(quals, " "))
	if ps := fd.ChildByFieldName("parameters"); ps != nil {
		f.paramsAt = cxxSpan{int(ps.StartByte()), int(ps.EndByte())}
		f.params = x.params(ps)
		for _, p := range named(ps) {
			if p.Kind() == "variadic_parameter" || p.Kind() == "variadic_parameter_declaration" {
				f.variadic = true
			}
		}
		if strings.Contains(x.text(ps), "...") {
			f.variadic = true
		}
	}
	if f.templ {
		if tp := outer.ChildByFieldName("parameters"); tp != nil {
			for _, p := range named(tp) {
				switch p.Kind() {
				case "type_parameter_declaration", "optional_type_parameter_declaration", "variadic_type_parameter_declaration":
					name := ""
					for _, ch := range named(p) {
						if ch.Kind() == "type_identifier" {
							name = x.text(ch)
						}
					}
					if n := p.ChildByFieldName("name"); n != nil {
						name = x.text(n)
					}
					f.tparams = append(f.tparams, cxxTParam{name: name, typ: p.Kind() != "variadic_type_parameter_declaration"})
				default:
					name := ""
					if d := p.ChildByFieldName("declarator"); d != nil {
						if n := declName(d); n != nil {
							name = x.text(n)
						}
					}
					f.tparams = append(f.tparams, cxxTParam{name: name})
				}
			}
		}
	}
	sigEnd := f.bodyStart
	for _, ch := range named(c) {
		if ch.Kind() == "field_initializer_list" {
			sigEnd = int(ch.StartByte()) // a constructor's initializers are not its signature
		}
	}
	f.sig = collapseSpace(string(x.f.src[f.start:sigEnd]))
	f.docStart = x.docStart(outer)
	x.f.funcs = append(x.f.funcs, f)
	x.decl(&cxxDecl{kind: "func", name: parts[len(parts)-1], text: f.sig + ";"}, c, outer, appendScope(scope, parts[:len(parts)-1]...))
}

// params reads a parameter list. `(void)` is no parameters.
func (x *cxxExtract) params(ps *sitter.Node) []cxxParam {
	var out []cxxParam
	for _, p := range named(ps) {
		switch p.Kind() {
		case "parameter_declaration", "optional_parameter_declaration", "variadic_parameter_declaration":
		default:
			continue
		}
		var prm cxxParam
		text := x.text(p)
		if d := p.ChildByFieldName("declarator"); d != nil {
			if nm := declName(d); nm != nil && nm.Kind() == "identifier" {
				prm.name = x.text(nm)
				a, b := int(nm.StartByte()-p.StartByte()), int(nm.EndByte()-p.StartByte())
				text = text[:a] + " " + text[b:]
			}
		}
		if dv := p.ChildByFieldName("default_value"); dv != nil {
			if i := strings.LastIndex(text, "="); i >= 0 {
				text = text[:i]
			}
		}
		prm.typ = normType(text)
		out = append(out, prm)
	}
	if len(out) == 1 && out[0].name == "" && out[0].typ == "void" {
		return nil
	}
	return out
}

// docStart is where the comments right above n begin (no blank line
// between), or n's start.
func (x *cxxExtract) docStart(n *sitter.Node) int {
	start := int(n.StartByte())
	for p := n.PrevSibling(); p != nil && p.Kind() == "comment"; p = p.PrevSibling() {
		gap := string(x.f.src[p.EndByte():start])
		if strings.TrimSpace(gap) != "" || strings.Count(gap, "\n") > 1 {
			break
		}
		start = int(p.StartByte())
	}
	return start
}

// finish resolves what needs the whole file: which qualified definitions
// are members of the file's classes, static members, and unique names for
// overloads.
func (x *cxxExtract) finish() {
	classes := map[string]*cxxDecl{}
	for _, d := range x.f.decls {
		if d.kind == "struct" {
			classes[d.qual] = d
		}
	}
	for _, f := range x.f.funcs {
		if f.class == "" || f.inClass {
			if d := classes[f.class]; d != nil && d.statics[lastName(f.base)] {
				f.static = true
			}
			continue
		}
		d := classes[f.class]
		if d == nil {
			// Not a class here: a namespace, or a class of a header.
			if !x.classElsewhere(f.class) {
				f.class = ""
			}
			continue
		}
		f.static = d.statics[lastName(f.base)]
	}
	// Overloads are told apart by their parameters; definitions that are
	// alike (the branches of an #ifdef) by their order: name#1, name#2.
	groups := map[string][]*cxxFunc{}
	for _, f := range x.f.funcs {
		groups[f.base] = append(groups[f.base], f)
	}
	for _, g := range groups {
		if len(g) == 1 {
			g[0].name = g[0].base
			continue
		}
		withParams := func(f *cxxFunc) string {
			var ts []string
			for _, p := range f.params {
				ts = append(ts, p.typ)
			}
			n := f.base + "(" + strings.Join(ts, ", ") + ")"
			if f.quals != "" {
				n += " " + f.quals
			}
			return n
		}
		distinct := map[string]int{}
		for _, f := range g {
			distinct[withParams(f)]++
		}
		seen := map[string]int{}
		for i, f := range g {
			switch {
			case len(distinct) == 1:
				f.name = fmt.Sprintf("%s#%d", f.base, i+1)
			default:
				f.name = withParams(f)
				seen[f.name]++
				if distinct[f.name] > 1 {
					f.name += fmt.Sprintf("#%d", seen[f.name])
				}
			}
		}
	}
}

// classElsewhere guesses whether a qualifier names a class declared in a
// header rather than a namespace: namespaces of this file are known.
func (x *cxxExtract) classElsewhere(q string) bool {
	for _, f := range x.f.funcs {
		if strings.Join(f.scope, "::") == q {
			return false
		}
	}
	for _, d := range x.f.decls {
		if strings.Join(d.scopeNames, "::") == q {
			return false
		}
	}
	return x.f.lang == "cpp" && !strings.Contains(q, "std")
}

func lastName(q string) string {
	if i := strings.LastIndex(q, "::"); i >= 0 {
		return q[i+2:]
	}
	return q
}

// collapseSpace turns runs of white space into one space.
func collapseSpace(s string) string { return strings.Join(strings.Fields(s), " ") }

// normType normalizes a type as written: one space only between two words,
// so `const double *` and `const double*` compare equal.
func normType(s string) string {
	toks := cxxTokens(s)
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && isWordTok(toks[i-1]) && isWordTok(t) {
			b.WriteByte(' ')
		}
		b.WriteString(t)
	}
	return b.String()
}

func isWordTok(t string) bool {
	c := t[0]
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// cxxTokens splits C++ text into identifiers, numbers and punctuation,
// dropping comments and white space. `::`, `&&`, `->` and `...` are single
// tokens; `>>` is two, as in nested template arguments.
func cxxTokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '/' && i+1 < len(s) && s[i+1] == '/':
			for i < len(s) && s[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(s) && s[i+1] == '*':
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				i = len(s)
			} else {
				i += j + 4
			}
		case isWordTok(string(c)):
			j := i
			for j < len(s) && isWordTok(string(s[j])) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		case c == '"' || c == '\'':
			j := i + 1
			for j < len(s) && s[j] != c {
				if s[j] == '\\' {
					j++
				}
				j++
			}
			j = min(j+1, len(s))
			out = append(out, s[i:j])
			i = j
		default:
			for _, p := range []string{"::", "&&", "->", "..."} {
				if strings.HasPrefix(s[i:], p) {
					out = append(out, p)
					i += len(p)
					goto next
				}
			}
			out = append(out, s[i:i+1])
			i++
		next:
		}
	}
	return out
}

// identsOf lists the distinct identifiers of C++ text (outside comments
// and literals), in order of first appearance.
func identsOf(s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range cxxTokens(s) {
		if c := t[0]; c >= '0' && c <= '9' || !isWordTok(t) || seen[t] {
			continue
		}
		seen[t] = true
		out = append(out, t)
	}
	return out
}

func (l Lang) Funcs(file string, src []byte) ([]*core.Func, error) {
	f, err := readCxxFile(file, src, l.lang)
	if err != nil {
		return nil, err
	}
	out := make([]*core.Func, 0, len(f.funcs))
	for _, fn := range f.funcs {
		out = append(out, f.newFunc(fn))
	}
	return out, nil
}

func (f *cxxFile) newFunc(fn *cxxFunc) *core.Func {
	return &core.Func{
		Name:      fn.name,
		Lang:      f.lang,
		File:      f.path,
		Start:     fn.start,
		End:       fn.end,
		Source:    string(f.src[fn.start:fn.end]),
		Signature: fn.sig,
		Context:   f.context(fn),
		DocStart:  fn.docStart,
	}
}

// context is what a model needs next to the function's source: the file's
// includes and using-directives, and the declarations the function uses
// (its class first), compactly.
func (f *cxxFile) context(fn *cxxFunc) string {
	var b strings.Builder
	for _, s := range f.includes {
		b.WriteString(strings.TrimSpace(string(f.src[s.start:s.end])))
		b.WriteByte('\n')
	}
	for _, s := range f.usings {
		b.WriteString(strings.TrimSpace(string(f.src[s.start:s.end])))
		b.WriteByte('\n')
	}
	if f.byName == nil {
		f.byName, f.classes = map[string][]*cxxDecl{}, map[string]bool{}
		for _, d := range f.decls {
			f.byName[d.name] = append(f.byName[d.name], d)
			if d.kind == "struct" {
				f.classes[d.qual] = true
			}
		}
	}
	byName, classes := f.byName, f.classes
	picked := map[*cxxDecl]bool{}
	seen := map[string]bool{}
	var visit func(idents []string, depth int)
	visit = func(idents []string, depth int) {
		for _, id := range idents {
			if seen[id] {
				continue
			}
			seen[id] = true
			for _, d := range byName[id] {
				if d.start <= fn.start && d.end >= fn.end {
					continue // the function itself, or its class (added below)
				}
				if d.kind == "func" && len(d.scopeNames) > 0 && classes[strings.Join(d.scopeNames, "::")] {
					continue // a member defined out of its class: the class shows it
				}
				picked[d] = true
				if depth < 2 && d.kind != "func" && d.kind != "proto" {
					visit(d.idents, depth+1)
				}
			}
		}
	}
	if fn.class != "" {
		for _, d := range f.decls {
			if d.kind == "struct" && d.qual == fn.class {
				picked[d] = true
				seen[d.name] = true
				visit(d.idents, 1)
			}
		}
	}
	visit(identsOf(string(f.src[fn.start:fn.end])), 0)
	var ds []*cxxDecl
	for d := range picked {
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i].start < ds[j].start })
	// A declaration inside another picked one (a nested struct) is shown
	// by its parent.
	var top []*cxxDecl
	for _, d := range ds {
		if len(top) > 0 && d.start >= top[len(top)-1].start && d.end <= top[len(top)-1].end {
			continue
		}
		top = append(top, d)
	}
	if len(top) > 0 {
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "// Declared in %s and used by %s:\n", filepath.Base(f.path), fn.name)
		const maxLen = 8 << 10
		for _, d := range top {
			text := d.text
			if len(d.scopeNames) > 0 {
				text = "// in " + strings.Join(d.scopeNames, "::") + ":\n" + text
			}
			if b.Len()+len(text) > maxLen {
				b.WriteString("// ... (cut)\n")
				break
			}
			b.WriteString(text)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// Match resolves Target.Func for C and C++: the exact name; the same with
// `.` for `::` (FILE:FUNC cannot hold `::` on the command line) and
// spaces ignored; then a name that ends the qualified name of exactly one
// function (`sum` for `ns::sum`, `P::len` for `ns::P::len`), overloads
// told apart by a parameter list.
func (Lang) Match(t core.Target, fs []*core.Func) (*core.Func, error) {
	want := strings.TrimSpace(t.Func)
	for _, f := range fs {
		if f.Name == want {
			return f, nil
		}
	}
	w := normFuncName(want)
	for _, f := range fs {
		if normFuncName(f.Name) == w {
			return f, nil
		}
	}
	var loose []*core.Func
	for _, f := range fs {
		name := normFuncName(f.Name)
		if !strings.Contains(w, "(") {
			if i := strings.IndexByte(name, '('); i >= 0 {
				name = name[:i]
			}
		}
		if i := strings.IndexByte(name, '#'); i >= 0 && !strings.Contains(w, "#") {
			name = name[:i]
		}
		if name == w || strings.HasSuffix(name, "::"+w) {
			loose = append(loose, f)
		}
	}
	return core.PickLoose(t, fs, loose)
}

// normFuncName spells a C++ name one way: `::` between parts, no spaces
// outside parameter lists.
func normFuncName(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "::")
	head, params, hasParams := strings.Cut(s, "(")
	head = strings.Join(strings.Fields(head), "")
	if !strings.Contains(head, "operator") {
		head = strings.ReplaceAll(head, ".", "::")
	}
	if !hasParams {
		return head
	}
	return head + "(" + normType("(" + params)[1:]
}
