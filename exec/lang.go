package exec

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// language is what a source language plugs into the runner, all of it:
// find its functions, resolve a requested name among them, put a variant in
// place for the editor, and measure a variant. Go, C and C++ implement it.
type language interface {
	name() string // as in Func.Lang and LangOf
	funcs(file string, src []byte) ([]*Func, error)
	match(t Target, fs []*Func) (*Func, error)
	apply(t Target, variant string) ([]byte, error)
	measure(m *measurement) (*Report, error)
}

var languages = func() map[string]language {
	m := map[string]language{}
	for _, l := range []language{goLang{}, cxxLang{lang: "c"}, cxxLang{lang: "cpp"}} {
		m[l.name()] = l
	}
	return m
}()

// LangOf names the language of file by its extension. ok is false when the
// runner cannot measure that language (yet); the name is still given when
// known, so messages can say which language is missing.
func LangOf(file string) (lang string, ok bool) {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".go":
		lang = "go"
	case ".c", ".h":
		lang = "c"
	case ".cc", ".cpp", ".cxx", ".c++", ".hh", ".hpp", ".hxx":
		lang = "cpp"
	case ".py":
		lang = "python"
	default:
		return "", false
	}
	_, ok = languages[lang]
	return lang, ok
}

func languageOf(file string) (language, string, error) {
	name, ok := LangOf(file)
	if !ok {
		if name == "" {
			return nil, "", fmt.Errorf("%s: unknown language (extension %q); the runner measures .go, .c, .h, .cc, .cpp, .cxx and .hpp files", file, filepath.Ext(file))
		}
		return nil, name, fmt.Errorf("%s: the runner cannot measure %s yet; it measures Go, C and C++ files", file, name)
	}
	return languages[name], name, nil
}

// NotFoundError says that a file or a function could not be found, with the
// closest names that do exist. Func is empty when the file itself is missing.
type NotFoundError struct {
	Func, File string
	Close      []string
}

func (e *NotFoundError) Error() string {
	var b strings.Builder
	if e.Func == "" {
		fmt.Fprintf(&b, "file %s not found", e.File)
	} else {
		fmt.Fprintf(&b, "function %s not found in %s", e.Func, e.File)
	}
	if len(e.Close) > 0 {
		fmt.Fprintf(&b, "; did you mean %s?", strings.Join(e.Close, ", "))
	} else if e.Func != "" {
		b.WriteString("; the file has no functions with a body")
	}
	return b.String()
}

// ErrNoFunc is returned by FuncAt when the offset is outside every function.
var ErrNoFunc = errors.New("no function at this position")

// Funcs lists every function with a body in file, in source order. src is the
// file's text; when nil it is read from disk.
func Funcs(file string, src []byte) ([]*Func, error) {
	l, _, err := languageOf(file)
	if err != nil {
		return nil, err
	}
	return l.funcs(file, src)
}

// FuncAt returns the function whose text (doc comment included) contains the
// byte offset. It wraps ErrNoFunc when there is none.
func FuncAt(file string, src []byte, offset int) (*Func, error) {
	l, _, err := languageOf(file)
	if err != nil {
		return nil, err
	}
	fs, err := l.funcs(file, src)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if offset >= f.docStart && offset <= f.End {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%w: offset %d in %s", ErrNoFunc, offset, file)
}

// Locate finds t.Func in t.File (or in t.Source when non-nil). A missing file
// or function is a *NotFoundError listing close matches.
func Locate(t Target) (*Func, error) {
	l, _, err := languageOf(t.File)
	if err != nil {
		return nil, err
	}
	fs, err := l.funcs(t.File, t.Source)
	if err != nil {
		return nil, err
	}
	return l.match(t, fs)
}

// matchFunc resolves a requested name against the located functions. Exact
// spellings win; then a method named without the right receiver form
// (`T.M` for a pointer method, or just `M`) when it is unambiguous.
func matchFunc(t Target, fs []*Func) (*Func, error) {
	want := parseFuncName(t.Func)
	for _, f := range fs {
		if f.Name == want.canonical() {
			return f, nil
		}
	}
	var loose []*Func
	for _, f := range fs {
		got := parseFuncName(f.Name)
		if got.name != want.name {
			continue
		}
		if want.recv == "" && got.recv != "" || want.recv != "" && want.recv == got.recv {
			loose = append(loose, f)
		}
	}
	return pickLoose(t, fs, loose)
}

// readSource resolves path (through symlinks, so copies and reports agree on
// the file) and reads it unless src is given. A missing file is a
// *NotFoundError naming the close files closeFiles finds next to it.
func readSource(path string, src []byte, closeFiles func(abs string) []string) (string, []byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", nil, fmt.Errorf("couldn't resolve %s: %w", path, err)
	}
	if src == nil {
		src, err = os.ReadFile(abs)
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil, &NotFoundError{File: path, Close: closeFiles(abs)}
		}
		if err != nil {
			return "", nil, fmt.Errorf("couldn't read %s: %w", path, err)
		}
	}
	if real, err := filepath.EvalSymlinks(abs); err == nil {
		abs = real
	} else if dir, err := filepath.EvalSymlinks(filepath.Dir(abs)); err == nil {
		abs = filepath.Join(dir, filepath.Base(abs))
	}
	return abs, src, nil
}

