// Package bench runs the LessonL team on a suite of problems and reports the
// paper's metrics (arXiv 2505.23946): % built, % correct, the geometric-mean
// speedup with wrong code and slowdowns counted as 1×, and the share of
// problems at ≥ 2×, per category and overall, plus tokens and wall time.
//
// A suite is a directory of problems in the format documented in
// suites/README.md: per problem a directory holding the slow function's
// source and a problem.toml (or problem.json) naming the function, its
// category, the check and the input size. Run writes results.json after every
// problem (so a run can be resumed), results.md and a plot, speedups.svg;
// Compare puts two results side by side.
package bench

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/lessonl/lessonl/exec"
)

// Categories are the method's twelve problem categories (ParEval's), in the
// order reports list them. A suite may add its own in suite.toml.
var Categories = []string{
	"dense linear algebra", "fft", "geometry", "graph", "histogram", "reduce",
	"scan", "search", "sort", "sparse linear algebra", "stencil", "transform",
}

// Check kinds.
const (
	CheckExact     = "exact"
	CheckTolerance = "tolerance"
)

// Check is how a variant's outputs must match the original's.
type Check struct {
	Kind      string  `json:"kind" toml:"kind"`                               // exact (default) or tolerance
	Tolerance float64 `json:"tolerance,omitempty" toml:"tolerance,omitempty"` // relative, for floats, when Kind is tolerance
}

// Problem is one slow function of a suite.
type Problem struct {
	Name        string `json:"name" toml:"name"`
	Category    string `json:"category" toml:"category"`
	File        string `json:"file" toml:"file"`         // the source file, relative to Dir
	Function    string `json:"function" toml:"function"` // as in `lessonl optimize FILE:FUNC`
	Language    string `json:"language,omitempty" toml:"language,omitempty"`
	Description string `json:"description,omitempty" toml:"description,omitempty"`
	Size        int    `json:"size,omitempty" toml:"size,omitempty"` // size of generated inputs; 0 = the suite's
	Check       Check  `json:"check" toml:"check"`

	Dir string `json:"-" toml:"-"` // absolute directory of the problem
}

// Path is the absolute path of the problem's source file.
func (p *Problem) Path() string { return filepath.Join(p.Dir, filepath.FromSlash(p.File)) }

// Target is what the runner and the team are given.
func (p *Problem) Target() exec.Target { return exec.Target{File: p.Path(), Func: p.Function} }

// Suite is a directory of problems.
type Suite struct {
	Name        string   `json:"name" toml:"name"`
	Description string   `json:"description,omitempty" toml:"description,omitempty"`
	Size        int      `json:"size,omitempty" toml:"size,omitempty"`             // default input size of its problems
	Categories  []string `json:"categories,omitempty" toml:"categories,omitempty"` // categories beyond the method's twelve

	Dir      string     `json:"-" toml:"-"` // absolute
	Problems []*Problem `json:"-" toml:"-"` // sorted by name
}

