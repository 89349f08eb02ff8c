package golang

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"text/template"
	"time"

	"github.com/lessonl/lessonl/exec/internal/core"
	"github.com/lessonl/lessonl/exec/internal/exectest"
	"github.com/lessonl/lessonl/exec/sandbox"
)

// The runner's tests measure real variants of the packages in
// testdata/runner (a module of its own) with the real toolchain and the real
// sandbox. Timings are short; the verdicts they assert are 2x apart, which a
// loaded machine does not blur.

const runnerDir = "testdata/runner"

// testMeasureOpts keeps timing short for tests.
func testMeasureOpts() core.Options {
	return core.Options{
		RunTime: 20 * time.Millisecond,
		Rounds:  core.Rounds{Min: 6, Max: 12, Width: 0.1, MaxTime: 30 * time.Second},
		Timeout: 3 * time.Minute,
	}
}

// variantText reads a variant of testdata/runner and fills its template
// fields.
func variantText(t testing.TB, path string, data any) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(runnerDir, path))
	if err != nil {
		t.Fatal(err)
	}
	if data == nil {
		return string(b)
	}
	tmpl, err := template.New(path).Parse(string(b))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := tmpl.Execute(&out, data); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

// measureLeftovers lists this process's measurement directories and the
// processes still running from them.
func measureLeftovers() (dirs []string, procs []string) {
	dirs, _ = filepath.Glob(filepath.Join(os.TempDir(), core.WorkPrefix()+"*"))
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err == nil && bytes.Contains(b, []byte(core.WorkPrefix())) {
			procs = append(procs, e.Name()+": "+strings.ReplaceAll(string(b), "\x00", " "))
		}
	}
	return dirs, procs
}

