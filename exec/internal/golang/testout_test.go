package golang

import (
	"reflect"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec/internal/core"
)

func TestParseTestOutput(t *testing.T) {
	for _, tt := range []struct {
		name    string
		out     string
		status  map[string]string
		running string
		crashIn string
		crash   string // prefix
		timeout bool
		output  map[string]string // substrings of a test's output
	}{
		{
			name: "pass and fail with subtests",
			out: `=== RUN   TestA
=== RUN   TestA/one
--- PASS: TestA (0.00s)
    --- PASS: TestA/one (0.00s)
=== RUN   TestB
    b_test.go:9: Apply = [2 4 0], want [2 4 6]
--- FAIL: TestB (0.00s)
FAIL
`,
			status: map[string]string{"TestA": "PASS", "TestB": "FAIL"},
			output: map[string]string{"TestB": "Apply = [2 4 0]"},
		},
		{
			name: "panic in a test",
			out: `=== RUN   TestA
--- FAIL: TestA (0.00s)
panic: runtime error: index out of range [3] with length 3 [recovered]
	panic: runtime error: index out of range [3] with length 3

goroutine 7 [running]:
`,
			status:  map[string]string{"TestA": "FAIL"},
			crashIn: "TestA",
			crash:   "panic: runtime error: index out of range",
		},
		{
			name: "panic in a goroutine while a test runs",
			out: `=== RUN   TestA
=== RUN   TestB
panic: lost

goroutine 9 [running]:
`,
			status:  map[string]string{},
			running: "TestB",
			crashIn: "TestB",
			crash:   "panic: lost",
		},
		{
			name: "test timeout",
			out: `=== RUN   TestSlow
panic: test timed out after 5s
	running tests:
		TestSlow (5s)

goroutine 17 [running]:
`,
			status:  map[string]string{},
			running: "TestSlow",
			crashIn: "TestSlow",
			crash:   "panic: test timed out",
			timeout: true,
		},
		{
			name: "out of memory",
			out: `=== RUN   TestLessonlDiff
fatal error: runtime: out of memory

runtime stack:
`,
			status:  map[string]string{},
			running: "TestLessonlDiff",
			crashIn: "TestLessonlDiff",
			crash:   "fatal error: runtime: out of memory",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			to := parseTestOutput(tt.out)
			if !reflect.DeepEqual(to.status, tt.status) {
				t.Errorf("status %v, want %v", to.status, tt.status)
			}
			if to.running != tt.running || to.crashIn != tt.crashIn || to.timedOut != tt.timeout {
				t.Errorf("running %q crashIn %q timedOut %v; want %q %q %v", to.running, to.crashIn, to.timedOut, tt.running, tt.crashIn, tt.timeout)
			}
			if !strings.HasPrefix(to.crash, tt.crash) || (tt.crash == "") != (to.crash == "") {
				t.Errorf("crash %q, want prefix %q", to.crash, tt.crash)
			}
			for test, sub := range tt.output {
				if !strings.Contains(to.output[test], sub) {
					t.Errorf("output of %s = %q, want it to contain %q", test, to.output[test], sub)
				}
			}
		})
	}
}

func TestParseHarnessLines(t *testing.T) {
	out := `=== RUN   TestLessonlDiff

LESSONL-CASE {"call":"original","case":3,"profile":"small","seed":4}

LESSONL-CASE {"call":"variant","case":3,"input":"xs=[]int{1}","profile":"small","seed":4}
panic: boom
`
	to := parseTestOutput(out)
	if to.result != nil {
		t.Errorf("result %+v from a crashed run", to.result)
	}
	want := caseMark{Case: 3, Call: "variant", Seed: 4, Profile: "small", Input: "xs=[]int{1}"}
	if to.lastCase == nil || *to.lastCase != want {
		t.Fatalf("last case %+v, want %+v", to.lastCase, want)
	}
	to = parseTestOutput(out[:strings.Index(out, "panic")] + `
LESSONL-RESULT {"status":"ok","cases":85,"panics":2}
--- PASS: TestLessonlDiff (0.01s)
`)
	if to.result == nil || to.result.Status != "ok" || to.result.Cases != 85 || to.result.Panics != 2 {
		t.Fatalf("result %+v", to.result)
	}
}

func TestParseBench(t *testing.T) {
	out := `goos: linux
goarch: amd64
pkg: example.com/runner/checksum
cpu: AMD EPYC
BenchmarkLessonl-2   	   10000	      2400 ns/op	      1900 cpu-ns/op
BenchmarkLessonl-2   	   10000	      2300 ns/op	      2000 cpu-ns/op
BenchmarkLessonl-2   	   10000	      2500 ns/op	      1800 cpu-ns/op
BenchmarkSum/size=10 	 5000000	       3.5 ns/op
BenchmarkSum/size=10 	 5000000	       3.2 ns/op
Benchmark-not-a-result
BenchmarkLessonlAB-2 	       1	     21000 ns/op	      2500 orig-ns/op	      2400 orig-cpu-ns/op	      1300 variant-ns/op	      1200 variant-cpu-ns/op
PASS
`
	got := core.ParseBench(out)
	want := map[string]core.BenchResult{
		"BenchmarkLessonl":     {"ns/op": 2300, "cpu-ns/op": 1800},
		"BenchmarkSum/size=10": {"ns/op": 3.2},
		"BenchmarkLessonlAB":   {"ns/op": 21000, "orig-ns/op": 2500, "orig-cpu-ns/op": 2400, "variant-ns/op": 1300, "variant-cpu-ns/op": 1200},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("parseBench = %+v, want %+v", got, want)
	}
}

func TestRelatedTests(t *testing.T) {
	for _, tt := range []struct {
		dir, pkg, fn  string
		tests, benchs []string
	}{
		{"testdata/runner/apply", "apply", "Apply", []string{"TestApply"}, nil},
		{"testdata/runner/checksum", "checksum", "Checksum", []string{"TestChecksum"}, nil},
		{"testdata/runner/stack", "stack", "(*Stack).Total", []string{"TestTotal"}, []string{"BenchmarkTotal"}},
	} {
		gf, err := readGoFile(tt.dir+"/"+tt.pkg+".go", nil)
		if err != nil {
			t.Fatal(err)
		}
		tests, benchs := relatedTests(tt.dir, tt.pkg, findDecl(t, gf, tt.fn))
		if !reflect.DeepEqual(tests, tt.tests) || !reflect.DeepEqual(benchs, tt.benchs) {
			t.Errorf("%s: tests %v benchmarks %v; want %v %v", tt.fn, tests, benchs, tt.tests, tt.benchs)
		}
	}
}
