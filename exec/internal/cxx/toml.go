package cxx

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
)

// ProjectConfigName is the file, at a project's root, that tells the runner
// how to compile, check and time the project's C and C++ functions.
const ProjectConfigName = "lessonl.toml"

// ProjectConfig is a project's lessonl.toml. Keys are a contract (users
// write them); unknown keys are errors, so typos do not go unnoticed.
//
//	[c]                        # C files (.c, .h)
//	compiler = "gcc"
//	flags = ["-std=c11", "-O3", "-march=native"]
//
//	[cpp]                      # C++ files (.cc, .cpp, .cxx, .hpp, ...)
//	compiler = "g++"
//	flags = ["-std=c++17", "-O3", "-march=native"]
//	openmp = true              # compile with -fopenmp; agents may use OpenMP
//	threads = 8                # OMP_NUM_THREADS
//	rtol = 1e-6                # float tolerance of the generated check (relative)
//	atol = 1e-9                # ... and absolute, for values near zero
//	template_args = ["double"] # types for template parameters, in order
//
//	[harness]                  # or [[harness]] tables, the first that matches wins
//	files = ["src/*.cpp"]      # optional: which files (globs from the root; ** spans directories)
//	funcs = ["sum", "ns::*"]   # optional: which functions
//	build = "g++ {flags} -o {out} {file} tests/test_sum.cpp"
//	test = "{out} test"        # exit status 0 = correct
//	bench = "{out} bench"      # prints lessonl-time-ns: N lines, or Go benchmark lines
//	timeout = "2m"             # optional: per command
//	exclude = ["build"]        # optional: left out of the project's copy
type ProjectConfig struct {
	Path    string          `toml:"-"` // the file read
	Root    string          `toml:"-"` // its directory
	C       LangConfig      `toml:"c"`
	CPP     LangConfig      `toml:"cpp"`
	Harness []HarnessConfig `toml:"-"`
}

// LangConfig is the [c] or [cpp] table.
type LangConfig struct {
	Compiler     string   `toml:"compiler"`
	Flags        []string `toml:"flags"`
	OpenMP       bool     `toml:"openmp"`
	Threads      int      `toml:"threads"`
	RTol         float64  `toml:"rtol"`
	ATol         float64  `toml:"atol"`
	TemplateArgs []string `toml:"template_args"`
}

// HarnessConfig is a [harness] table: the project's own build, test and
// bench commands, run in a sandboxed copy of the project with the variant
// spliced in. Commands run with /bin/sh from the copy's root; placeholders
// are replaced by shell-quoted values:
//
//	{file}    the spliced file in the copy (absolute)
//	{out}     a path for the built program (absolute)
//	{dir}     the copy's root (absolute)
//	{flags}   the compiler flags ([c]/[cpp] flags, -fopenmp in OpenMP mode)
//	{cc}      the compiler
//	{func}    the function's name
//	{threads} the OpenMP thread count
type HarnessConfig struct {
	Lang    string   `toml:"lang"`
	Files   []string `toml:"files"`
	Funcs   []string `toml:"funcs"`
	Build   string   `toml:"build"`
	Test    string   `toml:"test"`
	Bench   string   `toml:"bench"`
	Timeout string   `toml:"timeout"`
	Exclude []string `toml:"exclude"`

	timeout time.Duration
}

// harnessPlaceholders are the names commands may use in braces.
var harnessPlaceholders = map[string]bool{"file": true, "out": true, "dir": true, "flags": true, "cc": true, "func": true, "threads": true}

var placeholderRE = regexp.MustCompile(`\{([a-zA-Z_]+)\}`)

