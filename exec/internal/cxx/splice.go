package cxx

import (
	"bytes"
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/lessonl/lessonl/exec/internal/core"
)

// cxxSplice is a variant put in place of the original function, in copies
// of the file: the user's file is never written.
type cxxSplice struct {
	orig     []byte   // the original file, its lines numbered as its own (#line)
	variant  []byte   // the file with the variant in place; #line directives name the variant's lines
	apply    []byte   // the same without bookkeeping: what an editor writes
	includes []string // #include lines the variant adds (they go at the top)
	replaced []string // other functions of the file the variant rewrote
	vfn      *cxxFunc // the variant's definition of the function, as parsed from the variant
}

// cxxEdit replaces src[start:end] (an insertion when equal) by text, which
// starts on line vline of the variant.
type cxxEdit struct {
	start, end int
	text       string
	vline      int
	insert     bool
	sep        string // written after an insertion without #line directives
	raw        bool   // written as it is, #line directives and all
}

// variantName is how the variant is called in compiler messages.
func cxxVariantName(f *cxxFile) string {
	ext := filepath.Ext(f.path)
	if ext == "" {
		ext = ".cpp"
	}
	return "variant" + ext
}

// spliceCxx puts variant (a model's answer: the function, maybe with
// helpers, #includes, the types restated, or the whole file) in place of
// fn. Problems of the variant are *spliceError (verdict build_failed).
func spliceCxx(f *cxxFile, fn *cxxFunc, variant string) (*cxxSplice, error) {
	code := core.ExtractCode(variant)
	vf, err := readCxxFile(cxxVariantName(f), []byte(code), f.lang)
	if err != nil {
		return nil, core.SpliceErrorf("the variant does not parse: %v", err)
	}
	vfn := pickVariantFunc(fn, vf)
	if vfn == nil {
		why := fmt.Sprintf("the variant has no definition of %s; answer with the whole function (same name and signature)", fn.base)
		if vf.errors {
			why = fmt.Sprintf("the variant does not parse as %s and has no definition of %s that could be found", langTitle(f.lang), fn.base)
		}
		return nil, core.SpliceErrorf("%s", why)
	}
	if a, b := sigKey(f, fn, nil), sigKey(vf, vfn, tparamRename(vfn, fn)); a != b {
		return nil, core.SpliceErrorf("the variant changes the signature: the original is `%s`, the variant `%s`; keep the signature exactly", fn.sig, vfn.sig)
	}
	sp := &cxxSplice{vfn: vfn}
	var edits []cxxEdit
	// The function itself, under the original's name as declared (so a
	// method written in or out of its class lands right).
	vtext := string(vf.src[vfn.start:vfn.nameSpan.start]) + string(f.src[fn.nameSpan.start:fn.nameSpan.end]) + string(vf.src[vfn.nameSpan.end:vfn.end])
	edits = append(edits, cxxEdit{start: fn.start, end: fn.end, text: vtext, vline: lineOf(vf.src, vfn.start)})

	insertAt := helperPoint(f, fn)
	origFuncs := map[string][]*cxxFunc{}
	for _, o := range f.funcs {
		origFuncs[lastName(o.base)] = append(origFuncs[lastName(o.base)], o)
	}
	origDecls := map[string][]*cxxDecl{}
	for _, d := range f.decls {
		if d.kind != "func" {
			origDecls[d.name] = append(origDecls[d.name], d)
		}
	}
	// Items nested in another item of the variant go with it.
	var tops []cxxSpan
	var helpers []cxxEdit
	contained := func(s cxxSpan) bool {
		for _, t := range tops {
			if s.start >= t.start && s.end <= t.end && s != t {
				return true
			}
		}
		return false
	}
	for _, d := range vf.decls {
		if d.kind != "func" {
			tops = append(tops, cxxSpan{d.start, d.end})
		}
	}
	for _, vx := range vf.funcs {
		tops = append(tops, cxxSpan{vx.start, vx.end})
	}
	replacedAt := map[int]bool{}
	for _, vx := range vf.funcs {
		if vx == vfn || contained(cxxSpan{vx.start, vx.end}) {
			continue
		}
		short := lastName(vx.base)
		if short == "main" && vx.class == "" {
			continue // a demo main
		}
		text := string(vf.src[vx.start:vx.end])
		if o := matchOrigFunc(f, origFuncs[short], vf, vx); o != nil {
			if o == fn {
				continue // a second definition of the target: the first one wins
			}
			if sameTokens(string(f.src[o.start:o.end]), text) || replacedAt[o.start] {
				continue // restated as it is
			}
			if o.start <= fn.start && o.end >= fn.end {
				continue
			}
			replacedAt[o.start] = true
			sp.replaced = append(sp.replaced, o.name)
			edits = append(edits, cxxEdit{start: o.start, end: o.end, text: text, vline: lineOf(vf.src, vx.start)})
			continue
		}
		helpers = append(helpers, cxxEdit{start: insertAt, end: insertAt, text: text, vline: lineOf(vf.src, vx.start), insert: true, sep: "\n\n"})
	}
	for _, d := range vf.decls {
		if d.kind == "func" || contained(cxxSpan{d.start, d.end}) {
			continue
		}
		text := string(vf.src[d.start:d.end])
		if d.start <= vfn.start && d.end >= vfn.end {
			// The target's class, restated around it: only the function is taken.
			if o := sameDecl(origDecls[d.name], d); o != nil || d.kind == "struct" {
				if o != nil && o.kind == "struct" && !sameTokens(o.text, d.text) && !sameTokens(withoutFunc(o.text, fn), withoutFunc(d.text, vfn)) {
					return nil, core.SpliceErrorf("the variant changes %s %s, declared in %s; keep the file's types as they are (a variant may only add new ones under new names)", kindWord(d), d.qual, filepath.Base(f.path))
				}
				continue
			}
		}
		if os := origDecls[d.name]; len(os) > 0 {
			if o := sameDecl(os, d); o != nil {
				continue // restated
			}
			switch d.kind {
			case "struct", "enum", "typedef", "using":
				return nil, core.SpliceErrorf("the variant changes %s %s, declared in %s; keep the file's types as they are, or declare new ones under new names", kindWord(d), d.qual, filepath.Base(f.path))
			case "var":
				o := os[0]
				if o.start <= fn.start && o.end >= fn.end {
					break
				}
				edits = append(edits, cxxEdit{start: o.start, end: o.end, text: text, vline: lineOf(vf.src, d.start)})
				continue
			case "proto":
				continue // a declaration of something the file has
			}
		}
		helpers = append(helpers, cxxEdit{start: insertAt, end: insertAt, text: text, vline: lineOf(vf.src, d.start), insert: true, sep: "\n\n"})
	}
	// using-directives the file lacks.
	have := map[string]bool{}
	for _, u := range f.usings {
		have[normType(string(f.src[u.start:u.end]))] = true
	}
	for _, u := range vf.usings {
		t := string(vf.src[u.start:u.end])
		if !have[normType(t)] {
			have[normType(t)] = true
			helpers = append(helpers, cxxEdit{start: insertAt, end: insertAt, text: t, vline: lineOf(vf.src, u.start), insert: true, sep: "\n\n"})
		}
	}
	// Helpers keep the variant's order, before the function.
	sort.SliceStable(helpers, func(i, j int) bool { return helpers[i].vline < helpers[j].vline })
	edits = append(helpers, edits...)
	// #includes the file lacks.
	inc := map[string]bool{}
	for _, s := range f.includes {
		inc[normType(string(f.src[s.start:s.end]))] = true
	}
	for _, s := range vf.includes {
		t := strings.TrimSpace(string(vf.src[s.start:s.end]))
		if !inc[normType(t)] {
			inc[normType(t)] = true
			sp.includes = append(sp.includes, t)
		}
	}
	if err := checkOverlap(edits); err != nil {
		return nil, err
	}
	name := filepath.Base(f.path)
	var pre strings.Builder
	for _, i := range sp.includes {
		pre.WriteString(i + "\n")
	}
	friends := friendEdits(f, name, edits)
	sp.orig = append([]byte(lineDirective(1, name)), render(f.src, friends, name, "", true)...)
	sp.variant = append([]byte(pre.String()+lineDirective(1, name)), render(f.src, append(edits, friends...), name, cxxVariantName(f), true)...)
	sp.apply = render(f.src, append(edits, includeEdit(f, sp.includes)...), "", "", false)
	return sp, nil
}

