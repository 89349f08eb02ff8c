package cxx

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lessonl/lessonl/exec/internal/core"
)

func TestParseProjectConfig(t *testing.T) {
	cases := []struct {
		name    string
		text    string
		wantErr string // substring; "" for valid
		check   func(t *testing.T, c *ProjectConfig)
	}{
		{name: "empty", text: "", check: func(t *testing.T, c *ProjectConfig) {
			if len(c.Harness) != 0 || c.CPP.OpenMP || c.CPP.Flags != nil {
				t.Errorf("empty config = %+v", c)
			}
		}},
		{name: "languages", text: `
[c]
compiler = "clang"
flags = ["-std=c99", "-O2"]

[cpp]
flags = ["-std=c++20", "-O3"]
openmp = true
threads = 8
rtol = 1e-5
atol = 1e-8
template_args = ["double", "int"]
`, check: func(t *testing.T, c *ProjectConfig) {
			want := LangConfig{Flags: []string{"-std=c++20", "-O3"}, OpenMP: true, Threads: 8, RTol: 1e-5, ATol: 1e-8, TemplateArgs: []string{"double", "int"}}
			if !reflect.DeepEqual(c.CPP, want) {
				t.Errorf("[cpp] = %+v, want %+v", c.CPP, want)
			}
			if c.C.Compiler != "clang" || len(c.C.Flags) != 2 {
				t.Errorf("[c] = %+v", c.C)
			}
		}},
		{name: "one harness", text: `
[harness]
files = ["src/*.cpp"]
build = "g++ {flags} -o {out} {file} t.cpp"
test = "{out} test"
bench = "{out} bench"
timeout = "90s"
`, check: func(t *testing.T, c *ProjectConfig) {
			if len(c.Harness) != 1 || c.Harness[0].Test != "{out} test" || c.Harness[0].timeout != 90*time.Second {
				t.Errorf("harness = %+v", c.Harness)
			}
		}},
		{name: "two harnesses", text: `
[[harness]]
funcs = ["fast::*"]
test = "a"

[[harness]]
lang = "c"
bench = "b"
`, check: func(t *testing.T, c *ProjectConfig) {
			if len(c.Harness) != 2 || c.Harness[1].Lang != "c" {
				t.Errorf("harness = %+v", c.Harness)
			}
		}},
		{name: "unknown key", text: "[cpp]\nflags = []\nopenmpp = true\n", wantErr: "lessonl.toml:3: unknown key cpp.openmpp"},
		{name: "unknown harness key", text: "[harness]\ntest = \"x\"\nbuidl = \"y\"\n", wantErr: "unknown key harness.buidl"},
		{name: "bad toml", text: "[cpp\nflags = 1\n", wantErr: "lessonl.toml:1:"},
		{name: "wrong type", text: "[cpp]\nflags = \"-O3\"\n", wantErr: "lessonl.toml:2:"},
		{name: "bad placeholder", text: "[harness]\ntest = \"{bin} test\"\n", wantErr: "test uses {bin}; the placeholders are"},
		{name: "no test nor bench", text: "[harness]\nbuild = \"make\"\n", wantErr: "neither test nor bench"},
		{name: "bad lang", text: "[harness]\nlang = \"c++\"\ntest = \"x\"\n", wantErr: `lang = "c++"`},
		{name: "bad timeout", text: "[harness]\ntest = \"x\"\ntimeout = \"soon\"\n", wantErr: `timeout = "soon"`},
		{name: "bad threads", text: "[cpp]\nthreads = -2\n", wantErr: "threads = -2"},
		{name: "bad compiler", text: "[c]\ncompiler = \"gcc -O2\"\n", wantErr: "name one program"},
		{name: "harness scalar", text: "harness = 3\n", wantErr: "harness must be a table"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := ParseProjectConfig("/p/lessonl.toml", []byte(c.text))
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Root != "/p" || cfg.Path != "/p/lessonl.toml" {
				t.Errorf("root %q path %q", cfg.Root, cfg.Path)
			}
			c.check(t, cfg)
		})
	}
}