func TestMeasureVerdicts(t *testing.T) {
	before, home, tag := exectest.Hostile(t, runnerDir)
	sb := core.SandboxFor(sandbox.Options{})
	// A secret in the real home directory, there only while the test runs.
	canary := filepath.Join(home, ".lessonl-canary-"+tag)
	if err := os.WriteFile(canary, []byte("secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(canary) })
	escapes := []string{
		filepath.Join(os.TempDir(), "lessonl-escape-"+tag),
		filepath.Join(home, "lessonl-escape-"+tag),
		exectest.MustAbs(t, filepath.Join(runnerDir, "checksum", "escaped-"+tag)),
	}
	sleepMark := fmt.Sprintf("1000.%09d", rand.IntN(1e9))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns atomic.Int32
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		if n := conns.Load(); n > 0 {
			t.Errorf("a variant reached the test's listener %d times", n)
		}
		exectest.Untouched(t, runnerDir, before, escapes, sleepMark)
		dirs, procs := measureLeftovers()
		if len(dirs) > 0 || len(procs) > 0 {
			t.Errorf("measurements left work directories %v and processes %v", dirs, procs)
		}
	})

	checksum := func(v string) (string, string) { return "checksum/checksum.go", "checksum/variants/" + v }
	type tc struct {
		name        string
		file, fn    string
		variant     string
		data        any
		noSandbox   bool
		sandboxOnly bool // only meaningful inside bwrap
		want        []core.Verdict
		check       func(t *testing.T, r *core.Report)
	}
	cases := []tc{
		{name: "faster", fn: "Checksum", variant: "faster.go.txt", want: []core.Verdict{core.Faster},
			check: func(t *testing.T, r *core.Report) {
				if r.Speedup < 1.5 || r.Speedup > 2.6 {
					t.Errorf("speedup %.2f, want about 2 (one pass instead of two)", r.Speedup)
				}
				if r.SpeedupLow <= 1.05 || r.SpeedupHigh < r.SpeedupLow {
					t.Errorf("interval %.2f-%.2f, want above 1.05", r.SpeedupLow, r.SpeedupHigh)
				}
				if !r.Sandboxed && sb.Enabled() {
					t.Error("Sandboxed is false though bwrap works here")
				}
				if len(r.Checks.Tests) != 1 || r.Checks.Tests[0] != "TestChecksum" {
					t.Errorf("tests run %v, want [TestChecksum]", r.Checks.Tests)
				}
				if r.Checks.GeneratedCases < 50 || len(r.Checks.Seeds) == 0 {
					t.Errorf("generated cases %d seeds %v: want many, with seeds", r.Checks.GeneratedCases, r.Checks.Seeds)
				}
				if r.Checks.Rounds < core.MinRatioSamples || !strings.Contains(r.Checks.Benchmark, genBench) {
					t.Errorf("rounds %d benchmark %q", r.Checks.Rounds, r.Checks.Benchmark)
				}
				if r.OriginalNs <= r.VariantNs {
					t.Errorf("original %.0f ns, variant %.0f ns", r.OriginalNs, r.VariantNs)
				}
			}},
		{name: "faster-unsandboxed", fn: "Checksum", variant: "faster.go.txt", noSandbox: true, want: []core.Verdict{core.Faster},
			check: func(t *testing.T, r *core.Report) {
				if r.Sandboxed {
					t.Error("Sandboxed is true with NoSandbox")
				}
			}},
		{name: "slower", fn: "Checksum", variant: "slower.go.txt", want: []core.Verdict{core.Slower}},
		{name: "same", fn: "Checksum", variant: "same.go.txt", want: []core.Verdict{core.Same}},
		{name: "edge-case", file: "maxval/maxval.go", fn: "Max", variant: "maxval/wrong.go.txt", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if r.Failure == nil || !strings.Contains(r.Failure.Input, "xs=") || r.Failure.Original == r.Failure.Variant {
					t.Fatalf("failure %+v: want the input and two different outputs", r.Failure)
				}
			}},
		{name: "mutates-argument", file: "median/median.go", fn: "Median", variant: "median/mutates.go.txt", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "changed by the call") {
					t.Errorf("detail %q: want the argument named as changed", r.Detail)
				}
			}},
		{name: "mutates-receiver", file: "stack/stack.go", fn: "(*Stack).Total", variant: "stack/drains.go.txt", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, ".items") || !strings.Contains(r.Detail, "changed by the call") {
					t.Errorf("detail %q: want the receiver's field named", r.Detail)
				}
			}},
		{name: "method-same", file: "stack/stack.go", fn: "(*Stack).Total", variant: "stack/same.go.txt", want: []core.Verdict{core.Same, core.Faster, core.Slower},
			check: func(t *testing.T, r *core.Report) {
				if !strings.HasPrefix(r.Checks.Benchmark, "BenchmarkTotal (the package's") || len(r.Checks.Tests) != 1 {
					t.Errorf("benchmark %q tests %v: want the package's BenchmarkTotal and TestTotal", r.Checks.Benchmark, r.Checks.Tests)
				}
			}},
		{name: "package-test", file: "apply/apply.go", fn: "Apply", variant: "apply/skiplast.go.txt", want: []core.Verdict{core.Incorrect},
			check: func(t *testing.T, r *core.Report) {
				if r.Failure == nil || r.Failure.Test != "TestApply" || !strings.Contains(r.Detail, "Apply = [2 4 0]") {
					t.Errorf("failure %+v detail %q: want TestApply with its output", r.Failure, r.Detail)
				}
			}},
		{name: "unverifiable", file: "count/count.go", fn: "Drain", variant: "count/same.go.txt", want: []core.Verdict{core.Unverified}},
		{name: "testmain-exits", file: "mainexit/mainexit.go", fn: "Double", variant: "mainexit/times.go.txt", want: []core.Verdict{core.Unverified},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "TestMain") {
					t.Errorf("detail %q: want the TestMain named as the cause", r.Detail)
				}
			}},
		{name: "build-error", fn: "Checksum", variant: "builderr.go.txt", want: []core.Verdict{core.BuildFailed},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "variant.go:4") || !strings.Contains(r.Detail, "undefined: fnvPrime") {
					t.Errorf("detail %q: want the compiler's message at the variant's own line", r.Detail)
				}
			}},
		{name: "parse-error", fn: "Checksum", variant: "parseerr.go.txt", want: []core.Verdict{core.BuildFailed}},
		{name: "signature", fn: "Checksum", variant: "signature.go.txt", want: []core.Verdict{core.BuildFailed},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "signature") {
					t.Errorf("detail %q", r.Detail)
				}
			}},
		{name: "endless-loop", fn: "Checksum", variant: "endless.go.txt", want: []core.Verdict{core.Timeout}},
		{name: "panic", fn: "Checksum", variant: "panic.go.txt", want: []core.Verdict{core.Crashed},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "index out of range") || r.Failure == nil || r.Failure.Input == "" {
					t.Errorf("detail %q failure %+v: want the panic and the input", r.Detail, r.Failure)
				}
			}},
		{name: "panic-in-goroutine", fn: "Checksum", variant: "panicgo.go.txt", want: []core.Verdict{core.Crashed},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "lost in a goroutine") {
					t.Errorf("detail %q: want the panic text", r.Detail)
				}
			}},
		{name: "memory-bomb", fn: "Checksum", variant: "membomb.go.txt", want: []core.Verdict{core.Crashed},
			check: func(t *testing.T, r *core.Report) {
				if !strings.Contains(r.Detail, "memory") {
					t.Errorf("detail %q: want out of memory", r.Detail)
				}
			}},
		// Refused forks crash it, unless starting the few hundred allowed
		// processes takes the loaded machine longer than the watchdog grants.
		{name: "fork-bomb", fn: "Checksum", variant: "forkbomb.go.txt", data: map[string]string{"Marker": sleepMark}, sandboxOnly: true, want: []core.Verdict{core.Crashed, core.Timeout},
			check: func(t *testing.T, r *core.Report) {
				if r.Verdict == core.Crashed && !strings.Contains(r.Detail, "fork refused") && !strings.Contains(r.Detail, "thread") {
					t.Errorf("detail %q: want the refused fork", r.Detail)
				}
			}},
		{name: "writes-outside", fn: "Checksum", variant: "escape.go.txt", data: map[string][]string{"Paths": escapes}, sandboxOnly: true, want: []core.Verdict{core.Faster}},
		{name: "tampers-with-binaries-and-cache", fn: "Checksum", variant: "tamper.go.txt", data: map[string]string{"Cache": sb.CacheDir(), "Tag": tag}, sandboxOnly: true, want: []core.Verdict{core.Faster},
			check: func(t *testing.T, r *core.Report) {
				poison := filepath.Join(sb.CacheDir(), "lessonl-tamper-"+tag)
				if _, err := os.Stat(poison); err == nil {
					os.Remove(poison)
					t.Errorf("a variant's test binary wrote into the build cache")
				}
			}},
		{name: "reads-home", fn: "Checksum", variant: "readhome.go.txt", data: map[string]string{"Canary": canary}, sandboxOnly: true, want: []core.Verdict{core.Faster}},
		{name: "network", fn: "Checksum", variant: "network.go.txt", data: map[string]string{"Addr": ln.Addr().String()}, sandboxOnly: true, want: []core.Verdict{core.Faster}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if c.sandboxOnly && !sb.Enabled() {
				t.Skipf("needs bubblewrap: %s", sb.Why())
			}
			file, variant := c.file, c.variant
			if file == "" {
				file, variant = checksum(c.variant)
			}
			opts := testMeasureOpts()
			opts.NoSandbox = c.noSandbox
			r, err := goMeasure(context.Background(), core.Target{File: filepath.Join(runnerDir, file), Func: c.fn}, variantText(t, variant, c.data), opts)
			if err != nil {
				t.Fatalf("Measure: %v", err)
			}
			ok := false
			for _, w := range c.want {
				ok = ok || r.Verdict == w
			}
			if !ok {
				t.Fatalf("verdict %s, want %v\ndetail: %s\nreport: %+v", r.Verdict, c.want, r.Detail, r)
			}
			if r.Lang != "go" || r.Func == "" {
				t.Errorf("lang %q func %q", r.Lang, r.Func)
			}
			if c.check != nil {
				c.check(t, r)
			}
		})
	}
}

