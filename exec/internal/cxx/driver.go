package cxx

import (
	_ "embed"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// cxxRuntime is the fixed part of the generated driver (C++17).
//
//go:embed driver.hpp
var cxxRuntime string

// Names of the driver's files in the work directory.
const (
	cxxRuntimeFile = "lessonl_driver.hpp"
	cxxDriverFile  = "lessonl_driver.cpp"
)

type argRole int

const (
	roleValue argRole = iota // a value (by value or by reference)
	roleBuf                  // a pointer whose element count is another parameter
	roleLen                  // that count
	roleOne                  // a pointer to one element
	roleFixed                // a pointer declared `T x[N]`
	roleCStr                 // a char pointer without a count: a C string
)

type cxxArg struct {
	name  string // as declared, or "#i"
	t     *cType
	role  argRole
	lenOf int // roleBuf: index of the count
	out   bool
}

// cxxPlan is how the driver calls a function on generated inputs.
type cxxPlan struct {
	fn        *cxxFunc
	lang      string // "c": the function is reached through an extern "C" entry
	args      []cxxArg
	recv      *cType // a method's object, or nil
	recvOut   bool   // a non-const method: the object is compared after the call
	ret       *cType // nil: void, or deduced (auto) and left to the compiler
	retVoid   bool
	retPtr    bool
	tmplArgs  []string
	structs   []*cxxDecl
	mutates   bool
	callPath  string // qualified name inside the namespace: ns::sum, ns::P::make
	entryRet  string // C: the entry's return type in C++
	entryArgs []string
}

var lengthNames = map[string]bool{
	"n": true, "N": true, "len": true, "length": true, "size": true, "count": true, "num": true, "cnt": true,
	"sz": true, "nelem": true, "nelems": true, "m": true, "M": true, "k": false, "nx": true, "ny": true,
}

func lengthLike(name string) bool {
	if lengthNames[name] {
		return true
	}
	l := strings.ToLower(name)
	return strings.HasPrefix(l, "n_") || strings.HasPrefix(l, "num") || strings.HasSuffix(l, "_len") ||
		strings.HasSuffix(l, "len") || strings.HasSuffix(l, "size") || strings.HasSuffix(l, "count") ||
		strings.HasSuffix(l, "_n")
}

func isInt(t *cType) bool {
	return t.kind == cScalar && (t.class == "int" || t.class == "uint") && !t.ref
}

// planCxx decides how the driver calls fn, or says why it cannot.
func planCxx(f *cxxFile, fn *cxxFunc, s *cxxSettings) (*cxxPlan, error) {
	short := lastName(fn.base)
	switch {
	case fn.variadic:
		return nil, fmt.Errorf("it takes a variable number of arguments")
	case strings.HasPrefix(short, "operator") || strings.HasPrefix(short, "~"):
		return nil, fmt.Errorf("operators and destructors are not called by the generated driver")
	case fn.class != "" && lastName(fn.class) == short:
		return nil, fmt.Errorf("constructors are not called by the generated driver")
	case short == "main" && fn.class == "":
		return nil, fmt.Errorf("main is a program, not a function to call")
	}
	p := &cxxPlan{fn: fn, lang: f.lang}
	tmpl := map[string]string{}
	for i, tp := range fn.tparams {
		if !tp.typ {
			return nil, fmt.Errorf("template parameter %s is not a type; the driver only chooses types (template_args in lessonl.toml)", tp.name)
		}
		a := "int"
		if n := len(s.templateArgs); n > 0 {
			a = s.templateArgs[min(i, n-1)]
		}
		tmpl[tp.name] = a
		p.tmplArgs = append(p.tmplArgs, a)
	}
	if fn.templ && len(fn.tparams) == 0 {
		return nil, fmt.Errorf("it is an explicit specialization of a template")
	}
	r := newCTypes(f, tmpl)
	p.callPath = fn.base
	if fn.class != "" {
		d := findClass(f, fn.class)
		if d == nil {
			return nil, fmt.Errorf("it is a member of %s, which is declared in another file", fn.class)
		}
		if !fn.static {
			t, err := r.structType(d, d.qual)
			if err != nil {
				return nil, fmt.Errorf("its object: %w", err)
			}
			p.recv = t
			p.recvOut = !strings.Contains(" "+fn.quals+" ", " const ")
			p.mutates = p.recvOut
		}
		p.callPath = d.qual + "::" + short
	}
	for i, prm := range fn.params {
		name := prm.name
		if name == "" {
			name = fmt.Sprintf("#%d", i+1)
		}
		t, err := r.parse(prm.typ)
		if err != nil {
			return nil, fmt.Errorf("parameter %s: %w", name, err)
		}
		if t.kind == cVoid {
			return nil, fmt.Errorf("parameter %s: void", name)
		}
		if t.kind == cPointer {
			e := t.elem
			// A C struct is plain data: an array of them is generated like
			// one of numbers.
			if e.kind == cVoid || e.kind == cStruct && p.lang != "c" || e.kind == cVector || e.kind == cString || e.kind == cArray || e.kind == cStringView || e.kind == cPair {
				return nil, fmt.Errorf("parameter %s: pointers to %s are not generated", name, e)
			}
		}
		p.args = append(p.args, cxxArg{name: name, t: t})
	}
	pairLengths(p.args)
	for i := range p.args {
		a := &p.args[i]
		switch a.role {
		case roleBuf, roleOne, roleFixed, roleCStr:
			a.out = !a.t.cnst
		case roleValue:
			a.out = a.t.ref && !a.t.cnst
		}
		if a.out {
			p.mutates = true
		}
	}
	if p.lang == "c" {
		for _, a := range p.args {
			if a.name[0] == '#' {
				return nil, fmt.Errorf("parameter %s has no name", a.name)
			}
		}
	}
	// The result.
	ret := strings.TrimSpace(fn.ret)
	switch {
	case ret == "void":
		p.retVoid = true
	case ret == "auto" || ret == "decltype(auto)" || strings.HasPrefix(ret, "auto"):
		if p.lang == "c" {
			return nil, fmt.Errorf("its result type is deduced")
		}
	default:
		t, err := r.parse(ret)
		if err != nil {
			return nil, fmt.Errorf("its result: %w", err)
		}
		switch {
		case t.kind == cVoid:
			p.retVoid = true
		case t.kind == cPointer:
			p.retPtr = true
			p.ret = t
		case t.kind == cStringView:
			return nil, fmt.Errorf("its result is a std::string_view, which may point into the arguments")
		default:
			p.ret = t
		}
	}
	if p.lang == "c" {
		p.entryRet = "void"
		if p.ret != nil {
			p.entryRet = cSpell(p.ret)
		}
		for _, a := range p.args {
			p.entryArgs = append(p.entryArgs, cSpell(a.t))
		}
	}
	seen := map[*cxxDecl]bool{}
	for _, a := range p.args {
		p.structs = a.t.structs(p.structs, seen)
	}
	p.structs = p.recv.structs(p.structs, seen)
	p.structs = p.ret.structs(p.structs, seen)
	return p, nil
}

// cSpell spells a C parameter or result type in C++ (for the extern "C"
// declaration of the entry).
func cSpell(t *cType) string {
	switch t.kind {
	case cPointer:
		c := ""
		if t.cnst {
			c = "const "
		}
		return c + t.elem.spell("") + "*"
	}
	return t.spell("")
}

func findClass(f *cxxFile, qual string) *cxxDecl {
	for _, d := range f.decls {
		if d.kind == "struct" && d.qual == qual {
			return d
		}
	}
	return nil
}

// pairLengths finds the element count of each pointer parameter: a run of
// pointers followed by an integer (or preceded by an integer named like a
// count) shares it; a char pointer without one is a C string; any other
// pointer without one points to one element.
func pairLengths(args []cxxArg) {
	for i := 0; i < len(args); {
		a := &args[i]
		if a.t.kind != cPointer || a.role != roleValue {
			i++
			continue
		}
		if a.t.n > 0 {
			a.role = roleFixed
			i++
			continue
		}
		j := i
		for j < len(args) && args[j].t.kind == cPointer && args[j].t.n == 0 {
			j++
		}
		// An earlier integer named like a count (`int n, double a, double* x`).
		before := -1
		for k := i - 1; k >= 0 && args[k].t.kind != cPointer; k-- {
			if isInt(args[k].t) && args[k].role == roleValue && lengthLike(args[k].name) {
				before = k
				break
			}
		}
		count := -1
		switch {
		case j < len(args) && isInt(args[j].t) && args[j].role == roleValue &&
			(lengthLike(args[j].name) || args[j].t.name == "std::size_t"):
			count = j
		case before >= 0:
			count = before
		case j < len(args) && isInt(args[j].t) && args[j].role == roleValue:
			count = j
		}
		for k := i; k < j; k++ {
			b := &args[k]
			switch {
			case count >= 0:
				b.role, b.lenOf = roleBuf, count
			case b.t.elem.kind == cScalar && b.t.elem.name == "char":
				b.role = roleCStr
			default:
				b.role = roleOne
			}
		}
		if count >= 0 {
			args[count].role = roleLen
		}
		i = j
	}
}

// describe says in words how the driver calls the function, for reports.
func (p *cxxPlan) describe() string {
	var parts []string
	for _, a := range p.args {
		switch a.role {
		case roleBuf:
			parts = append(parts, fmt.Sprintf("%s: %s elements, counted by %s", a.name, a.t.elem, p.args[a.lenOf].name))
		case roleOne:
			parts = append(parts, fmt.Sprintf("%s: one %s", a.name, a.t.elem))
		case roleCStr:
			parts = append(parts, a.name+": a C string")
		}
	}
	return strings.Join(parts, "; ")
}

// sideNamespaces are where the driver sees the file's types: in C++ each
// copy has its own namespace; a C file's structs are declared once.
func sideNamespaces(lang string) []string {
	if lang == "c" {
		return []string{""}
	}
	return []string{"::lessonl_orig", "::lessonl_var"}
}

// cxxDriverSource writes the generated part of the driver: the two
// copies of the file (C++: each in its own namespace; C: compiled apart and
// reached through their entries), the file's structs' traits, the
// arguments and the calls.
func cxxDriverSource(f *cxxFile, p *cxxPlan, s *cxxSettings, origCopy, varCopy string, extraIncludes []string) string {
	var b strings.Builder
	b.WriteString("// Generated by lessonl: the differential check and timing driver.\n")
	fmt.Fprintf(&b, "#include %q\n", cxxRuntimeFile)
	if p.lang == "c" {
		// The copies are compiled apart: the structs their entries take
		// are declared here once, in source order (C's are C++ too).
		decls := append([]*cxxDecl(nil), p.structs...)
		sort.Slice(decls, func(i, j int) bool { return decls[i].start < decls[j].start })
		for _, d := range decls {
			fmt.Fprintf(&b, "%s;\n", strings.TrimSpace(string(f.src[d.start:d.end])))
		}
		fmt.Fprintf(&b, "extern \"C\" %s lessonl_orig_entry(%s);\n", p.entryRet, strings.Join(p.entryArgs, ", "))
		fmt.Fprintf(&b, "extern \"C\" %s lessonl_var_entry(%s);\n", p.entryRet, strings.Join(p.entryArgs, ", "))
	} else {
		// The file's includes at global scope first: inside the namespaces
		// below their guards make them empty.
		for _, in := range f.includes {
			b.WriteString(strings.TrimSpace(string(f.src[in.start:in.end])) + "\n")
		}
		for _, in := range extraIncludes {
			b.WriteString(in + "\n")
		}
		b.WriteString("struct lessonl_access;\n")
		fmt.Fprintf(&b, "namespace lessonl_orig {\n#include %q\n}\n", origCopy)
		if f.guard != "" {
			fmt.Fprintf(&b, "#undef %s\n", f.guard)
		}
		fmt.Fprintf(&b, "namespace lessonl_var {\n#include %q\n}\n", varCopy)
	}
	if s.rtol > 0 {
		fmt.Fprintf(&b, "static const bool lessonl_tol_set = (lessonl::rtol64 = %s, lessonl::rtol32 = lessonl::max_of((long double)%s, lessonl::rtol32), true);\n", ldbl(s.rtol), ldbl(s.rtol))
	}
	if s.atol > 0 {
		fmt.Fprintf(&b, "static const bool lessonl_atol_set = (lessonl::atol64 = %s, lessonl::atol32 = lessonl::max_of((long double)%s, lessonl::atol32), true);\n", ldbl(s.atol), ldbl(s.atol))
	}
	// The file's structs: filled, compared and shown member by member.
	if len(p.structs) > 0 {
		b.WriteString("struct lessonl_access {\n")
		for i, d := range p.structs {
			fields := d.dataFields()
			fmt.Fprintf(&b, "  template <class S> static void gen_%d(lessonl::Gen& g, S& v, int d) {\n", i)
			// A struct is not a container: its members are as long as
			// a plain argument would be (recursion ends in containers).
			for _, fd := range fields {
				fmt.Fprintf(&b, "    lessonl::gen(g, v.%s, d);\n", fd.name)
			}
			b.WriteString("  }\n")
			fmt.Fprintf(&b, "  template <class A, class B> static bool eq_%d(const A& a, const B& b, std::string& w) {\n", i)
			for _, fd := range fields {
				fmt.Fprintf(&b, "    if (!lessonl::eq(a.%s, b.%s, w)) { w = \".%s\" + w; return false; }\n", fd.name, fd.name, fd.name)
			}
			b.WriteString("    return true;\n  }\n")
			fmt.Fprintf(&b, "  template <class S> static void show_%d(std::string& o, const S& v) {\n    o += \"{\";\n", i)
			for k, fd := range fields {
				sep := ", "
				if k == 0 {
					sep = ""
				}
				fmt.Fprintf(&b, "    o += %q; lessonl::show(o, v.%s);\n", sep+fd.name+": ", fd.name)
			}
			b.WriteString("    o += \"}\";\n  }\n")
		}
		b.WriteString("};\nnamespace lessonl {\n")
		for i, d := range p.structs {
			for _, ns := range sideNamespaces(p.lang) {
				t := ns + "::" + d.qual
				fmt.Fprintf(&b, "template <> struct Tr<%s> {\n", t)
				fmt.Fprintf(&b, "  static void gen(Gen& g, %s& v, int d) { ::lessonl_access::gen_%d(g, v, d); }\n", t, i)
				fmt.Fprintf(&b, "  template <class B> static bool eq(const %s& a, const B& b, std::string& w) { return ::lessonl_access::eq_%d(a, b, w); }\n", t, i)
				fmt.Fprintf(&b, "  static void show(std::string& o, const %s& v) { ::lessonl_access::show_%d(o, v); }\n};\n", t, i)
			}
		}
		b.WriteString("}  // namespace lessonl\n")
	}
	// The two sides: the types of the file's structs, and the call.
	for side, ns := range []string{"::lessonl_orig", "::lessonl_var"} {
		if p.lang == "c" {
			ns = "" // one copy of each struct, at global scope
		}
		name := []string{"lessonl_side_orig", "lessonl_side_var"}[side]
		fmt.Fprintf(&b, "struct %s {\n", name)
		if p.recv != nil {
			fmt.Fprintf(&b, "  typedef %s Recv;\n", p.recv.spell(ns))
		}
		for i, a := range p.args {
			fmt.Fprintf(&b, "  typedef %s A%d;\n", storageType(a, ns), i)
		}
		fmt.Fprintf(&b, "  template <class A> static auto call(A& a) {\n    return lessonl::result([&]() -> decltype(auto) {\n")
		call := p.callExpr(side, ns)
		if p.retPtr {
			var spans []string
			for i, a := range p.args {
				switch a.role {
				case roleBuf, roleOne, roleFixed, roleCStr:
					spans = append(spans, fmt.Sprintf("lessonl::span_of(%q, a.a%d)", a.name, i))
				case roleValue:
					if a.t.kind == cVector && !(a.t.elem.kind == cScalar && a.t.elem.class == "bool") || a.t.kind == cArray || a.t.kind == cString {
						spans = append(spans, fmt.Sprintf("lessonl::span_of(%q, a.a%d)", a.name, i))
					}
				}
			}
			fmt.Fprintf(&b, "      auto* lessonl_p = %s;\n      return lessonl::locate(lessonl_p%s);\n", call, prefixAll(", ", spans))
		} else {
			fmt.Fprintf(&b, "      return %s;\n", call)
		}
		b.WriteString("    });\n  }\n};\n")
	}
	// The arguments.
	b.WriteString("template <class S> struct lessonl_args {\n")
	fmt.Fprintf(&b, "  static constexpr bool mutates = %t;\n", p.mutates)
	if p.recv != nil {
		b.WriteString("  typename S::Recv recv{};\n")
	}
	for i := range p.args {
		fmt.Fprintf(&b, "  typename S::A%d a%d{};\n", i, i)
	}
	b.WriteString("  void gen(lessonl::Gen& g) {\n")
	if p.recv != nil {
		b.WriteString("    lessonl::gen(g, recv, 0);\n")
	}
	for i, a := range p.args {
		switch a.role {
		case roleValue:
			fmt.Fprintf(&b, "    lessonl::gen(g, a%d, 0);\n", i)
		case roleBuf:
			// The count is drawn with the first pointer it measures.
			if first := firstBuf(p.args, a.lenOf); first == i {
				fmt.Fprintf(&b, "    std::size_t n%d = g.length(0);\n    a%d = (typename S::A%d)n%d;\n", a.lenOf, a.lenOf, a.lenOf, a.lenOf)
			}
			fmt.Fprintf(&b, "    a%d.gen(g, n%d, 0);\n", i, a.lenOf)
		case roleOne:
			fmt.Fprintf(&b, "    a%d.gen(g, 1, 0);\n", i)
		case roleFixed:
			fmt.Fprintf(&b, "    a%d.gen(g, %d, 0);\n", i, a.t.n)
		case roleCStr:
			fmt.Fprintf(&b, "    a%d.gen(g, 0);\n", i)
		case roleLen:
			if firstBuf(p.args, i) < 0 {
				fmt.Fprintf(&b, "    lessonl::gen(g, a%d, 0);\n", i)
			}
		}
	}
	b.WriteString("  }\n")
	b.WriteString("  std::string show() const {\n    std::string o;\n")
	sep := ""
	if p.recv != nil {
		b.WriteString("    o += \"this=\"; { std::size_t at = o.size(); lessonl::show(o, recv); lessonl::cut(o, at); }\n")
		sep = ", "
	}
	for i, a := range p.args {
		fmt.Fprintf(&b, "    o += %q; { std::size_t at = o.size(); lessonl::show(o, a%d); lessonl::cut(o, at); }\n", sep+a.name+"=", i)
		sep = ", "
	}
	if p.recv == nil && len(p.args) == 0 {
		b.WriteString("    o = \"(no arguments)\";\n")
	}
	b.WriteString("    return o;\n  }\n")
	b.WriteString("  auto call() { return S::call(*this); }\n")
	b.WriteString("  template <class B> bool eq_after(const B& b, std::string& w, std::string& oa, std::string& va) const {\n")
	if p.recvOut {
		b.WriteString("    if (!lessonl::eq(recv, b.recv, w)) { w = \"this\" + w; oa = \"the object after the call: \" + lessonl::shown(recv); va = \"the object after the call: \" + lessonl::shown(b.recv); return false; }\n")
	}
	for i, a := range p.args {
		if !a.out {
			continue
		}
		fmt.Fprintf(&b, "    if (!lessonl::eq(a%d, b.a%d, w)) { w = %q + w; oa = %q + lessonl::shown(a%d); va = %q + lessonl::shown(b.a%d); return false; }\n",
			i, i, a.name, a.name+" after the call: ", i, a.name+" after the call: ", i)
	}
	b.WriteString("    (void)b; (void)w; (void)oa; (void)va;\n    return true;\n  }\n};\n")
	b.WriteString("int main(int argc, char** argv) {\n  return lessonl::main<lessonl_args<lessonl_side_orig>, lessonl_args<lessonl_side_var>>(argc, argv);\n}\n")
	return b.String()
}

func ldbl(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) + "L" }

