package golang

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lessonl/lessonl/exec/internal/core"
	"github.com/lessonl/lessonl/exec/sandbox"
	"golang.org/x/mod/modfile"
)

// Seeds of the differential check: every input profile uses seeds 1..diffSeeds.
const diffSeeds = 20

// minDiffCases is how many generated inputs on which the original returned
// normally make the differential check count as evidence on its own.
const minDiffCases = 5

// goRun is one Go measurement in flight.
type goRun struct {
	m        *core.Measurement
	gf       *goFile
	fd       *ast.FuncDecl
	idx      *goPkgIndex
	rep      *core.Report
	pkgDir   string
	readOnly []string // directories the sandbox must show (module, replacements)
	sp       *goSplice
	src      string // work/src: generated files
	origBin  string
	varBin   string
	tests    []string // package tests that exercise the function
	benches  []string // package benchmarks that exercise the function
	noDiff   string   // why the differential files were left out, or ""
	diffRan  bool     // the differential check compared some inputs: the A/B benchmark can run
	noInputs string   // why inputs cannot be generated, or ""
}

// Start is the start of a Go measurement: the target found, the variant
// spliced in, the generated files written.
func (Lang) Start(m *core.Measurement) (core.Steps, *core.Report, error) {
	gf, fd, err := goTarget(m.Target)
	if err != nil {
		return nil, nil, err
	}
	if strings.HasSuffix(gf.abs, "_test.go") {
		return nil, nil, fmt.Errorf("%s is a test file; name a function of the package itself", m.Target.File)
	}
	if ok, err := buildContext().MatchFile(filepath.Dir(gf.abs), filepath.Base(gf.abs)); err == nil && !ok {
		return nil, nil, fmt.Errorf("%s is left out of builds on this system by its build constraints (file name suffix or //go:build line); measure it where it builds, or add the tags to GOFLAGS", m.Target.File)
	}
	g := &goRun{
		m: m, gf: gf, fd: fd, idx: loadGoPackage(gf),
		rep:    &core.Report{Lang: "go", Func: goFuncName(fd), Sandboxed: m.Sandbox.Enabled()},
		pkgDir: filepath.Dir(gf.abs),
		src:    filepath.Join(m.Work, "src"),
	}
	g.sp, err = spliceGo(gf, g.fd, g.idx, m.Variant, spliceOpts{addImports: true, lineDirectives: true})
	if err != nil {
		rep, err := core.SpliceFailed(g.rep, err)
		return nil, rep, err
	}
	if err := g.prepare(); err != nil {
		return nil, nil, err
	}
	return g, g.rep, nil
}

// prepare writes the generated files and the two overlays.
func (g *goRun) prepare() error {
	g.readOnly = moduleDirs(g.pkgDir)
	if len(g.readOnly) == 1 && os.Getenv("GO111MODULE") != "off" {
		return fmt.Errorf("%s is not in a Go module (no go.mod in its directory or above); run `go mod init` there first", g.m.Target.File)
	}
	g.tests, g.benches = relatedTests(g.pkgDir, g.gf.file.Name.Name, g.fd)
	if g.sp.usesCgo {
		g.noDiff = "the original calls C code, which test files cannot"
	}
	if err := os.MkdirAll(g.src, 0o755); err != nil {
		return fmt.Errorf("couldn't prepare the work directory: %w", err)
	}
	pkg := g.gf.file.Name.Name
	driver := driverFor(g.gf, g.fd, g.m.Opts.Size, g.noDiff == "", g.noDiff)
	driver = pruneImports(filepath.Join(g.pkgDir, driverFile), driver, g.idx.decls)
	files := map[string][]byte{
		"harness.go": goHarnessFile(pkg, g.m.Opts.RTol),
		"driver.go":  driver,
		"orig.go":    g.sp.origCopy,
		"variant.go": g.sp.file,
	}
	if g.m.Target.Source != nil {
		files["target.go"] = g.gf.src
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(g.src, name), b, 0o644); err != nil {
			return fmt.Errorf("couldn't write generated file: %w", err)
		}
	}
	return nil
}