// Problem returns the named problem, or nil.
func (s *Suite) Problem(name string) *Problem {
	for _, p := range s.Problems {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// File names of the format.
const (
	SuiteFile       = "suite.toml"
	ProblemTOML     = "problem.toml"
	ProblemJSON     = "problem.json"
	DefaultSize     = 1000
	maxProblemDepth = 3 // problem directories may be grouped (suite/graph/bfs/problem.toml)
)

// Load reads a suite: dir's optional suite.toml and every directory below it
// (up to three levels) that holds a problem.toml or problem.json. Every
// problem is checked (its file and function exist); all the problems' errors
// are reported together.
func Load(dir string) (*Suite, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("couldn't load suite %s: %w", dir, err)
	}
	info, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("couldn't load suite: %w; give the directory that holds the problems (e.g. suites/go)", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("couldn't load suite %s: not a directory; give the directory that holds the problems (e.g. suites/go)", dir)
	}
	s := &Suite{Dir: abs, Name: filepath.Base(abs)}
	if data, err := os.ReadFile(filepath.Join(abs, SuiteFile)); err == nil {
		if err := decodeStrict(data, SuiteFile, s); err != nil {
			return nil, fmt.Errorf("couldn't load suite %s: %s: %w", dir, SuiteFile, err)
		}
		if s.Name == "" {
			s.Name = filepath.Base(abs)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("couldn't load suite %s: %w", dir, err)
	}
	if s.Size < 0 {
		return nil, fmt.Errorf("couldn't load suite %s: %s: size %d is negative; give the length of generated inputs, e.g. size = 1000", dir, SuiteFile, s.Size)
	}
	for i, c := range s.Categories {
		s.Categories[i] = normCategory(c)
	}

	var dirs []string
	err = filepath.WalkDir(abs, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(abs, path)
		if path != abs && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if rel != "." && strings.Count(filepath.ToSlash(rel), "/") >= maxProblemDepth {
			return filepath.SkipDir
		}
		if exists(filepath.Join(path, ProblemTOML)) || exists(filepath.Join(path, ProblemJSON)) {
			dirs = append(dirs, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("couldn't load suite %s: %w", dir, err)
	}
	if len(dirs) == 0 {
		return nil, fmt.Errorf("couldn't load suite %s: no problems: a problem is a directory holding %s or %s (see suites/README.md)", dir, ProblemTOML, ProblemJSON)
	}
	var errs []error
	names := map[string]string{}
	for _, d := range dirs {
		p, err := LoadProblem(d)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !s.knownCategory(p.Category) {
			errs = append(errs, fmt.Errorf("problem %s: unknown category %q; use one of %s, or list it under categories in %s", p.Name, p.Category, strings.Join(s.allCategories(), ", "), filepath.Join(abs, SuiteFile)))
			continue
		}
		if p.Size == 0 {
			p.Size = s.Size
		}
		if p.Size == 0 {
			p.Size = DefaultSize
		}
		if other, dup := names[p.Name]; dup {
			errs = append(errs, fmt.Errorf("problem name %q is used by both %s and %s; names must be unique in a suite: rename one (name = ... in its problem file)", p.Name, other, d))
			continue
		}
		names[p.Name] = d
		s.Problems = append(s.Problems, p)
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("couldn't load suite %s:\n%w", dir, errors.Join(errs...))
	}
	sort.Slice(s.Problems, func(i, j int) bool { return s.Problems[i].Name < s.Problems[j].Name })
	return s, nil
}

func (s *Suite) allCategories() []string {
	all := append([]string(nil), Categories...)
	for _, c := range s.Categories {
		if !slices.Contains(all, c) {
			all = append(all, c)
		}
	}
	return all
}

func (s *Suite) knownCategory(c string) bool { return slices.Contains(s.allCategories(), c) }

// LoadProblem reads one problem directory and checks that its file and
// function exist and that the runner can measure its language.
func LoadProblem(dir string) (*Problem, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	p := &Problem{Dir: abs}
	tomlPath, jsonPath := filepath.Join(abs, ProblemTOML), filepath.Join(abs, ProblemJSON)
	hasTOML, hasJSON := exists(tomlPath), exists(jsonPath)
	var file string
	switch {
	case hasTOML && hasJSON:
		return nil, fmt.Errorf("problem %s: both %s and %s: keep one", dir, ProblemTOML, ProblemJSON)
	case hasTOML:
		file = tomlPath
	case hasJSON:
		file = jsonPath
	default:
		return nil, fmt.Errorf("problem %s: no %s or %s", dir, ProblemTOML, ProblemJSON)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("problem %s: %w", dir, err)
	}
	if err := decodeStrict(data, filepath.Base(file), p); err != nil {
		return nil, fmt.Errorf("problem %s: %w", file, err)
	}
	if p.Name == "" {
		p.Name = filepath.Base(abs)
	}
	if err := p.validate(); err != nil {
		return nil, fmt.Errorf("problem %s (%s): %w", p.Name, file, err)
	}
	return p, nil
}

func (p *Problem) validate() error {
	if strings.ContainsAny(p.Name, " /\\\t\n") {
		return fmt.Errorf("name %q has spaces or slashes; use letters, digits, - and _", p.Name)
	}
	p.Category = normCategory(p.Category)
	if p.Category == "" {
		return fmt.Errorf("no category; add e.g. category = \"sort\" (one of %s)", strings.Join(Categories, ", "))
	}
	if p.File == "" {
		return errors.New("no file; add file = \"NAME.go\" (or .cpp): the source file that holds the slow function, relative to the problem directory")
	}
	if filepath.IsAbs(p.File) || strings.HasPrefix(filepath.ToSlash(filepath.Clean(p.File)), "../") {
		return fmt.Errorf("file %q must be inside the problem directory; give a relative path", p.File)
	}
	if p.Function == "" {
		return errors.New("no function; add function = \"Name\" (as in lessonl optimize FILE:FUNC)")
	}
	if p.Size < 0 {
		return fmt.Errorf("size %d is negative; give the length of generated inputs, e.g. size = 1000", p.Size)
	}
	switch p.Check.Kind {
	case "":
		p.Check.Kind = CheckExact
	case CheckExact:
	case CheckTolerance:
		if !(p.Check.Tolerance > 0 && p.Check.Tolerance < 1) {
			return fmt.Errorf("check tolerance %v: a tolerance check needs a relative tolerance between 0 and 1, e.g. tolerance = 1e-6", p.Check.Tolerance)
		}
	default:
		return fmt.Errorf("check kind %q: want exact or tolerance", p.Check.Kind)
	}
	if p.Check.Kind == CheckExact && p.Check.Tolerance != 0 {
		return fmt.Errorf("check tolerance %v with kind exact: set kind = \"tolerance\" or drop the tolerance", p.Check.Tolerance)
	}
	lang, _ := exec.LangOf(p.File)
	if lang == "" {
		return fmt.Errorf("file %s: unknown language; the runner measures .go, .c and .cpp files", p.File)
	}
	if p.Language == "" {
		p.Language = lang
	} else if p.Language != lang {
		return fmt.Errorf("language %q but file %s is %s; fix one of them", p.Language, p.File, lang)
	}
	src, err := os.ReadFile(p.Path())
	if err != nil {
		return fmt.Errorf("couldn't read its source: %w", err)
	}
	if _, ok := exec.LangOf(p.File); !ok {
		// The runner cannot measure it here: a load error would hide the
		// suite's other problems, so Run reports it as that problem's error.
		return nil
	}
	if _, err := exec.Locate(exec.Target{File: p.Path(), Func: p.Function, Source: src}); err != nil {
		return fmt.Errorf("couldn't find its function: %w", err)
	}
	return nil
}

func normCategory(c string) string {
	c = strings.ToLower(strings.Join(strings.Fields(c), " "))
	switch c {
	case "dense la", "dense_la", "dense-linear-algebra", "dense_linear_algebra":
		return "dense linear algebra"
	case "sparse la", "sparse_la", "sparse-linear-algebra", "sparse_linear_algebra":
		return "sparse linear algebra"
	}
	return c
}

// decodeStrict decodes TOML or JSON (by the file name) and refuses unknown
// fields, so a misspelt key never silently changes a benchmark.
func decodeStrict(data []byte, name string, v any) error {
	if strings.HasSuffix(name, ".json") {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("not valid: %w", err)
		}
		return nil
	}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var se *toml.StrictMissingError
		if errors.As(err, &se) && len(se.Errors) > 0 {
			var keys []string
			for _, e := range se.Errors {
				row, _ := e.Position()
				keys = append(keys, fmt.Sprintf("%q (line %d)", strings.Join(e.Key(), "."), row))
			}
			return fmt.Errorf("unknown key %s: check the spelling against suites/README.md", strings.Join(keys, ", "))
		}
		var de *toml.DecodeError
		if errors.As(err, &de) {
			row, col := de.Position()
			return fmt.Errorf("line %d, column %d: %s", row, col, de.Error())
		}
		return err
	}
	return nil
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
