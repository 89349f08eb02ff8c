package realworld_test

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"golang.org/x/tools/txtar"
)

// The corpus files: one txtar archive per language family. See README.md for
// the format.
var corpusFiles = []string{"testdata/go.txtar", "testdata/cxx.txtar"}

// project is where a group of cases comes from: one Go module at one version,
// or one directory installed by one Debian package.
type project struct {
	name   string
	module string   // Go: path@version, fetched through the module proxy
	deb    string   // C/C++: the Debian package that installs root
	root   string   // C/C++: the installed directory copied as the project
	copy   []string // C/C++: globs under root to copy (default "*")
	toml   string   // C/C++: lessonl.toml written at the copy's root
	cases  []*fnCase
}

func (p *project) isGo() bool { return p.module != "" }

// fnCase is one function of a project and the variants we wrote for it.
type fnCase struct {
	proj   *project
	name   string // unique within the project
	file   string // relative to the module root or the copied project root
	fn     string // exec.Target.Func
	covers []string
	short  bool              // also in the -short subset
	known  map[string]string // variant kind -> "CLASS note": today's runner gets it wrong
	vars   map[string]variant
}

// variant is a variant we wrote: a whole function, or edits applied to the
// original's text (so no third-party code sits in the repository).
type variant struct {
	text  string
	edits [][2]string
}

// kinds are the variant kinds, in the order they are measured. "aa" is the
// original's own text.
var kinds = []string{"aa", "wrong", "faster"}

func (c *fnCase) id() string { return c.proj.name + "/" + c.name }

// knownBad splits a known marker into its class ("11.1", "18.3", ...), whether
// the outcome is only sometimes wrong ("flaky 11.10 ..."), and the note.
func knownBad(marker string) (class string, flaky bool, note string) {
	f := strings.Fields(marker)
	if len(f) > 0 && f[0] == "flaky" {
		flaky, f = true, f[1:]
	}
	if len(f) == 0 {
		return "", flaky, ""
	}
	return f[0], flaky, strings.Join(f[1:], " ")
}

// loadCorpus reads every corpus file.
func loadCorpus() ([]*project, error) {
	var all []*project
	seen := map[string]string{}
	for _, file := range corpusFiles {
		ar, err := txtar.ParseFile(file)
		if err != nil {
			return nil, err
		}
		ps, err := parseCorpus(file, ar)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			if f, dup := seen[p.name]; dup {
				return nil, fmt.Errorf("%s: project %s is also declared in %s: project names are unique across the corpus", file, p.name, f)
			}
			seen[p.name] = file
		}
		all = append(all, ps...)
	}
	return all, nil
}

// parseCorpus turns an archive's sections into projects. Section names are
// PROJECT/project, PROJECT/lessonl.toml, PROJECT/CASE/case and
// PROJECT/CASE/KIND or PROJECT/CASE/KIND.edit.
func parseCorpus(file string, ar *txtar.Archive) ([]*project, error) {
	projects := map[string]*project{}
	cases := map[string]*fnCase{}
	var order []*project
	bad := func(name, format string, args ...any) error {
		return fmt.Errorf("%s: section %s: %s", file, name, fmt.Sprintf(format, args...))
	}
	for _, f := range ar.Files {
		parts := strings.Split(f.Name, "/")
		switch {
		case len(parts) == 2 && parts[1] == "project":
			p := &project{name: parts[0]}
			kv, err := keyValues(string(f.Data))
			if err != nil {
				return nil, bad(f.Name, "%v", err)
			}
			for k, v := range kv {
				switch k {
				case "module":
					p.module = v
				case "deb":
					p.deb = v
				case "root":
					p.root = v
				case "copy":
					p.copy = strings.Fields(v)
				default:
					return nil, bad(f.Name, "unknown key %q (module, deb, root, copy)", k)
				}
			}
			if (p.module == "") == (p.deb == "") {
				return nil, bad(f.Name, "give exactly one of module (Go) or deb (C/C++)")
			}
			if p.deb != "" && p.root == "" {
				return nil, bad(f.Name, "a Debian project needs root, the installed directory to copy")
			}
			if projects[p.name] != nil {
				return nil, bad(f.Name, "project declared twice")
			}
			projects[p.name] = p
			order = append(order, p)
		case len(parts) == 2 && parts[1] == "lessonl.toml":
			p := projects[parts[0]]
			if p == nil {
				return nil, bad(f.Name, "declare %s/project first", parts[0])
			}
			p.toml = string(f.Data)
		case len(parts) == 3 && parts[2] == "case":
			p := projects[parts[0]]
			if p == nil {
				return nil, bad(f.Name, "declare %s/project first", parts[0])
			}
			c := &fnCase{proj: p, name: parts[1], known: map[string]string{}, vars: map[string]variant{}}
			kv, err := keyValues(string(f.Data))
			if err != nil {
				return nil, bad(f.Name, "%v", err)
			}
			for k, v := range kv {
				switch {
				case k == "file":
					c.file = v
				case k == "func":
					c.fn = v
				case k == "covers":
					c.covers = strings.Fields(strings.ReplaceAll(v, ",", " "))
				case k == "short":
					c.short = v == "true"
				case strings.HasPrefix(k, "known."):
					kind := strings.TrimPrefix(k, "known.")
					if !isKind(kind) {
						return nil, bad(f.Name, "known.%s: unknown variant kind (%s)", kind, strings.Join(kinds, ", "))
					}
					if class, _, _ := knownBad(v); class == "" {
						return nil, bad(f.Name, "%s needs a failure class (issue 11's rule, e.g. 11.1, or issue 18's item, e.g. 18.3)", k)
					}
					c.known[kind] = v
				default:
					return nil, bad(f.Name, "unknown key %q (file, func, covers, short, known.KIND)", k)
				}
			}
			if c.file == "" || c.fn == "" {
				return nil, bad(f.Name, "file and func are required")
			}
			if cases[c.id()] != nil {
				return nil, bad(f.Name, "case declared twice")
			}
			cases[c.id()] = c
			p.cases = append(p.cases, c)
		case len(parts) == 3:
			c := cases[parts[0]+"/"+parts[1]]
			if c == nil {
				return nil, bad(f.Name, "declare %s/%s/case first", parts[0], parts[1])
			}
			kind, isEdit := strings.CutSuffix(parts[2], ".edit")
			if !isKind(kind) || kind == "aa" {
				return nil, bad(f.Name, "unknown variant kind %q (wrong, faster; .edit for edits)", kind)
			}
			if _, dup := c.vars[kind]; dup {
				return nil, bad(f.Name, "variant given twice")
			}
			v := variant{text: string(f.Data)}
			if isEdit {
				edits, err := parseEdits(string(f.Data))
				if err != nil {
					return nil, bad(f.Name, "%v", err)
				}
				v = variant{edits: edits}
			}
			c.vars[kind] = v
		default:
			return nil, bad(f.Name, "unknown section name (PROJECT/project, PROJECT/lessonl.toml, PROJECT/CASE/case, PROJECT/CASE/KIND[.edit])")
		}
	}
	for _, c := range cases {
		for kind := range c.known {
			if _, ok := c.vars[kind]; !ok && kind != "aa" {
				return nil, fmt.Errorf("%s: %s: known.%s marks a variant the case does not have", file, c.id(), kind)
			}
		}
		if _, ok := c.vars["wrong"]; !ok {
			return nil, fmt.Errorf("%s: %s: every case needs a wrong variant", file, c.id())
		}
	}
	return order, nil
}