// overlay writes an overlay file: the generated test files when gen is set,
// and the target file replaced by target ("" keeps the one on disk).
func (g *goRun) overlay(name string, gen bool, target string) (string, error) {
	rep := map[string]string{}
	if gen {
		rep[filepath.Join(g.pkgDir, harnessFile)] = filepath.Join(g.src, "harness.go")
		rep[filepath.Join(g.pkgDir, driverFile)] = filepath.Join(g.src, "driver.go")
		if g.noDiff == "" {
			rep[filepath.Join(g.pkgDir, origFile)] = filepath.Join(g.src, "orig.go")
		}
	}
	if target != "" {
		rep[g.gf.abs] = filepath.Join(g.src, target)
	}
	b, err := json.Marshal(map[string]any{"Replace": rep})
	if err != nil {
		return "", err
	}
	p := filepath.Join(g.m.Work, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return "", fmt.Errorf("couldn't write the overlay: %w", err)
	}
	return p, nil
}

// Build builds the package's test binary twice, with the original and with
// the variant, and blames a failed build on its cause.
func (g *goRun) Build() (done bool, err error) {
	rep := g.rep
	start := time.Now()
	origTarget := ""
	if g.m.Target.Source != nil {
		origTarget = "target.go"
	}
	origOv, err := g.overlay("orig.json", true, origTarget)
	if err != nil {
		return false, err
	}
	varOv, err := g.overlay("variant.json", true, "variant.go")
	if err != nil {
		return false, err
	}
	g.origBin = filepath.Join(g.m.Work, "orig.test")
	g.varBin = filepath.Join(g.m.Work, "variant.test")

	// Both binaries build at once: the build cache is shared and locked.
	var wg sync.WaitGroup
	var origOut, varOut string
	var origErr, varErr error
	wg.Add(2)
	go func() { defer wg.Done(); origOut, origErr = g.goTestC(g.origBin, origOv) }()
	go func() { defer wg.Done(); varOut, varErr = g.goTestC(g.varBin, varOv) }()
	wg.Wait()
	g.m.Log.Debug("built", "took", time.Since(start))
	if err := g.m.Check(); err != nil {
		return false, err
	}
	if origErr != nil {
		return false, origErr
	}
	if varErr != nil {
		return false, varErr
	}
	if origOut != "" {
		// Our generated files are the likely cause if the package builds
		// without them; else the package itself does not build.
		plain, _ := g.overlay("plain.json", false, origTarget)
		if out, err := g.goTestC(g.origBin+".plain", plain); err == nil && out == "" {
			return false, fmt.Errorf("couldn't build the test harness for %s (please report this): %s", rep.Func, core.FirstLines(origOut, 20))
		}
		if strings.Contains(origOut, "GOPROXY=off") || strings.Contains(origOut, "module lookup disabled") {
			return false, fmt.Errorf("couldn't build the original package: a module it needs is not downloaded, and builds run without network: %s; run `go mod download` in the module first", core.FirstLines(origOut, 5))
		}
		return false, fmt.Errorf("couldn't build the original package: %s; fix the package so `go test -c` builds it", core.FirstLines(origOut, 20))
	}
	if varOut != "" {
		// Does the variant build without our test files? Then only the
		// differential check is impossible; else the variant is at fault.
		plain, _ := g.overlay("variant-plain.json", false, "variant.go")
		out, err := g.goTestC(g.varBin+".plain", plain)
		if err != nil {
			return false, err
		}
		if out != "" {
			core.FailBuild(rep, "", cleanBuildOutput(out, g.pkgDir))
			return true, nil
		}
		if err := g.m.Check(); err != nil {
			return false, err
		}
		// Keep the tests and the package benchmarks: build without the
		// generated files, on both sides, so they time the same code.
		g.noDiff = "the generated test files do not compile with the variant: " + core.FirstLines(cleanBuildOutput(varOut, g.pkgDir), 3)
		g.varBin += ".plain"
		plainOrig, _ := g.overlay("plain.json", false, origTarget)
		g.origBin += ".plain"
		if out, err := g.goTestC(g.origBin, plainOrig); err != nil || out != "" {
			if err != nil {
				return false, err
			}
			return false, fmt.Errorf("couldn't build the original package: %s", core.FirstLines(out, 20))
		}
	}
	return false, nil
}