func TestMeasureErrors(t *testing.T) {
	ctx := context.Background()
	opts := testMeasureOpts()
	tests := []struct {
		name   string
		target core.Target
		check  func(t *testing.T, err error)
	}{
		{"missing function", core.Target{File: filepath.Join(runnerDir, "checksum/checksum.go"), Func: "Checksm"}, func(t *testing.T, err error) {
			var nf *core.NotFoundError
			if !errors.As(err, &nf) || len(nf.Close) == 0 || nf.Close[0] != "Checksum" {
				t.Fatalf("error %v: want a *NotFoundError suggesting Checksum", err)
			}
		}},
		{"missing file", core.Target{File: filepath.Join(runnerDir, "checksum/checksums.go"), Func: "Checksum"}, func(t *testing.T, err error) {
			var nf *core.NotFoundError
			if !errors.As(err, &nf) || nf.Func != "" || len(nf.Close) == 0 || nf.Close[0] != "checksum.go" {
				t.Fatalf("error %v: want a *NotFoundError suggesting checksum.go", err)
			}
		}},
		{"not built here", core.Target{File: filepath.Join(runnerDir, "locate/ignored_windows.go"), Func: "center2"}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "build constraints") {
				t.Fatalf("error %v", err)
			}
		}},
		{"test file", core.Target{File: filepath.Join(runnerDir, "maxval/maxval_test.go"), Func: "TestMax"}, func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "test file") {
				t.Fatalf("error %v", err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := goMeasure(ctx, tt.target, "func f() {}", opts)
			if r != nil {
				t.Errorf("report %+v with an error", r)
			}
			tt.check(t, err)
		})
	}
}