// pickLoose ends a name match: the one loose match, else a *NotFoundError
// listing the ambiguous matches or the close names.
func pickLoose(t Target, fs, loose []*Func) (*Func, error) {
	if len(loose) == 1 {
		return loose[0], nil
	}
	names := make([]string, len(fs))
	for i, f := range fs {
		names[i] = f.Name
	}
	if len(loose) > 1 {
		var amb []string
		for _, f := range loose {
			amb = append(amb, f.Name)
		}
		return nil, &NotFoundError{Func: t.Func, File: t.File, Close: amb}
	}
	return nil, &NotFoundError{Func: t.Func, File: t.File, Close: closeMatches(t.Func, names, 8, true)}
}

// funcName is a parsed `Name`, `T.Name` or `(*T).Name`.
type funcName struct {
	recv string // type name without type parameters; "" for plain functions
	ptr  bool
	name string
}

func (n funcName) canonical() string {
	switch {
	case n.recv == "":
		return n.name
	case n.ptr:
		return "(*" + n.recv + ")." + n.name
	default:
		return n.recv + "." + n.name
	}
}

func parseFuncName(s string) funcName {
	s = strings.TrimSpace(s)
	var n funcName
	if i := strings.LastIndex(s, "."); i >= 0 {
		recv := s[:i]
		n.name = s[i+1:]
		recv = strings.TrimSuffix(strings.TrimPrefix(recv, "("), ")")
		if strings.HasPrefix(recv, "*") {
			n.ptr = true
			recv = recv[1:]
		}
		if j := strings.IndexByte(recv, '['); j >= 0 {
			recv = recv[:j]
		}
		n.recv = strings.TrimSpace(recv)
		return n
	}
	n.name = s
	return n
}

// closeMatches returns up to max names that look like want: same name in
// another case, an edit distance of a third of its length, or containing it;
// for functions (funcs set) the method name alone counts too. With no close
// names it returns the first max names, so the user sees what exists.
func closeMatches(want string, names []string, max int, funcs bool) []string {
	type scored struct {
		name string
		d    int
	}
	lw := strings.ToLower(want)
	var out []scored
	for _, n := range names {
		ln := strings.ToLower(n)
		d := editDistance(lw, ln)
		if base := strings.ToLower(parseFuncName(n).name); funcs && base != ln {
			if bd := editDistance(strings.ToLower(parseFuncName(want).name), base); bd < d {
				d = bd
			}
		}
		limit := len(want) / 3
		if limit < 2 {
			limit = 2
		}
		if d <= limit || strings.Contains(ln, lw) || strings.Contains(lw, ln) {
			out = append(out, scored{n, d})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].d < out[j].d })
	var res []string
	for _, s := range out {
		if len(res) == max {
			break
		}
		res = append(res, s.name)
	}
	if len(res) == 0 {
		for _, n := range names {
			if len(res) == max {
				break
			}
			res = append(res, n)
		}
	}
	return res
}

// editDistance is the Levenshtein distance between a and b, by bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