func langTitle(lang string) string {
	if lang == "c" {
		return "C"
	}
	return "C++"
}

func kindWord(d *cxxDecl) string {
	switch d.kind {
	case "struct":
		if d.union {
			return "union"
		}
		return "struct"
	case "typedef":
		return "typedef"
	case "using":
		return "type alias"
	}
	return d.kind
}

// pickVariantFunc finds the variant's definition of fn: same last name,
// preferring the same parameter types (overloads), then the same count.
func pickVariantFunc(fn *cxxFunc, vf *cxxFile) *cxxFunc {
	var cands []*cxxFunc
	for _, v := range vf.funcs {
		if lastName(v.base) == lastName(fn.base) {
			cands = append(cands, v)
		}
	}
	if len(cands) == 0 {
		return nil
	}
	for _, v := range cands {
		if paramKey(v.params, tparamRename(v, fn)) == paramKey(fn.params, nil) {
			return v
		}
	}
	for _, v := range cands {
		if len(v.params) == len(fn.params) {
			return v
		}
	}
	return cands[0]
}

// matchOrigFunc finds the original function a function of the variant
// restates or rewrites.
func matchOrigFunc(f *cxxFile, os []*cxxFunc, vf *cxxFile, v *cxxFunc) *cxxFunc {
	if len(os) == 0 {
		return nil
	}
	for _, o := range os {
		if paramKey(o.params, nil) == paramKey(v.params, tparamRename(v, o)) {
			return o
		}
	}
	if len(os) == 1 && len(os[0].params) == len(v.params) {
		return os[0]
	}
	return nil
}

