package cxx

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec/internal/core"
	"github.com/lessonl/lessonl/exec/internal/exectest"
	"github.com/lessonl/lessonl/exec/sandbox"
)

// The C and C++ runner's tests measure real variants of the files in
// testdata/cxx (kernels/, csrc/, harness/; variants in variants/) with the
// real gcc/g++ and the real sandbox. The timing verdicts they assert are far
// apart (2x and more), which a loaded machine does not blur.

const cxxDir = "testdata/cxx"

func cxxVariant(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(cxxDir, "variants", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestCxxMeasureVerdicts(t *testing.T) {
	before, home, tag := exectest.Hostile(t, cxxDir)
	sb := core.SandboxFor(sandbox.Options{})
	escapes := []string{
		filepath.Join(os.TempDir(), "lessonl-cxx-escape-"+tag),
		filepath.Join(home, "lessonl-cxx-escape-"+tag),
		exectest.MustAbs(t, filepath.Join(cxxDir, "kernels", "escaped-"+tag)),
	}
	sleepMark := fmt.Sprintf("2000.%09d", rand.IntN(1e9))
	t.Cleanup(func() {
		exectest.Untouched(t, cxxDir, before, escapes, sleepMark)
		dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), core.WorkPrefix()+"*"))
		if len(dirs) > 0 {
			t.Errorf("measurements left work directories %v", dirs)
		}
		if procs := exectest.PidsWith(core.WorkPrefix()); len(procs) > 0 {
			t.Errorf("measurements left processes %v", procs)
		}
	})
	writeOutside := "#include <cstdio>\nlong isum(const std::vector<int>& v) {\n"
	for _, p := range escapes {
		writeOutside += fmt.Sprintf("    if (std::FILE* f = std::fopen(%q, \"w\")) { std::fputs(\"x\", f); std::fclose(f); }\n", p)
	}
	writeOutside += "    long s = 0;\n    for (int x : v) s += x;\n    return s;\n}\n"
	forkBomb := fmt.Sprintf(`#include <unistd.h>
long isum(const std::vector<int>& v) {
    for (;;) {
        if (fork() == 0) {
            execl("/bin/sleep", "sleep", %q, (char*)0);
            for (;;) {}
        }
    }
    return (long)v.size();
}
`, sleepMark)

	kernels := filepath.Join(cxxDir, "kernels", "kernels.cpp")
	vec := filepath.Join(cxxDir, "csrc", "vec.c")
	samples := filepath.Join(cxxDir, "csrc", "samples.c")
	poly := filepath.Join(cxxDir, "harness", "src", "poly.cpp")
	verified := []core.Verdict{core.Faster, core.Same, core.Slower}
	type tc struct {
		name        string
		file, fn    string
		variant     string // a file of testdata/cxx/variants, or the text itself when it has a newline
		opts        func(*core.Options)
		source      string // the file's unsaved text, when set
		sandboxOnly bool
		want        []core.Verdict
		check       func(t *testing.T, r *core.Report)
	}
	cases := []tc{
		{name: "faster", file: kernels, fn: "prefix_total", variant: "prefix_total_fast.cpp", want: []core.Verdict{core.Faster},
			check: func(t *testing.T, r *core.Report) {
				if r.Speedup < 5 || r.SpeedupLow <= 1.05 || r.OriginalNs <= r.VariantNs {
					t.Errorf("speedup %.2f [%.2f, %.2f], original %.0f ns, variant %.0f ns: want far faster (quadratic to linear)", r.Speedup, r.SpeedupLow, r.SpeedupHigh, r.OriginalNs, r.VariantNs)
				}
				if r.Lang != "cpp" || r.Func != "kern::prefix_total" || r.Sandboxed != sb.Enabled() {
					t.Errorf("lang %q func %q sandboxed %v", r.Lang, r.Func, r.Sandboxed)
				}
				if r.Checks.GeneratedCases < 50 || len(r.Checks.Seeds) != cxxSeeds || r.Checks.Rounds < core.MinRatioSamples ||
					!strings.Contains(r.Checks.Benchmark, "generated driver") {
					t.Errorf("checks %+v", r.Checks)
				}
			}},
		{name: "slower", file: kernels, fn: "isum", variant: "isum_slow.cpp", want: []core.Verdict{core.Slower}},
		{name: "same", file: kernels, fn: "isum", variant: "isum_identical.cpp", want: []core.Verdict{core.Same}},
		{name: "wrong-on-an-edge", file: kernels, fn: "isum", variant: "isum_int_acc.cpp", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if r.Failure == nil || !strings.HasPrefix(r.Failure.Input, "v=[") || r.Failure.Original == r.Failure.Variant {
					t.Fatalf("failure %+v: want the input and two different outputs", r.Failure)
				}
			}},
		{name: "float-order-within-tolerance", file: kernels, fn: "dsum", variant: "dsum_4acc.cpp", want: []core.Verdict{core.Faster, core.Same}},
		{name: "build-error", file: kernels, fn: "isum", variant: "isum_syntax.cpp", want: []core.Verdict{core.BuildFailed},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "variant.cpp:3") {
					t.Errorf("detail %q: want the compiler's message at the variant's own line", r.Detail)
				}
			}},
		{name: "signature-change", file: kernels, fn: "isum", variant: "isum_signature.cpp", want: []core.Verdict{core.BuildFailed},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "changes the signature") {
					t.Errorf("detail %q", r.Detail)
				}
			}},
		{name: "template", file: kernels, fn: "tsum", variant: "tsum_same.cpp", want: verified,
			check: func(t *testing.T, r *core.Report) {
				if r.Checks.GeneratedCases < 50 {
					t.Errorf("generated cases %d", r.Checks.GeneratedCases)
				}
			}},
		{name: "pair-result", file: kernels, fn: "minmax", variant: "minmax_wrong.cpp", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "at result.first") {
					t.Errorf("detail %q: want the pair's member named", r.Detail)
				}
			}},
		{name: "method-result", file: kernels, fn: "Acc.total", variant: "total_wrong.cpp", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if r.Failure == nil || !strings.Contains(r.Failure.Input, "this={xs: [") {
					t.Errorf("failure %+v: want the object shown", r.Failure)
				}
			}},
		{name: "method-mutates-object", file: kernels, fn: "Acc::shift", variant: "shift_wrong.cpp", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "this.bias (changed by the call)") {
					t.Errorf("detail %q: want the object's member named", r.Detail)
				}
			}},
		{name: "method-private-state", file: kernels, fn: "Counter.add", variant: "counter_add_wrong.cpp", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "this.neg_ (changed by the call)") {
					t.Errorf("detail %q: want the private member named", r.Detail)
				}
			}},
		{name: "pointer-result", file: kernels, fn: "find_first", variant: "find_first_wrong.cpp", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if r.Failure == nil || !strings.Contains(r.Failure.Original, "a + ") {
					t.Errorf("failure %+v: want the result as a position in a", r.Failure)
				}
			}},
		{name: "mutates-argument", file: kernels, fn: "scale", variant: "scale_wrong.cpp", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "changed by the call") || !strings.Contains(r.Detail, "x after the call") {
					t.Errorf("detail %q: want the argument named as changed", r.Detail)
				}
			}},
		{name: "unsupported-parameters", file: kernels, fn: "histogram", variant: "histogram_same.cpp", want: []core.Verdict{core.Unverified},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "std::map") || !strings.Contains(r.Detail, "[harness]") || !strings.Contains(r.Detail, ProjectConfigName) {
					t.Errorf("detail %q: want the type and how to declare a harness", r.Detail)
				}
			}},
		{name: "endless-loop", file: kernels, fn: "isum", variant: "hostile_loop.cpp", want: []core.Verdict{core.Timeout},
			check: func(t *testing.T, r *core.Report) {
				if r.Failure == nil || r.Failure.Input == "" {
					t.Errorf("failure %+v: want the input", r.Failure)
				}
			}},
		{name: "memory-bomb", file: kernels, fn: "isum", variant: "hostile_memory.cpp", want: []core.Verdict{core.Crashed},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "memory") {
					t.Errorf("detail %q: want out of memory", r.Detail)
				}
			}},
		{name: "fork-bomb", file: kernels, fn: "isum", variant: forkBomb, sandboxOnly: true, want: []core.Verdict{core.Timeout, core.Crashed}},
		{name: "writes-outside", file: kernels, fn: "isum", variant: writeOutside, want: verified},
		{name: "openmp", file: kernels, fn: "dsum", variant: "dsum_omp.cpp", opts: func(o *core.Options) { o.OpenMP, o.Threads = true, 2 }, want: verified,
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Checks.Benchmark, "OpenMP, 2 threads") {
					t.Errorf("benchmark %q: want OpenMP named", r.Checks.Benchmark)
				}
			}},
		// The editor's unsaved text is the original, not the file on disk.
		{name: "unsaved-source", file: vec, fn: "sumsq", variant: "sumsq_fast.c", want: []core.Verdict{core.Incorrect},
			source: "#include <stddef.h>\ntypedef double real;\nreal sumsq(const real *x, size_t n) { return n ? x[0] : 0; }\n",
			check: func(t *testing.T, r *core.Report) {
				if r.Failure == nil {
					t.Errorf("no failure shown")
				}
			}},
		{name: "c-faster", file: vec, fn: "sumsq", variant: "sumsq_fast.c", want: []core.Verdict{core.Faster},
			check: func(t *testing.T, r *core.Report) {
				if r.Lang != "c" {
					t.Errorf("lang %q", r.Lang)
				}
			}},
		{name: "c-mutated-argument", file: vec, fn: "axpy", variant: "axpy_wrong.c", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "y after the call") {
					t.Errorf("detail %q", r.Detail)
				}
			}},
		{name: "c-string", file: vec, fn: "vowels", variant: "vowels_fast.c", want: []core.Verdict{core.Faster}},
		// An array of a C file's structs: declared once in the driver, filled
		// and compared member by member.
		{name: "c-struct-array", file: samples, fn: "bestId", variant: "bestid_fast.c", want: []core.Verdict{core.Faster}},
		{name: "c-struct-array-wrong", file: samples, fn: "bestId", variant: "bestid_wrong.c", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "{id: ") || !strings.Contains(r.Detail, "value: ") {
					t.Errorf("detail %q: want the structs shown by member", r.Detail)
				}
			}},
		{name: "c-build-error", file: vec, fn: "sumsq", variant: "sumsq_builderr.c", want: []core.Verdict{core.BuildFailed},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "variant.c:3") || !strings.Contains(r.Detail, "squared") {
					t.Errorf("detail %q", r.Detail)
				}
			}},
		{name: "harness-faster", file: poly, fn: "eval", variant: "eval_horner.cpp", want: []core.Verdict{core.Faster},
			check: func(t *testing.T, r *core.Report) {
				if len(r.Checks.Tests) != 1 || !strings.Contains(r.Checks.Benchmark, "lessonl-time-ns") || r.Checks.GeneratedCases != 0 {
					t.Errorf("checks %+v: want the harness's test and bench", r.Checks)
				}
			}},
		{name: "harness-test-fails", file: poly, fn: "eval", variant: "eval_wrong.cpp", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if r.Failure == nil || !strings.Contains(r.Failure.Test, "lessonl.toml test") || !strings.Contains(r.Detail, "want 3") {
					t.Errorf("failure %+v detail %q: want the test and its output", r.Failure, r.Detail)
				}
			}},
		{name: "harness-build-fails", file: poly, fn: "eval", variant: "eval_builderr.cpp", want: []core.Verdict{core.BuildFailed},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "coefficients") {
					t.Errorf("detail %q: want the compiler's message", r.Detail)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.sandboxOnly && !sb.Enabled() {
				t.Skip("needs bubblewrap: " + sb.Why())
			}
			v := c.variant
			if !strings.Contains(v, "\n") {
				v = cxxVariant(t, v)
			}
			opts := cxxTestOpts()
			if c.opts != nil {
				c.opts(&opts)
			}
			target := core.Target{File: c.file, Func: c.fn}
			if c.source != "" {
				target.Source = []byte(c.source)
			}
			r, err := cxxMeasure(context.Background(), target, v, opts)
			if err != nil {
				t.Fatal(err)
			}
			ok := false
			for _, w := range c.want {
				ok = ok || r.Verdict == w
			}
			if !ok {
				t.Fatalf("verdict %s, want one of %v; detail:\n%s", r.Verdict, c.want, r.Detail)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

// Problems that stop any verdict are errors that say what to fix.
func TestCxxMeasureErrors(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compiler")
	}
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.cpp")
	if err := os.WriteFile(broken, []byte("int f(int x) { return x + undefined_name; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	badToml := filepath.Join(dir, "sub", "k.cpp")
	if err := os.MkdirAll(filepath.Dir(badToml), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(badToml, []byte("int g(int x) { return x; }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", ProjectConfigName), []byte("[cpp]\nflgas = []\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		file, fn, variant, want string
	}{
		{broken, "f", "int f(int x) { return x; }", "couldn't compile the original"},
		{broken, "nosuch", "int f(int x) { return x; }", "function nosuch not found"},
		{badToml, "g", "int g(int x) { return x; }", "unknown key cpp.flgas"},
	}
	for _, c := range cases {
		_, err := cxxMeasure(context.Background(), core.Target{File: c.file, Func: c.fn}, c.variant, cxxTestOpts())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Measure(%s:%s) error %v, want %q", filepath.Base(c.file), c.fn, err, c.want)
		}
	}
}

// A harness in a project under /tmp (hidden inside the sandbox, so shown
// read-only): bench only gives a timed but unverified variant; a test that
// fails on the original is an error about the harness.
func TestCxxHarnessEdges(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the compiler")
	}
	root := t.TempDir()
	src := "int twice(int x) { return x + x; }\n"
	main := `#include <cstdio>
#include <cstring>
int twice(int x);
int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], "bench") == 0) {
        std::printf("BenchmarkTwice 1000 %d ns/op\n", twice(21) == 42 ? 5 : 50);
        return 0;
    }
    return twice(2) == 5 ? 0 : 1; // wrong on purpose: fails on the original
}
`
	files := map[string]string{
		"lib.cpp":  src,
		"main.cpp": main,
		ProjectConfigName: `[harness]
build = "g++ -O1 -o {out} {file} main.cpp"
bench = "{out} bench"
`,
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	file := filepath.Join(root, "lib.cpp")
	r, err := cxxMeasure(context.Background(), core.Target{File: file, Func: "twice"}, "int twice(int x) { return 2 * x; }", cxxTestOpts())
	if err != nil {
		t.Fatal(err)
	}
	if r.Verdict != core.Unverified || r.Checks.Rounds < core.MinRatioSamples || !strings.Contains(r.Checks.Benchmark, "Go benchmark") || !strings.Contains(r.Detail, "no test command") {
		t.Errorf("bench-only harness: %s, checks %+v, detail %q; want unverified but timed", r.Verdict, r.Checks, r.Detail)
	}
	if err := os.WriteFile(filepath.Join(root, ProjectConfigName), []byte("[harness]\nbuild = \"g++ -O1 -o {out} {file} main.cpp\"\ntest = \"{out}\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = cxxMeasure(context.Background(), core.Target{File: file, Func: "twice"}, "int twice(int x) { return 2 * x; }", cxxTestOpts())
	if err == nil || !strings.Contains(err.Error(), "test command fails on the original (exit status 1)") {
		t.Errorf("a test failing on the original: %v", err)
	}
}