// An unsaved editor buffer (Target.Source) is measured instead of the file.
func TestMeasureSource(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real variants")
	}
	src, err := os.ReadFile(filepath.Join(runnerDir, "maxval/maxval.go"))
	if err != nil {
		t.Fatal(err)
	}
	// In the buffer, Max is already the variant that starts from 0: the
	// same variant is then equivalent, not incorrect.
	wrong := variantText(t, "maxval/wrong.go.txt", nil)
	i := bytes.Index(src, []byte("func Max("))
	buf := append(append([]byte{}, src[:i]...), wrong...)
	r, err := goMeasure(context.Background(), core.Target{File: filepath.Join(runnerDir, "maxval/maxval.go"), Func: "Max", Source: buf}, wrong, testMeasureOpts())
	if err != nil {
		t.Fatal(err)
	}
	// TestMax passes on both; the differential check finds them identical.
	if !r.Verdict.Verified() {
		t.Fatalf("verdict %s (%s), want a timing verdict: the buffer and the variant agree", r.Verdict, r.Detail)
	}
}

// Cancelling the context stops a measurement promptly and leaves nothing.
func TestMeasureCancel(t *testing.T) {
	if testing.Short() {
		t.Skip("builds real variants")
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	var err error
	var r *core.Report
	wg.Add(1)
	go func() {
		defer wg.Done()
		opts := testMeasureOpts()
		r, err = goMeasure(ctx, core.Target{File: filepath.Join(runnerDir, "checksum/checksum.go"), Func: "Checksum"}, variantText(t, "checksum/variants/endless.go.txt", nil), opts)
	}()
	// Wait until a variant binary runs (or give up waiting and cancel anyway).
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if _, procs := measureLeftovers(); len(procs) > 0 && strings.Contains(strings.Join(procs, " "), "variant.test") {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	cancel()
	wg.Wait()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Measure after cancel: report %+v, error %v; want context.Canceled", r, err)
	}
	if took := time.Since(start); took > 15*time.Second {
		t.Errorf("Measure took %v to return after cancel", took)
	}
	if dirs, procs := measureLeftovers(); len(procs) > 0 {
		t.Errorf("left behind processes %v (dirs %v)", procs, dirs)
	}
}