// Check runs the generated comparison (its watchdog stops endless loops
// fast), then the package's own tests.
func (g *goRun) Check() (verified bool, why string, done bool, err error) {
	rep := g.rep
	phase := time.Now()
	cases, panics := 0, 0
	if g.noDiff == "" {
		res, done, err := g.differential()
		if err != nil || done {
			return false, "", done, err
		}
		if res != nil {
			cases, panics = res.Cases, res.Panics
			g.diffRan = res.Status == "ok" || res.Status == "stopped" || res.Status == "unstable"
			if res.Status == "unsupported" {
				g.noInputs = res.Note
			}
			rep.Checks.GeneratedCases = res.Cases
			if res.Cases > 0 {
				for s := int64(1); s <= diffSeeds; s++ {
					rep.Checks.Seeds = append(rep.Checks.Seeds, s)
				}
			}
			if res.Status != "ok" || res.Note != "" {
				g.noDiff = res.Note
			}
		}
	}
	g.m.Log.Debug("differential check", "took", time.Since(phase), "cases", cases)
	phase = time.Now()
	if len(g.tests) > 0 {
		done, err := g.packageTests()
		if err != nil || done {
			return false, "", done, err
		}
	}
	g.m.Log.Debug("package tests", "took", time.Since(phase), "tests", g.tests)
	verified = len(rep.Checks.Tests) > 0 || cases-panics >= minDiffCases
	if !verified {
		why = "no package test exercises it"
		if len(g.tests) > 0 {
			why = "the package's tests that call it (" + strings.Join(g.tests, ", ") + ") did not run"
		}
		if g.noDiff != "" {
			why += " and the differential check could not run: " + g.noDiff
		} else if cases-panics < minDiffCases {
			why += fmt.Sprintf(" and the original returned normally on only %d generated inputs", cases-panics)
		}
		if len(g.tests) == 0 {
			why += "; add a test that calls " + rep.Func
		}
	}
	return verified, why, false, nil
}

// Time times both sides (timing).
func (g *goRun) Time(verified bool) error {
	phase := time.Now()
	if _, err := g.timing(verified); err != nil {
		return err
	}
	g.m.Log.Debug("timing", "took", time.Since(phase), "rounds", g.rep.Checks.Rounds)
	return nil
}