func sameDecl(os []*cxxDecl, d *cxxDecl) *cxxDecl {
	for _, o := range os {
		if sameTokens(o.text, d.text) {
			return o
		}
	}
	return nil
}

// withoutFunc is a compact class text without the given member's
// declaration, so a class restated around a rewritten method compares equal.
func withoutFunc(text string, fn *cxxFunc) string {
	toks := cxxTokens(text)
	name := lastName(fn.base)
	var out []string
	for i := 0; i < len(toks); i++ {
		if toks[i] == name && i+1 < len(toks) && toks[i+1] == "(" {
			// Drop back to the start of this member and forward to its ';'.
			j := len(out)
			for j > 0 && out[j-1] != ";" && out[j-1] != "{" && out[j-1] != "}" && out[j-1] != ":" {
				j--
			}
			out = out[:j]
			for i < len(toks) && toks[i] != ";" {
				i++
			}
			continue
		}
		out = append(out, toks[i])
	}
	return strings.Join(out, " ")
}

func sameTokens(a, b string) bool {
	return strings.Join(cxxTokens(a), " ") == strings.Join(cxxTokens(b), " ")
}

// tparamRename maps v's template parameter names to o's, by position.
func tparamRename(v, o *cxxFunc) map[string]string {
	if len(v.tparams) == 0 || len(v.tparams) != len(o.tparams) {
		return nil
	}
	m := map[string]string{}
	for i, p := range v.tparams {
		if p.name != "" && o.tparams[i].name != "" {
			m[p.name] = o.tparams[i].name
		}
	}
	return m
}

func renameToks(s string, m map[string]string) string {
	if len(m) == 0 {
		return s
	}
	toks := cxxTokens(s)
	for i, t := range toks {
		if r, ok := m[t]; ok {
			toks[i] = r
		}
	}
	return normType(strings.Join(toks, " "))
}

// paramKey is a parameter list's types, top-level const of by-value
// parameters dropped (it is not part of the signature).
func paramKey(ps []cxxParam, rename map[string]string) string {
	var ts []string
	for _, p := range ps {
		t := renameToks(p.typ, rename)
		if !strings.ContainsAny(t, "*&[") {
			t = normType(strings.Join(dropWord(cxxTokens(t), "const"), " "))
		}
		ts = append(ts, t)
	}
	return strings.Join(ts, ", ")
}

func dropWord(toks []string, w string) []string {
	out := toks[:0:0]
	for _, t := range toks {
		if t != w {
			out = append(out, t)
		}
	}
	return out
}

// sigKey is what must not change: return type, parameter types, the
// method's const and reference qualifiers, and the template parameters.
func sigKey(f *cxxFile, fn *cxxFunc, rename map[string]string) string {
	ret := cxxTokens(renameToks(fn.ret, rename))
	for _, w := range []string{"inline", "static", "constexpr", "consteval", "extern", "virtual", "explicit", "friend", "__inline", "__inline__", "__forceinline", "_Noreturn"} {
		ret = dropWord(ret, w)
	}
	var quals []string
	for _, q := range cxxTokens(fn.quals) {
		if q == "const" || q == "&" || q == "&&" || q == "volatile" {
			quals = append(quals, q)
		}
	}
	var tps []string
	for _, p := range fn.tparams {
		if p.typ {
			tps = append(tps, "type")
		} else {
			tps = append(tps, "value")
		}
	}
	v := ""
	if fn.variadic {
		v = "..."
	}
	return fmt.Sprintf("%s(%s%s)%s<%s>", strings.Join(ret, " "), paramKey(fn.params, rename), v, strings.Join(quals, " "), strings.Join(tps, ","))
}

// helperPoint is where new helpers go: right before the function, or
// before its outermost class for a method defined in its class.
func helperPoint(f *cxxFile, fn *cxxFunc) int {
	at := fn.docStart
	if fn.inClass {
		for _, d := range f.decls {
			if d.kind == "struct" && d.start <= fn.start && d.end >= fn.end && d.start < at {
				at = d.start
			}
		}
		// Comments right above the class stay with it.
		at = lineStart(f.src, at)
	}
	return lineStart(f.src, at)
}

