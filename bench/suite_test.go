package bench

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec"
)

func TestLoadGoSuite(t *testing.T) {
	s, err := Load(filepath.Join("..", "suites", "go"))
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "go" || len(s.Problems) < 8 {
		t.Fatalf("suite %q with %d problems; want go with at least 8", s.Name, len(s.Problems))
	}
	cats := map[string]bool{}
	for _, p := range s.Problems {
		cats[p.Category] = true
		if p.Language != "go" || p.Size <= 0 || p.Check.Kind == "" || !filepath.IsAbs(p.Dir) {
			t.Errorf("problem %s not filled in: %+v", p.Name, p)
		}
		// Every problem has its known answer in the test data, and only there.
		if _, err := os.Stat(answerPath("go", p.Name)); err != nil {
			t.Errorf("problem %s has no known answer: %v", p.Name, err)
		}
	}
	for _, c := range Categories {
		if !cats[c] {
			t.Errorf("the Go suite has no %s problem", c)
		}
	}
	if !slices.IsSortedFunc(s.Problems, func(a, b *Problem) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("problems are not sorted by name")
	}
}

func answerPath(suite, problem string) string {
	return filepath.Join("testdata", "answers", suite, problem+".md")
}

const (
	okGo  = "package p\n\nfunc F(xs []int) int {\n\treturn len(xs)\n}\n"
	okCpp = "#include <vector>\n\nint f(const std::vector<int>& xs) { return (int)xs.size(); }\n"
)