func isKind(k string) bool {
	for _, x := range kinds {
		if x == k {
			return true
		}
	}
	return false
}

// keyValues reads "key: value" lines; # starts a comment line.
func keyValues(s string) (map[string]string, error) {
	out := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return nil, fmt.Errorf("line %q is not key: value", line)
		}
		k = strings.TrimSpace(k)
		if _, dup := out[k]; dup {
			return nil, fmt.Errorf("key %q given twice", k)
		}
		out[k] = strings.TrimSpace(v)
	}
	return out, nil
}

// parseEdits reads blocks of
//
//	<<<
//	old text
//	===
//	new text
//	>>>
func parseEdits(s string) ([][2]string, error) {
	var out [][2]string
	lines := strings.SplitAfter(s, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) == "" {
			continue
		}
		if strings.TrimRight(lines[i], "\n") != "<<<" {
			return nil, fmt.Errorf("edit line %d: want <<< to open an edit, got %q", i+1, lines[i])
		}
		var old, nw strings.Builder
		cur := &old
		closed := false
		for i++; i < len(lines); i++ {
			switch strings.TrimRight(lines[i], "\n") {
			case "===":
				cur = &nw
				continue
			case ">>>":
				closed = true
			}
			if closed {
				break
			}
			cur.WriteString(lines[i])
		}
		if !closed || cur != &nw {
			return nil, fmt.Errorf("an edit needs <<<, old text, ===, new text, >>>")
		}
		out = append(out, [2]string{strings.TrimSuffix(old.String(), "\n"), strings.TrimSuffix(nw.String(), "\n")})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no edits")
	}
	return out, nil
}

// apply returns the variant's text given the original's.
func (v variant) apply(orig string) (string, error) {
	if v.edits == nil {
		return v.text, nil
	}
	s := orig
	for _, e := range v.edits {
		if n := strings.Count(s, e[0]); n != 1 {
			return "", fmt.Errorf("edit %q matches %d times in the original; it must match once", e[0], n)
		}
		s = strings.Replace(s, e[0], e[1], 1)
	}
	if s == orig {
		return "", fmt.Errorf("the edits leave the original unchanged")
	}
	return s, nil
}

// sortedKeys is for stable messages.
func sortedKeys(m map[string]int) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// langOf is the case's language as the figures split it.
func (c *fnCase) lang() string {
	if c.proj.isGo() {
		return "go"
	}
	switch strings.ToLower(path.Ext(c.file)) {
	case ".c":
		return "c"
	case ".h":
		// A .h is C or C++ by what it holds; the case says which through
		// its covers (cpp-header), as the runner cannot be asked.
		for _, x := range c.covers {
			if x == "cpp" {
				return "cpp"
			}
		}
		return "c"
	}
	return "cpp"
}