// goEnv is the environment of builds: the user's own Go settings that shape
// a build (not secrets), on top of the sandbox's scrubbed one.
func goEnv() []string {
	var env []string
	for _, k := range []string{"GOFLAGS", "CGO_ENABLED", "CC", "CXX", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS", "GOEXPERIMENT", "GOAMD64", "GOARM64", "GOWORK", "GOPRIVATE", "GONOSUMDB", "GOFIPS140"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, "GOPROXY=off", "GOSUMDB=off", "GOTOOLCHAIN=local")
}

// goTestC runs `go test -c` with an overlay in the sandbox. out is the
// build's output when it failed, "" when the binary was built; err is for what stops
// the measurement.
func (g *goRun) goTestC(bin, overlay string) (string, error) {
	var buf core.LockedBuffer
	left := g.m.Remaining()
	spec := goSpec(sandbox.RunSpec{
		Dir:      g.m.Work,
		ReadOnly: g.readOnly,
		Args:     []string{"go", "-C", g.pkgDir, "test", "-c", "-vet=off", "-o", bin, "-overlay", overlay, "."},
		Env:      goEnv(),
		Limits:   sandbox.Limits{Wall: left, CPU: max(left, time.Minute)},
		Stdout:   &buf, Stderr: &buf,
	}, g.m.Sandbox.CacheDir(), true)
	res, err := g.m.Sandbox.Run(g.m.Ctx, spec)
	if err != nil {
		return "", fmt.Errorf("couldn't run the go command: %w", err)
	}
	if err := g.m.Check(); err != nil {
		return "", err
	}
	if res.ExitCode == 0 {
		if _, err := os.Stat(bin); err == nil {
			return "", nil
		}
	}
	return core.FailedBuildText(buf.String(), res, "the build", "go test -c"), nil
}

// runBinary runs a test binary in the sandbox with the package directory as
// working directory (tests read testdata/ relative to it) without making the
// package writable: the sandbox's own directory is the work directory.
func (g *goRun) runBinary(bin string, args, env []string, wall time.Duration) (string, sandbox.RunResult, error) {
	var buf core.LockedBuffer
	wall = min(wall, max(g.m.Remaining(), time.Second))
	// The binary may be the variant's: it gets a scratch directory of its
	// own and sees the work directory (both test binaries, the overlay
	// sources) and the build cache read-only at most, so it cannot tamper
	// with the original's binary or with later builds.
	scratch, err := os.MkdirTemp(g.m.Work, "run-")
	if err != nil {
		return "", sandbox.RunResult{}, fmt.Errorf("couldn't make a scratch directory for the test binary: %w", err)
	}
	defer os.RemoveAll(scratch)
	spec := goSpec(sandbox.RunSpec{
		Dir:      scratch,
		ReadOnly: append(slices.Clone(g.readOnly), g.m.Work),
		Args:     append([]string{"/bin/sh", "-c", `cd "$1" || exit 125; shift; exec "$@"`, "sh", g.pkgDir, bin}, args...),
		Env:      env,
		Limits:   sandbox.Limits{Wall: wall, CPU: wall + time.Second, Memory: 3 << 30},
		Stdout:   &buf, Stderr: &buf,
	}, g.m.Sandbox.CacheDir(), false)
	res, err := g.m.Sandbox.Run(g.m.Ctx, spec)
	if err != nil {
		return "", res, fmt.Errorf("couldn't run the test binary: %w", err)
	}
	return buf.String(), res, g.m.Check()
}

// testTimeout bounds one run of package tests.
func (g *goRun) testTimeout() time.Duration {
	return min(max(g.m.Remaining()/3, 5*time.Second), time.Minute)
}

// differential runs the generated comparison. done is set when it reached
// a verdict (written into the report).
func (g *goRun) differential() (*core.DiffResult, bool, error) {
	rep := g.rep
	maxCase := 0
	for attempt := 0; attempt < 3; attempt++ {
		budget := min(5*time.Second, g.m.Remaining()/6)
		cfg := lessonlConfig{Seeds: diffSeeds, Size: g.m.Opts.Size, Budget: budget.Seconds(), Slack: 1, MaxCase: maxCase}
		cj, _ := json.Marshal(cfg)
		timeout := budget + 20*time.Second
		out, res, err := g.runBinary(g.varBin, []string{"-test.run=^" + diffTest + "$", "-test.v", "-test.timeout=" + timeout.String()},
			[]string{"LESSONL_DIFF=" + string(cj)}, timeout+10*time.Second)
		if err != nil {
			return nil, false, err
		}
		to := parseTestOutput(out)
		if r := to.result; r != nil {
			switch r.Status {
			case "ok", "unsupported", "stopped", "unstable":
				return r, false, nil
			case "mismatch":
				r.Mismatch(rep)
				return r, true, nil
			case "variant_panic":
				rep.Verdict = core.Crashed
				rep.Failure = r.Failure()
				rep.Detail = fmt.Sprintf("the variant panics where the original does not (%s inputs, seed %d): %s\n  input:    %s\n  original: returned %s",
					r.Profile, r.Seed, r.Variant, r.Input, r.Original)
				return r, true, nil
			case "variant_timeout":
				rep.Verdict = core.Timeout
				rep.Failure = r.Failure()
				rep.Detail = fmt.Sprintf("the variant did not finish on a generated input (%s inputs, seed %d): the original %s, the variant was %s\n  input: %s",
					r.Profile, r.Seed, r.Original, r.Variant, r.Input)
				return r, true, nil
			}
			return r, false, nil
		}
		// No result: the process died. Whose call was it in?
		last := to.lastCase
		if last == nil && !res.TimedOut {
			// The harness never started: a TestMain that exits early, or
			// the variant's init. The original binary tells which.
			oout, _, err := g.runBinary(g.origBin, []string{"-test.run=^" + diffTest + "$", "-test.v", "-test.timeout=" + timeout.String()},
				[]string{"LESSONL_DIFF=" + string(cj)}, timeout+10*time.Second)
			if err != nil {
				return nil, false, err
			}
			if parseTestOutput(oout).result == nil {
				return &core.DiffResult{Status: "stopped", Note: "the package's test binary does not run the generated test (a TestMain that exits early?): " + core.FirstLines(parseTestOutput(oout).tail, 4)}, false, nil
			}
		}
		if last != nil && last.Call == "original" && !res.TimedOut {
			if last.Case == 0 {
				return &core.DiffResult{Status: "stopped", Note: "the original crashed on the first generated input: " + core.FirstLines(to.crash, 3)}, false, nil
			}
			maxCase = last.Case // again, without the inputs the original cannot take
			continue
		}
		g.runFailure(to, res, "on a generated input")
		if last != nil {
			rep.Failure = &core.Failure{Input: last.Input, Variant: rep.Detail}
			if last.Input != "" {
				rep.Detail += "\n  input: " + last.Input
			}
		}
		return nil, true, nil
	}
	return &core.DiffResult{Status: "stopped", Note: "the original keeps crashing on generated inputs"}, false, nil
}

// runFailure writes the verdict of a variant run that ended abnormally.
func (g *goRun) runFailure(to *testOutput, res sandbox.RunResult, where string) {
	rep := g.rep
	timedOut := res.TimedOut || to.timedOut
	if core.EndedEarly(rep, timedOut, res.CPUExceeded, res.MemoryExceeded || strings.Contains(to.crash, "out of memory"), where, (3<<30)>>20) {
		if timedOut && to.running != "" && to.running != diffTest {
			rep.Detail += " (in " + to.running + ")"
		}
		return
	}
	switch {
	case to.crash != "":
		rep.Verdict = core.Crashed
		rep.Detail = "the variant crashed " + where + ": " + core.FirstLines(to.crash, 12)
	case res.Signal != "":
		rep.Verdict = core.Crashed
		rep.Detail = "the variant was killed by signal " + res.Signal + " " + where
	default:
		rep.Verdict = core.Crashed
		rep.Detail = fmt.Sprintf("the variant's test process exited with status %d %s: %s", res.ExitCode, where, core.FirstLines(to.tail, 8))
	}
}

// packageTests runs the package's tests that exercise the function on the
// variant, and those that fail there on the original.
func (g *goRun) packageTests() (bool, error) {
	rep := g.rep
	timeout := g.testTimeout()
	pattern := "^(" + strings.Join(g.tests, "|") + ")$"
	args := []string{"-test.run=" + pattern, "-test.v", "-test.timeout=" + timeout.String()}
	out, res, err := g.runBinary(g.varBin, args, nil, timeout+10*time.Second)
	if err != nil {
		return false, err
	}
	vt := parseTestOutput(out)
	var bad []string
	for _, t := range vt.order {
		if vt.status[t] == "FAIL" {
			bad = append(bad, t)
		}
	}
	abnormal := res.ExitCode != 0 && len(bad) == 0 || vt.crash != "" || vt.timedOut || res.TimedOut
	for _, t := range []string{vt.running, vt.crashIn} {
		if abnormal && t != "" && vt.status[t] != "FAIL" && !slices.Contains(bad, t) {
			bad = append(bad, t)
		}
	}
	if len(bad) == 0 && !abnormal {
		for _, t := range vt.order {
			if vt.status[t] == "PASS" {
				rep.Checks.Tests = append(rep.Checks.Tests, t)
			}
		}
		return false, nil
	}
	if len(bad) == 0 {
		// No test failed, yet the run did not end well: the variant's
		// doing only if the original's run ends well.
		oout, ores, err := g.runBinary(g.origBin, args, nil, timeout+10*time.Second)
		if err != nil {
			return false, err
		}
		if ores.ExitCode != 0 || ores.TimedOut || parseTestOutput(oout).crash != "" {
			for _, t := range vt.order {
				if vt.status[t] == "PASS" {
					rep.Checks.Tests = append(rep.Checks.Tests, t)
				}
			}
			return false, nil
		}
		g.runFailure(vt, res, "while running the package's tests")
		return true, nil
	}
	// Which of them pass on the original?
	oargs := []string{"-test.run=^(" + strings.Join(bad, "|") + ")$", "-test.v", "-test.timeout=" + timeout.String()}
	oout, ores, err := g.runBinary(g.origBin, oargs, nil, timeout+10*time.Second)
	if err != nil {
		return false, err
	}
	ot := parseTestOutput(oout)
	for _, t := range bad {
		if ot.status[t] != "PASS" || ores.TimedOut {
			continue
		}
		if vt.crash != "" && t == vt.crashIn || (vt.timedOut || res.TimedOut) && t == vt.running {
			g.runFailure(vt, res, "in "+t+" (which passes on the original)")
		} else {
			rep.Verdict = core.Incorrect
			rep.Detail = fmt.Sprintf("%s passes on the original and fails on the variant:\n%s", t, core.FirstLines(vt.output[t], 30))
		}
		rep.Failure = &core.Failure{Test: t, Original: "PASS", Variant: core.FirstLines(vt.output[t], 30)}
		return true, nil
	}
	// They fail on the original too: not the variant's doing.
	for _, t := range vt.order {
		if vt.status[t] == "PASS" {
			rep.Checks.Tests = append(rep.Checks.Tests, t)
		}
	}
	if vt.crash != "" || vt.timedOut || res.TimedOut {
		g.noDiff = strings.TrimSpace(g.noDiff + "; some package tests could not run")
	}
	return false, nil
}

// repeats is how many times one run of two-binary timing repeats the
// benchmark; the fastest repetition counts: load from other processes only
// ever adds time.
const repeats = 3

// parallelCPU is the CPU/wall ratio above which a function is taken to run
// on several cores, so its wall time (not its CPU time) is what it costs.
const parallelCPU = 1.3

// cpuOrWall picks the clock of a side: its CPU time per call, unless it is
// missing or the code ran on several cores (then the wall clock is its cost).
func cpuOrWall(r core.BenchResult, prefix string) (ns float64, cpu bool) {
	wall, c := r[prefix+"ns/op"], r[prefix+cpuUnit]
	if c > 0 && c <= parallelCPU*wall {
		return c, true
	}
	return wall, false
}

// timing times original and variant: with the package's benchmarks that
// call the function (two binaries, A B then B A), else with the generated
// benchmark that alternates both inside the variant's binary. done is set
// when it wrote the verdict (the variant failed while timed, or nothing
// could be timed).
func (g *goRun) timing(verified bool) (bool, error) {
	rep := g.rep
	runTime := g.m.Opts.RunTime
	var pattern, benchDesc string
	inProcess := false
	switch {
	case len(g.benches) > 0:
		pattern = "^(" + strings.Join(g.benches, "|") + ")$"
		benchDesc = strings.Join(g.benches, ", ") + " (the package's; original and variant binaries alternate)"
	case g.noInputs != "":
		rep.Detail = "not timed: no benchmark of the package calls it, and inputs for a generated one: " + g.noInputs
		return true, nil
	case g.noDiff == "" || !strings.Contains(g.noDiff, "do not compile") && !strings.Contains(g.noDiff, "C code"):
		if g.diffRan {
			pattern, inProcess = "^"+genABBench+"$", true
			benchDesc = fmt.Sprintf("%s (generated: inputs of size %d, seed 1; original and variant alternate within each run)", genABBench, g.m.Opts.Size)
		} else {
			pattern = "^" + genBench + "$"
			benchDesc = fmt.Sprintf("%s (generated: inputs of size %d, seed 1)", genBench, g.m.Opts.Size)
		}
	}
	if pattern == "" {
		rep.Detail = "not timed: no benchmark calls it and none could be generated"
		return true, nil
	}
	// one runs a binary's benchmarks once and returns their metrics, or a
	// *timingError.
	one := func(variant bool, benchtime string, count int, env []string) (map[string]core.BenchResult, error) {
		bin := g.origBin
		if variant {
			bin = g.varBin
		}
		wall := 30*time.Second + 20*runTime
		out, res, err := g.runBinary(bin, []string{"-test.run=^$", "-test.bench=" + pattern, "-test.benchtime=" + benchtime, "-test.count=" + strconv.Itoa(count), "-test.timeout=" + wall.String()}, env, wall+5*time.Second)
		if err != nil {
			return nil, err
		}
		if r := core.ParseBench(out); len(r) > 0 && res.ExitCode == 0 {
			g.m.Log.Debug("timing run", "variant", variant, "benchtime", benchtime, "wall", res.Wall, "result", r)
			return r, nil
		}
		to := parseTestOutput(out)
		if started := strings.HasPrefix(out, "goos: ") || strings.Contains(out, "\ngoos: "); variant && inProcess && !started {
			// Did the benchmark not run at all? The original binary runs the
			// same one (its original against itself): if it fails too, the
			// package's test binary is the cause, not the variant.
			oout, ores, err := g.runBinary(g.origBin, []string{"-test.run=^$", "-test.bench=" + pattern, "-test.benchtime=" + benchtime, "-test.count=1", "-test.timeout=" + wall.String()}, env, wall+5*time.Second)
			if err != nil {
				return nil, err
			}
			if r := core.ParseBench(oout); len(r) == 0 || ores.ExitCode != 0 {
				return nil, &core.TimingError{Msg: "the package's test binary does not run the generated benchmark: " + core.FirstLines(parseTestOutput(oout).tail, 4)}
			}
		}
		if !variant || inProcess && strings.Contains(out, "--- SKIP") {
			why := core.FirstLines(to.tail, 6)
			if m := regexp.MustCompile(`(?m)^\s+\S+\.go:\d+: (.*)\n--- SKIP`).FindStringSubmatch(out); m != nil {
				why = m[1]
			}
			return nil, &core.TimingError{Msg: "the original could not be timed: " + why}
		}
		g.runFailure(to, res, "while being timed")
		return nil, &core.TimingError{VariantFailed: true}
	}

	useCPU := true
	var round core.TimeRound
	if inProcess {
		env := []string{fmt.Sprintf("LESSONL_AB=%d,%d", runTime.Nanoseconds(), core.ABChunks)}
		sides := func(r map[string]core.BenchResult) (float64, float64) {
			b := r[genABBench]
			if useCPU && b["orig-"+cpuUnit] > 0 && b["variant-"+cpuUnit] > 0 {
				return b["orig-"+cpuUnit], b["variant-"+cpuUnit]
			}
			return b["orig-ns/op"], b["variant-ns/op"]
		}
		round = func(i int) (float64, float64, error) {
			if i == 0 {
				// A warm-up round (page cache, CPU frequency) that also
				// decides the clock for all rounds.
				r, err := one(true, "1x", 1, env)
				if err != nil {
					return 0, 0, err
				}
				b := r[genABBench]
				_, oc := cpuOrWall(b, "orig-")
				_, vc := cpuOrWall(b, "variant-")
				useCPU = oc && vc
			}
			r, err := one(true, "1x", 1, env)
			if err != nil {
				return 0, 0, err
			}
			o, v := sides(r)
			return o, v, nil
		}
	} else {
		// Calibration (also a warm-up) of both binaries: how many calls fill
		// a run, and is the CPU time the right clock?
		iters := map[bool]int64{}
		calibrate := func() error {
			for _, side := range []bool{false, true} {
				r, err := one(side, runTime.String(), 1, nil)
				if err != nil {
					return err
				}
				var sum float64
				for _, b := range r {
					sum += b["ns/op"]
					if _, cpu := cpuOrWall(b, ""); !cpu {
						useCPU = false
					}
				}
				iters[side] = max(1, int64(float64(runTime.Nanoseconds())/repeats/math.Max(sum, 1)))
			}
			return nil
		}
		side := func(variant bool) (float64, error) {
			r, err := one(variant, fmt.Sprintf("%dx", iters[variant]), repeats, nil)
			if err != nil {
				return 0, err
			}
			ns := map[string]float64{}
			for name, b := range r {
				if useCPU && b[cpuUnit] > 0 {
					ns[name] = b[cpuUnit]
				} else {
					ns[name] = b["ns/op"]
				}
			}
			return core.Geomean(ns), nil
		}
		round = func(i int) (float64, float64, error) {
			if i == 0 {
				if err := calibrate(); err != nil {
					return 0, 0, err
				}
			}
			var o, v float64
			var err error
			if i%2 == 0 {
				if o, err = side(false); err == nil {
					v, err = side(true)
				}
			} else {
				if v, err = side(true); err == nil {
					o, err = side(false)
				}
			}
			return o, v, err
		}
	}
	if ok, err := g.m.Timed(rep, round, verified); !ok {
		return true, err
	}
	if useCPU {
		benchDesc += "; CPU time per call"
	} else {
		benchDesc += "; wall time per call"
	}
	rep.Checks.Benchmark = benchDesc
	if verified {
		rep.Detail = g.summary()
	}
	return false, nil
}

// summary says in one paragraph what was found and how.
// instance is the instantiation the generated check and benchmark use for a
// generic function; nil for other functions.
func (g *goRun) instance() *goInstance {
	var in *goInstance
	var err error
	switch {
	case g.fd.Type.TypeParams != nil && len(g.fd.Type.TypeParams.List) > 0:
		in, err = goInstantiate(g.gf, g.fd)
	case g.fd.Recv != nil && len(g.fd.Recv.List) > 0:
		if in, err = goInstantiateRecv(g.gf, g.fd.Recv.List[0].Type); err != nil {
			return nil // not a generic receiver
		}
	default:
		return nil
	}
	if err != nil {
		return nil
	}
	return in
}

func (g *goRun) summary() string {
	rep := g.rep
	var b strings.Builder
	b.WriteString(core.SpeedupSummary(rep, g.m.Opts.Floor))
	fmt.Fprintf(&b, "; correct on %s", checksText(rep.Checks))
	if g.noDiff != "" {
		fmt.Fprintf(&b, " (differential check: %s)", g.noDiff)
	} else if in := g.instance(); in != nil && rep.Checks.GeneratedCases > 0 {
		fmt.Fprintf(&b, " (generic: checked and timed with %s)", in.describe())
	}
	return b.String()
}

// checksText describes the correctness evidence.
func checksText(c core.Checks) string {
	var parts []string
	if n := len(c.Tests); n > 0 {
		parts = append(parts, fmt.Sprintf("%d package test%s (%s)", n, plural(n), strings.Join(c.Tests, ", ")))
	}
	if c.GeneratedCases > 0 {
		s := fmt.Sprintf("%d generated inputs", c.GeneratedCases)
		if n := len(c.Seeds); n > 0 {
			s += fmt.Sprintf(" (seeds %d-%d)", c.Seeds[0], c.Seeds[n-1])
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, " and ")
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// moduleDirs are the directories a build needs to read: the module root (or
// the package directory outside modules), its local replacements and the
// workspace.
func moduleDirs(pkgDir string) []string {
	dirs := []string{pkgDir}
	for d := pkgDir; ; d = filepath.Dir(d) {
		if b, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			dirs = append(dirs, d)
			if mf, err := modfile.ParseLax("go.mod", b, nil); err == nil {
				for _, r := range mf.Replace {
					if modfile.IsDirectoryPath(r.New.Path) {
						p := r.New.Path
						if !filepath.IsAbs(p) {
							p = filepath.Join(d, p)
						}
						dirs = append(dirs, filepath.Clean(p))
					}
				}
			}
		}
		if _, err := os.Stat(filepath.Join(d, "go.work")); err == nil {
			dirs = append(dirs, d)
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return dirs
}

// relatedTests finds the package's tests and benchmarks that call fd,
// directly or through helpers declared in test files. Matching is by name,
// so it may include a few more than needed, never fewer.
func relatedTests(dir, pkg string, fd *ast.FuncDecl) (tests, benches []string) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil
	}
	name := fd.Name.Name
	method := fd.Recv != nil
	type fn struct {
		idents, sels map[string]bool
	}
	funcs := map[string]*fn{}
	var order []string
	for _, e := range ents {
		n := e.Name()
		if !strings.HasSuffix(n, "_test.go") || strings.HasPrefix(n, "lessonl_") {
			continue
		}
		gf, err := readGoFile(filepath.Join(dir, n), nil)
		if err != nil {
			continue
		}
		if p := gf.file.Name.Name; p != pkg && p != pkg+"_test" {
			continue
		}
		for _, d := range gf.file.Decls {
			fdecl, ok := d.(*ast.FuncDecl)
			if !ok || fdecl.Body == nil {
				continue
			}
			idents, sels := mentions(fdecl.Body)
			f := &fn{idents: map[string]bool{}, sels: map[string]bool{}}
			for _, i := range idents {
				f.idents[i] = true
			}
			for _, s := range sels {
				f.sels[s] = true
			}
			key := fdecl.Name.Name
			if fdecl.Recv == nil {
				if _, dup := funcs[key]; !dup {
					order = append(order, key)
				}
				funcs[key] = f
			}
		}
	}
	// Fixed point: a function is related if it mentions the target or a
	// related helper.
	related := map[string]bool{}
	for changed := true; changed; {
		changed = false
		for _, k := range order {
			if related[k] {
				continue
			}
			f := funcs[k]
			hit := f.sels[name] || !method && f.idents[name]
			for h := range related {
				if f.idents[h] {
					hit = true
				}
			}
			if hit {
				related[k] = true
				changed = true
			}
		}
	}
	for _, k := range order {
		if !related[k] {
			continue
		}
		switch {
		case isTestName(k, "Test"), isTestName(k, "Example"), isTestName(k, "Fuzz"):
			tests = append(tests, k)
		case isTestName(k, "Benchmark"):
			benches = append(benches, k)
		}
	}
	return tests, benches
}

// isTestName is the go tool's rule: prefix, then nothing or a non-lowercase rune.
func isTestName(name, prefix string) bool {
	if !strings.HasPrefix(name, prefix) {
		return false
	}
	rest := name[len(prefix):]
	return rest == "" || !(rest[0] >= 'a' && rest[0] <= 'z')
}

// cleanBuildOutput keeps what a person (or a model writing a lesson) needs
// from a failed build: the compiler's messages, with paths made short.
func cleanBuildOutput(out, pkgDir string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "# ") || strings.TrimSpace(l) == "" || strings.HasPrefix(l, "FAIL\t") {
			continue
		}
		l = strings.ReplaceAll(l, pkgDir+string(filepath.Separator), "")
		keep = append(keep, l)
	}
	return core.FirstLines(strings.Join(keep, "\n"), 30)
}