func prefixAll(sep string, xs []string) string {
	if len(xs) == 0 {
		return ""
	}
	return sep + strings.Join(xs, sep)
}

func firstBuf(args []cxxArg, count int) int {
	for i, a := range args {
		if a.role == roleBuf && a.lenOf == count {
			return i
		}
	}
	return -1
}

// storageType is the type of the member that holds an argument.
func storageType(a cxxArg, ns string) string {
	switch a.role {
	case roleBuf, roleOne, roleFixed:
		return "lessonl::Buf<" + a.t.elem.spell(ns) + ">"
	case roleCStr:
		return "lessonl::CStr"
	}
	v := *a.t
	v.ref, v.cnst = false, false
	return v.spell(ns)
}

// callExpr is the call of one side's function with the members of `a`.
func (p *cxxPlan) callExpr(side int, ns string) string {
	var args []string
	for i, a := range p.args {
		switch a.role {
		case roleBuf, roleOne, roleFixed, roleCStr:
			args = append(args, fmt.Sprintf("a.a%d.data()", i))
		default:
			args = append(args, fmt.Sprintf("a.a%d", i))
		}
	}
	list := "(" + strings.Join(args, ", ") + ")"
	if p.lang == "c" {
		return []string{"lessonl_orig_entry", "lessonl_var_entry"}[side] + list
	}
	targs := ""
	if len(p.tmplArgs) > 0 {
		targs = "<" + strings.Join(p.tmplArgs, ", ") + ">"
	}
	if p.recv != nil {
		t := ""
		if targs != "" {
			t = "template "
		}
		return "a.recv." + t + lastName(p.fn.base) + targs + list
	}
	return ns + "::" + p.callPath + targs + list
}

// cxxEntry is the C entry appended to a copy of a C file: the only symbol
// of the object left global, so both copies link into one driver.
func cxxEntry(f *cxxFile, fn *cxxFunc, name string) string {
	params := string(f.src[fn.paramsAt.start:fn.paramsAt.end])
	var names []string
	for _, p := range fn.params {
		names = append(names, p.name)
	}
	call := lastName(fn.base) + "(" + strings.Join(names, ", ") + ")"
	body := "return " + call + ";"
	if strings.TrimSpace(fn.ret) == "void" {
		body = call + ";"
	}
	return fmt.Sprintf("\n#line 1 \"lessonl-entry\"\n%s %s%s { %s }\n", fn.ret, name, params, body)
}