// FindProjectConfig returns the lessonl.toml of the nearest directory at or
// above dir, or "" when there is none.
func FindProjectConfig(dir string) string {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return ""
	}
	for d := abs; ; d = filepath.Dir(d) {
		p := filepath.Join(d, ProjectConfigName)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// LoadProjectConfig reads the lessonl.toml that applies to file (the
// nearest one at or above its directory). It returns nil, nil when there is
// none. Errors name the file, the line and the fix.
func LoadProjectConfig(file string) (*ProjectConfig, error) {
	p := FindProjectConfig(filepath.Dir(file))
	if p == "" {
		return nil, nil
	}
	b, err := os.ReadFile(p)
	if err != nil {
		return nil, fmt.Errorf("couldn't read %s: %w", p, err)
	}
	return ParseProjectConfig(p, b)
}

// ParseProjectConfig parses the text of a lessonl.toml found at path.
func ParseProjectConfig(path string, b []byte) (*ProjectConfig, error) {
	// [harness] and [[harness]] are both fine: look at the shape first.
	var shape map[string]any
	if err := toml.Unmarshal(b, &shape); err != nil {
		return nil, tomlError(path, err)
	}
	var c ProjectConfig
	switch h := shape["harness"].(type) {
	case nil:
		var v struct {
			ProjectConfig
		}
		if err := strictTOML(b, &v); err != nil {
			return nil, tomlError(path, err)
		}
		c = v.ProjectConfig
	case map[string]any:
		var v struct {
			ProjectConfig
			H HarnessConfig `toml:"harness"`
		}
		if err := strictTOML(b, &v); err != nil {
			return nil, tomlError(path, err)
		}
		c = v.ProjectConfig
		c.Harness = []HarnessConfig{v.H}
	case []any:
		var v struct {
			ProjectConfig
			H []HarnessConfig `toml:"harness"`
		}
		if err := strictTOML(b, &v); err != nil {
			return nil, tomlError(path, err)
		}
		c = v.ProjectConfig
		c.Harness = v.H
	default:
		return nil, fmt.Errorf("%s: harness must be a table ([harness]) or tables ([[harness]]), not %T", path, h)
	}
	c.Path = path
	c.Root = filepath.Dir(path)
	for _, l := range []struct {
		name string
		c    *LangConfig
	}{{"c", &c.C}, {"cpp", &c.CPP}} {
		switch {
		case l.c.Threads < 0:
			return nil, fmt.Errorf("%s: [%s] threads = %d; use a positive number of OpenMP threads", path, l.name, l.c.Threads)
		case l.c.RTol < 0 || l.c.ATol < 0 || l.c.RTol >= 1:
			return nil, fmt.Errorf("%s: [%s] rtol and atol must be small non-negative numbers such as 1e-6", path, l.name)
		case l.c.Compiler != "" && strings.ContainsAny(l.c.Compiler, " \t"):
			return nil, fmt.Errorf("%s: [%s] compiler = %q; name one program (put its options in flags)", path, l.name, l.c.Compiler)
		}
	}
	for i := range c.Harness {
		h := &c.Harness[i]
		where := "[harness]"
		if len(c.Harness) > 1 {
			where = fmt.Sprintf("[[harness]] number %d", i+1)
		}
		if h.Lang != "" && h.Lang != "c" && h.Lang != "cpp" {
			return nil, fmt.Errorf("%s: %s lang = %q; use \"c\", \"cpp\" or leave it out for both", path, where, h.Lang)
		}
		if h.Test == "" && h.Bench == "" {
			return nil, fmt.Errorf("%s: %s has neither test nor bench; add a test command (exit status 0 when the function is right) and a bench command (prints lessonl-time-ns: N)", path, where)
		}
		for _, cmd := range []struct{ key, text string }{{"build", h.Build}, {"test", h.Test}, {"bench", h.Bench}} {
			for _, m := range placeholderRE.FindAllStringSubmatch(cmd.text, -1) {
				if !harnessPlaceholders[m[1]] {
					return nil, fmt.Errorf("%s: %s %s uses {%s}; the placeholders are {file}, {out}, {dir}, {flags}, {cc}, {func} and {threads}", path, where, cmd.key, m[1])
				}
			}
		}
		for _, g := range append(append([]string(nil), h.Files...), h.Exclude...) {
			if err := checkGlob(g); err != nil {
				return nil, fmt.Errorf("%s: %s has a bad pattern %q: %v", path, where, g, err)
			}
		}
		if h.Timeout != "" {
			d, err := time.ParseDuration(h.Timeout)
			if err != nil || d <= 0 {
				return nil, fmt.Errorf("%s: %s timeout = %q; use a duration such as \"90s\" or \"2m\"", path, where, h.Timeout)
			}
			h.timeout = d
		}
	}
	return &c, nil
}

// checkGlob reports a malformed pattern (path.Match syntax, plus **).
func checkGlob(pattern string) error {
	_, err := path.Match(strings.ReplaceAll(pattern, "**", "*"), "")
	return err
}

func strictTOML(b []byte, v any) error {
	return toml.NewDecoder(bytes.NewReader(b)).DisallowUnknownFields().Decode(v)
}

// tomlError turns the library's errors into one naming the file, the line
// and what to do.
func tomlError(path string, err error) error {
	var sm *toml.StrictMissingError
	if errors.As(err, &sm) && len(sm.Errors) > 0 {
		var keys []string
		row := 0
		for i := range sm.Errors {
			e := &sm.Errors[i]
			keys = append(keys, strings.Join(e.Key(), "."))
			if row == 0 {
				row, _ = e.Position()
			}
		}
		return fmt.Errorf("%s:%d: unknown key %s; the keys are [c]/[cpp] compiler, flags, openmp, threads, rtol, atol, template_args and [harness] lang, files, funcs, build, test, bench, timeout, exclude", path, row, strings.Join(keys, ", "))
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		return fmt.Errorf("%s:%d: %s; fix the TOML there", path, row, msg)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// harnessCovering returns the first harness that covers file (absolute) and
// func, or nil.
func (c *ProjectConfig) harnessCovering(file, lang, fn string) *HarnessConfig {
	if c == nil {
		return nil
	}
	rel, err := filepath.Rel(c.Root, file)
	if err != nil || strings.HasPrefix(rel, "..") {
		return nil
	}
	rel = filepath.ToSlash(rel)
	for i := range c.Harness {
		h := &c.Harness[i]
		if h.Lang != "" && h.Lang != lang {
			continue
		}
		if len(h.Files) > 0 && !matchAny(h.Files, rel) {
			continue
		}
		if len(h.Funcs) > 0 && !matchFuncs(h.Funcs, fn) {
			continue
		}
		return h
	}
	return nil
}

// matchAny matches slash-separated rel against globs, where ** matches
// any number of directories.
func matchAny(globs []string, rel string) bool {
	for _, g := range globs {
		if globMatch(strings.Split(g, "/"), strings.Split(rel, "/")) {
			return true
		}
	}
	return false
}

func globMatch(pat, name []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(name); i++ {
				if globMatch(pat[1:], name[i:]) {
					return true
				}
			}
			return false
		}
		if len(name) == 0 {
			return false
		}
		if ok, _ := path.Match(pat[0], name[0]); !ok {
			return false
		}
		pat, name = pat[1:], name[1:]
	}
	return len(name) == 0
}

func matchFuncs(pats []string, fn string) bool {
	base := fn
	if i := strings.IndexByte(base, '('); i >= 0 {
		base = base[:i]
	}
	for _, p := range pats {
		p = normFuncName(p)
		if p == base || strings.HasSuffix(base, "::"+p) {
			return true
		}
		if ok, _ := path.Match(strings.ReplaceAll(p, "::", "\x00"), strings.ReplaceAll(base, "::", "\x00")); ok {
			return true
		}
	}
	return false
}

// excluded reports whether a path of the project (slash-separated,
// relative) is left out of its sandboxed copy.
func (h *HarnessConfig) excluded(rel string, dir bool) bool {
	base := path.Base(rel)
	if dir {
		switch base {
		case ".git", ".hg", ".svn", "node_modules", ".cache":
			return true
		}
	}
	for _, g := range h.Exclude {
		g = strings.TrimSuffix(g, "/")
		if globMatch(strings.Split(g, "/"), strings.Split(rel, "/")) {
			return true
		}
		if !strings.Contains(g, "/") {
			if ok, _ := path.Match(g, base); ok {
				return true
			}
		}
	}
	return false
}
