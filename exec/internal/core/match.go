package core

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

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

// MatchFunc resolves a requested name against the located functions. Exact
// spellings win; then a method named without the right receiver form
// (`T.M` for a pointer method, or just `M`) when it is unambiguous.
func MatchFunc(t Target, fs []*Func) (*Func, error) {
	want := ParseFuncName(t.Func)
	for _, f := range fs {
		if f.Name == want.Canonical() {
			return f, nil
		}
	}
	var loose []*Func
	for _, f := range fs {
		got := ParseFuncName(f.Name)
		if got.Name != want.Name {
			continue
		}
		if want.Recv == "" && got.Recv != "" || want.Recv != "" && want.Recv == got.Recv {
			loose = append(loose, f)
		}
	}
	return PickLoose(t, fs, loose)
}

// ReadSource resolves path (through symlinks, so copies and reports agree on
// the file) and reads it unless src is given. A missing file is a
// *NotFoundError naming the close files next to it, of those sameLang
// accepts.
func ReadSource(path string, src []byte, sameLang func(abs, name string) bool) (string, []byte, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", nil, fmt.Errorf("couldn't resolve %s: %w", path, err)
	}
	if src == nil {
		src, err = os.ReadFile(abs)
		if errors.Is(err, fs.ErrNotExist) {
			return "", nil, &NotFoundError{File: path, Close: closeFiles(abs, sameLang)}
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

// PickLoose ends a name match: the one loose match, else a *NotFoundError
// listing the ambiguous matches or the close names.
func PickLoose(t Target, fs, loose []*Func) (*Func, error) {
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

// FuncName is a parsed `Name`, `T.Name` or `(*T).Name`.
type FuncName struct {
	Recv string // type name without type parameters; "" for plain functions
	Ptr  bool
	Name string
}

func (n FuncName) Canonical() string {
	switch {
	case n.Recv == "":
		return n.Name
	case n.Ptr:
		return "(*" + n.Recv + ")." + n.Name
	default:
		return n.Recv + "." + n.Name
	}
}

func ParseFuncName(s string) FuncName {
	s = strings.TrimSpace(s)
	var n FuncName
	if i := strings.LastIndex(s, "."); i >= 0 {
		recv := s[:i]
		n.Name = s[i+1:]
		recv = strings.TrimSuffix(strings.TrimPrefix(recv, "("), ")")
		if strings.HasPrefix(recv, "*") {
			n.Ptr = true
			recv = recv[1:]
		}
		if j := strings.IndexByte(recv, '['); j >= 0 {
			recv = recv[:j]
		}
		n.Recv = strings.TrimSpace(recv)
		return n
	}
	n.Name = s
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
		if base := strings.ToLower(ParseFuncName(n).Name); funcs && base != ln {
			if bd := editDistance(strings.ToLower(ParseFuncName(want).Name), base); bd < d {
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

// closeFiles lists the files next to abs that sameLang accepts, closest
// names first.
func closeFiles(abs string, sameLang func(abs, name string) bool) []string {
	ents, err := os.ReadDir(filepath.Dir(abs))
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		if !e.IsDir() && sameLang(abs, e.Name()) {
			names = append(names, e.Name())
		}
	}
	return closeMatches(filepath.Base(abs), names, 5, false)
}

// LangName names the language of file by its extension: "go", "c", "cpp",
// "python", or "" when unknown.
func LangName(file string) string {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".go":
		return "go"
	case ".c", ".h":
		return "c"
	case ".cc", ".cpp", ".cxx", ".c++", ".hh", ".hpp", ".hxx":
		return "cpp"
	case ".py":
		return "python"
	}
	return ""
}

// FuncAt is FuncAt in a file of language l.
func FuncAt(l Language, file string, src []byte, offset int) (*Func, error) {
	fs, err := l.Funcs(file, src)
	if err != nil {
		return nil, err
	}
	for _, f := range fs {
		if offset >= f.DocStart && offset <= f.End {
			return f, nil
		}
	}
	return nil, fmt.Errorf("%w: offset %d in %s", ErrNoFunc, offset, file)
}

// Locate is Locate in a file of language l.
func Locate(l Language, t Target) (*Func, error) {
	fs, err := l.Funcs(t.File, t.Source)
	if err != nil {
		return nil, err
	}
	return l.Match(t, fs)
}