// lineStart moves off to the start of its line when only blanks precede it.
func lineStart(src []byte, off int) int {
	i := off
	for i > 0 && (src[i-1] == ' ' || src[i-1] == '\t') {
		i--
	}
	if i == 0 || src[i-1] == '\n' {
		return i
	}
	return off
}

func checkOverlap(edits []cxxEdit) error {
	s := append([]cxxEdit(nil), edits...)
	sort.SliceStable(s, func(i, j int) bool { return s[i].start < s[j].start })
	for i := 1; i < len(s); i++ {
		if s[i].start < s[i-1].end {
			return core.SpliceErrorf("the variant rewrites declarations that overlap; answer with the function and new helpers only")
		}
	}
	return nil
}

func lineOf(src []byte, off int) int {
	return 1 + bytes.Count(src[:min(off, len(src))], []byte{'\n'})
}

func lineDirective(line int, name string) string {
	return "#line " + strconv.Itoa(line) + " " + strconv.Quote(name) + "\n"
}

// render applies edits (sorted by start, insertions first) to src. With
// lines, each replacement is framed by #line directives so compiler
// messages point into the variant, then back into the file.
func render(src []byte, edits []cxxEdit, name, vname string, lines bool) []byte {
	s := append([]cxxEdit(nil), edits...)
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].start != s[j].start {
			return s[i].start < s[j].start
		}
		if s[i].insert != s[j].insert {
			return s[i].insert
		}
		return s[i].vline < s[j].vline
	})
	var b bytes.Buffer
	at := 0
	for _, e := range s {
		b.Write(src[at:e.start])
		if e.raw {
			b.WriteString(e.text)
		} else if lines {
			b.WriteString("\n" + lineDirective(e.vline, vname))
			b.WriteString(e.text)
			b.WriteString("\n" + lineDirective(lineOf(src, e.end), name))
		} else {
			b.WriteString(e.text)
			if e.insert {
				b.WriteString(e.sep)
			}
		}
		at = e.end
	}
	b.Write(src[at:])
	return b.Bytes()
}

// friendEdits make the driver a friend of every class of a C++ file, in
// the copies the driver compiles (-DLESSONL_DRIVER), so it can fill and
// compare private members. Classes inside rewritten code are left alone.
func friendEdits(f *cxxFile, name string, edits []cxxEdit) []cxxEdit {
	if f.lang != "cpp" {
		return nil
	}
	var out []cxxEdit
	for _, d := range f.decls {
		if d.kind != "struct" || d.bodyOpen <= 0 {
			continue
		}
		inside := false
		for _, e := range edits {
			if !e.insert && d.bodyOpen > e.start && d.bodyOpen < e.end {
				inside = true
			}
		}
		if inside {
			continue
		}
		text := "\n#ifdef LESSONL_DRIVER\nfriend struct ::lessonl_access;\n#endif\n" + lineDirective(lineOf(f.src, d.bodyOpen), name)
		out = append(out, cxxEdit{start: d.bodyOpen, end: d.bodyOpen, text: text, insert: true, raw: true, vline: -2})
	}
	return out
}

// includeEdit puts new #include lines after the file's last one (or at
// the top), for the editor's copy.
func includeEdit(f *cxxFile, includes []string) []cxxEdit {
	if len(includes) == 0 {
		return nil
	}
	at, sep := 0, "\n"
	if n := len(f.includes); n > 0 {
		at = f.includes[n-1].end
		if at > 0 && f.src[at-1] != '\n' {
			if i := bytes.IndexByte(f.src[at:], '\n'); i >= 0 {
				at += i + 1
			} else {
				at = len(f.src)
			}
		}
	} else {
		sep = "\n\n"
	}
	// Sorted before every other insertion at the same place.
	return []cxxEdit{{start: at, end: at, text: strings.Join(includes, "\n"), insert: true, sep: sep, vline: -1}}
}

// Apply is Apply for C and C++: the file with variant in place, for an
// editor to write.
func (l Lang) Apply(t core.Target, variant string) ([]byte, error) {
	f, fn, err := l.target(t)
	if err != nil {
		return nil, err
	}
	sp, err := spliceCxx(f, fn, variant)
	if err != nil {
		return nil, fmt.Errorf("couldn't splice the variant into %s: %w", t.File, err)
	}
	return sp.apply, nil
}

func (f *cxxFile) funcByName(name string) *cxxFunc {
	for _, fn := range f.funcs {
		if fn.name == name {
			return fn
		}
	}
	return nil
}