func TestLoadErrors(t *testing.T) {
	for _, tt := range []struct {
		name  string
		files map[string]string
		want  []string // all must appear in the error
	}{
		{"no problems", map[string]string{"README": "x"}, []string{"no problems", "problem.toml"}},
		{"unknown key", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"a.go\"\nfunction = \"F\"\nfunktion = \"G\"\n", "a/a.go": okGo},
			[]string{"unknown key", "funktion"}},
		{"unknown category", map[string]string{"a/problem.toml": "category = \"sorting\"\nfile = \"a.go\"\nfunction = \"F\"\n", "a/a.go": okGo},
			[]string{`unknown category "sorting"`, "dense linear algebra", "suite.toml"}},
		{"missing function", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"a.go\"\nfunction = \"G\"\n", "a/a.go": okGo},
			[]string{"couldn't find its function", "G not found", "did you mean F"}},
		{"missing file", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"b.go\"\nfunction = \"F\"\n"},
			[]string{"couldn't read its source", "b.go"}},
		{"no category", map[string]string{"a/problem.toml": "file = \"a.go\"\nfunction = \"F\"\n", "a/a.go": okGo}, []string{"no category"}},
		{"no function", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"a.go\"\n", "a/a.go": okGo}, []string{"no function"}},
		{"file outside", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"../a.go\"\nfunction = \"F\"\n", "a.go": okGo},
			[]string{"inside the problem directory"}},
		{"bad check", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"a.go\"\nfunction = \"F\"\n[check]\nkind = \"close\"\n", "a/a.go": okGo},
			[]string{`check kind "close"`, "exact or tolerance"}},
		{"tolerance without value", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"a.go\"\nfunction = \"F\"\n[check]\nkind = \"tolerance\"\n", "a/a.go": okGo},
			[]string{"needs a relative tolerance"}},
		{"tolerance on exact", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"a.go\"\nfunction = \"F\"\n[check]\ntolerance = 0.1\n", "a/a.go": okGo},
			[]string{"kind exact"}},
		{"unknown language", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"a.rs\"\nfunction = \"F\"\n", "a/a.rs": "fn f() {}"},
			[]string{"unknown language"}},
		{"language mismatch", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"a.go\"\nfunction = \"F\"\nlanguage = \"cpp\"\n", "a/a.go": okGo},
			[]string{`language "cpp"`}},
		{"both files", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"a.go\"\nfunction = \"F\"\n", "a/problem.json": "{}", "a/a.go": okGo},
			[]string{"keep one"}},
		{"bad json", map[string]string{"a/problem.json": `{"category": "sort", "file": "a.go", "function": "F", "sise": 3}`, "a/a.go": okGo},
			[]string{"sise"}},
		{"toml syntax", map[string]string{"a/problem.toml": "category = sort\n", "a/a.go": okGo}, []string{"line 1"}},
		{"duplicate names", map[string]string{
			"a/problem.toml": "name = \"x\"\ncategory = \"sort\"\nfile = \"a.go\"\nfunction = \"F\"\n", "a/a.go": okGo,
			"b/problem.toml": "name = \"x\"\ncategory = \"sort\"\nfile = \"a.go\"\nfunction = \"F\"\n", "b/a.go": okGo,
		}, []string{`problem name "x" is used by both`}},
		{"every problem's error", map[string]string{
			"a/problem.toml": "category = \"sort\"\nfile = \"a.go\"\n", "a/a.go": okGo,
			"b/problem.toml": "category = \"sort\"\nfunction = \"F\"\n",
		}, []string{"no function", "no file"}},
		{"missing c++ function", map[string]string{"a/problem.toml": "category = \"sort\"\nfile = \"a.cpp\"\nfunction = \"g\"\n", "a/a.cpp": okCpp},
			[]string{"couldn't find its function", "g not found"}},
		{"bad suite file", map[string]string{"suite.toml": "nmae = \"x\"\n", "a/problem.toml": "category = \"sort\"\nfile = \"a.go\"\nfunction = \"F\"\n", "a/a.go": okGo},
			[]string{"suite.toml", "nmae"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := writeTree(t, tt.files)
			_, err := Load(dir)
			if err == nil {
				t.Fatal("loaded; want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

func TestLoadFormats(t *testing.T) {
	dir := writeTree(t, map[string]string{
		"suite.toml":              "name = \"mine\"\nsize = 77\ncategories = [\"Strings\"]\n",
		"group/t/problem.toml":    "category = \"TRANSFORM\"\nfile = \"a.go\"\nfunction = \"F\"\n",
		"group/t/a.go":            okGo,
		"j/problem.json":          `{"name": "jay", "category": "strings", "file": "a.go", "function": "F", "size": 5, "check": {"kind": "tolerance", "tolerance": 1e-9}}`,
		"j/a.go":                  okGo,
		"c/problem.toml":          "category = \"reduce\"\nfile = \"c.cpp\"\nfunction = \"f\"\n[check]\nkind = \"tolerance\"\ntolerance = 1e-6\n",
		"c/c.cpp":                 okCpp,
		"c2/lessonl.toml":         "[cpp]\nrtol = 1e-3\n",
		"c2/problem.toml":         "category = \"reduce\"\nfile = \"c.cpp\"\nfunction = \"f\"\n[check]\nkind = \"tolerance\"\ntolerance = 1e-3\n",
		"c2/c.cpp":                okCpp,
		"testdata/x/problem.toml": "this is not read",
	})
	s, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s.Name != "mine" || len(s.Problems) != 4 {
		t.Fatalf("suite %+v", s)
	}
	j, tp := s.Problem("jay"), s.Problem("t")
	if c := s.Problem("c"); c == nil || c.Language != "cpp" || c.Check.Tolerance != 1e-6 {
		t.Errorf("c++ problem: %+v", c)
	}
	if j == nil || tp == nil {
		t.Fatalf("problems %v", s.Problems)
	}
	if j.Category != "strings" || j.Size != 5 || j.Check != (Check{CheckTolerance, 1e-9}) || j.Language != "go" {
		t.Errorf("json problem: %+v", j)
	}
	if tp.Category != "transform" || tp.Size != 77 || tp.Check.Kind != CheckExact || tp.Path() != filepath.Join(dir, "group", "t", "a.go") {
		t.Errorf("toml problem: %+v", tp)
	}
}

func writeTree(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// FuzzLoadProblem: no problem file, however broken, panics the loader or
// loads without a category, a file and a function.
func FuzzLoadProblem(f *testing.F) {
	f.Add("category = \"sort\"\nfile = \"a.go\"\nfunction = \"F\"\nsize = 10\n[check]\nkind = \"tolerance\"\ntolerance = 1e-9\n", false)
	f.Add(`{"category": "sort", "file": "a.go", "function": "F", "check": {"kind": "exact"}}`, true)
	f.Add("category = \"sort\"\nfile = \"../a.go\"\nfunction = \"F\"\n", false)
	f.Add("[check]\nkind = 3\n", false)
	f.Add("name = \"a b\"\ncategory = \"x\"\n", false)
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "a.go"), []byte(okGo), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string, asJSON bool) {
		d, err := os.MkdirTemp(dir, "p")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(d)
		os.WriteFile(filepath.Join(d, "a.go"), []byte(okGo), 0o644)
		name := ProblemTOML
		if asJSON {
			name = ProblemJSON
		}
		if err := os.WriteFile(filepath.Join(d, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		p, err := LoadProblem(d)
		if err != nil {
			return
		}
		if p.Category == "" || p.File == "" || p.Function == "" || p.Language == "" || p.Check.Kind == "" || p.Size < 0 {
			t.Errorf("loaded an incomplete problem: %+v", p)
		}
	})
}

// A stated tolerance is what the runner applies; OpenMP only for C and C++.
func TestApplyProblemOptions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      Problem
		o      Options
		rtol   float64
		openMP bool
	}{
		{"exact go", Problem{Language: "go", Check: Check{Kind: CheckExact}}, Options{OMP: 8}, 0, false},
		{"tolerance go", Problem{Language: "go", Check: Check{Kind: CheckTolerance, Tolerance: 1e-4}}, Options{}, 1e-4, false},
		{"tolerance cpp, openmp", Problem{Language: "cpp", Check: Check{Kind: CheckTolerance, Tolerance: 1e-3}}, Options{OMP: 4}, 1e-3, true},
		{"exact c, serial", Problem{Language: "c", Check: Check{Kind: CheckExact}}, Options{}, 0, false},
	} {
		var m exec.Options
		if err := applyProblemOptions(&m, &tc.p, tc.o); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if m.RTol != tc.rtol || m.OpenMP != tc.openMP || tc.openMP && m.Threads != tc.o.OMP {
			t.Errorf("%s: rtol %g, openmp %v (%d threads); want %g, %v", tc.name, m.RTol, m.OpenMP, m.Threads, tc.rtol, tc.openMP)
		}
	}
}