func TestHarnessFor(t *testing.T) {
	cfg, err := ParseProjectConfig("/p/lessonl.toml", []byte(`
[[harness]]
funcs = ["fast::*", "sum"]
test = "a"

[[harness]]
lang = "c"
files = ["lib/**/*.c"]
test = "b"

[[harness]]
files = ["src/*.cpp"]
test = "c"
`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file, lang, fn string
		want           string // the test command of the harness, "" for none
	}{
		{"/p/src/a.cpp", "cpp", "fast::go", "a"},
		{"/p/src/a.cpp", "cpp", "ns::sum", "a"},
		{"/p/src/a.cpp", "cpp", "other", "c"},
		{"/p/src/deep/a.cpp", "cpp", "other", ""},
		{"/p/lib/x/y/z.c", "c", "f", "b"},
		{"/p/lib/z.c", "c", "f", "b"},
		{"/p/lib/z.cpp", "cpp", "f", ""},
		{"/elsewhere/a.cpp", "cpp", "sum", ""},
	}
	for _, c := range cases {
		h := cfg.harnessCovering(c.file, c.lang, c.fn)
		got := ""
		if h != nil {
			got = h.Test
		}
		if got != c.want {
			t.Errorf("harnessCovering(%s, %s, %s) = %q, want %q", c.file, c.lang, c.fn, got, c.want)
		}
	}
}

func TestLoadProjectConfigNearest(t *testing.T) {
	root := t.TempDir()
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	if c, err := LoadProjectConfig(filepath.Join(sub, "x.cpp")); c != nil || err != nil {
		t.Fatalf("no config: %v, %v", c, err)
	}
	write := func(dir, text string) {
		if err := os.WriteFile(filepath.Join(dir, ProjectConfigName), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(root, "[cpp]\nthreads = 2\n")
	write(filepath.Join(root, "a"), "[cpp]\nthreads = 3\n")
	c, err := LoadProjectConfig(filepath.Join(sub, "x.cpp"))
	if err != nil || c.CPP.Threads != 3 || c.Root != filepath.Join(root, "a") {
		t.Fatalf("nearest config: %+v, %v", c, err)
	}
	// Options win over the file; the file over the defaults.
	b, err := CxxBuildFor(filepath.Join(sub, "x.cpp"), core.Options{OpenMP: true})
	if err != nil {
		t.Fatal(err)
	}
	if !b.OpenMP || b.Threads != 3 || !slices.Contains(b.Flags, "-fopenmp") || !slices.Contains(b.Flags, "-std=c++17") || b.Config == "" {
		t.Errorf("CxxBuildFor = %+v", b)
	}
	b, err = CxxBuildFor(filepath.Join(sub, "x.c"), core.Options{CFlags: []string{"-O1"}, Threads: 5})
	if err != nil || b.Compiler != "gcc" || !reflect.DeepEqual(b.Flags, []string{"-O1"}) || b.OpenMP || b.Threads != 5 {
		t.Errorf("CxxBuildFor(C) = %+v, %v", b, err)
	}
	write(filepath.Join(root, "a"), "[cpp]\nthreads = \"many\"\n")
	if _, err := CxxBuildFor(filepath.Join(sub, "x.cpp"), core.Options{}); err == nil || !strings.Contains(err.Error(), "lessonl.toml:2") {
		t.Errorf("bad config: %v", err)
	}
	if _, err := CxxBuildFor("x.go", core.Options{}); err == nil {
		t.Error("CxxBuildFor accepted a Go file")
	}
}

func TestParseHarnessTime(t *testing.T) {
	cases := []struct {
		out  string
		ns   float64
		ok   bool
		kind string
	}{
		{"lessonl-time-ns: 120\nlessonl-time-ns: 100.5\nLESSONL-TIME-NS: 130\n", 100.5, true, "lessonl-time-ns"},
		{"noise\n  lessonl-time-ns:   42  \n", 42, true, "lessonl-time-ns"},
		{"lessonl-time-ns: -3\nlessonl-time-ns: x\n", 0, false, ""},
		{"BenchmarkA-8   1000   200 ns/op\nBenchmarkB-8   1000   50 ns/op\n", 100, true, "Go benchmark"},
		{"BenchmarkA   10   300 ns/op\nBenchmarkA   10   250 ns/op\n", 250, true, "Go benchmark"},
		{"PASS\nok\n", 0, false, ""},
	}
	for _, c := range cases {
		ns, how, ok := parseHarnessTime(c.out)
		if ok != c.ok || ok && (ns < c.ns*0.999 || ns > c.ns*1.001 || !strings.Contains(how, c.kind)) {
			t.Errorf("parseHarnessTime(%q) = %v, %q, %v; want %v (%s)", c.out, ns, how, ok, c.ns, c.kind)
		}
	}
}

func TestHarnessExpand(t *testing.T) {
	r := &cxxRun{s: &cxxSettings{compiler: "g++", flags: []string{"-O2", "-DNAME=a b"}, threads: 4, openmp: true}, fn: &cxxFunc{name: "ns::f"}}
	s := &harnessSide{dir: "/w/orig", file: "/w/orig/src/it's.cpp", out: "/w/orig/lessonl.out"}
	got := r.expand("{cc} {flags} -o {out} {file} && OMP={threads} {out} {func} {dir} {nope}", s)
	want := `g++ -O2 '-DNAME=a b' -fopenmp -o /w/orig/lessonl.out '/w/orig/src/it'\''s.cpp' && OMP=4 /w/orig/lessonl.out ns::f /w/orig {nope}`
	if got != want {
		t.Errorf("expand =\n%s\nwant\n%s", got, want)
	}
}
