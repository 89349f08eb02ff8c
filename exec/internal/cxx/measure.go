package cxx

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lessonl/lessonl/exec/internal/core"
	"github.com/lessonl/lessonl/exec/sandbox"
)

// Defaults of C and C++ builds.
var (
	DefaultCFlags   = []string{"-std=c11", "-O3", "-march=native"}
	DefaultCXXFlags = []string{"-std=c++17", "-O3", "-march=native"}
)

// cxxSeeds and cxxMinCases: the generated check uses seeds 1..cxxSeeds per
// input profile, and counts as evidence with at least cxxMinCases inputs on
// which the original returned.
const (
	cxxSeeds    = 20
	cxxMinCases = 5
	cxxMemory   = 3 << 30 // RLIMIT_AS of driver runs
)

// CxxBuild says how the runner compiles and checks a C or C++ file, after
// Options and the project's lessonl.toml: for prompts (may agents use
// OpenMP?) and reports.
type CxxBuild struct {
	Lang     string   `json:"lang"`     // "c" or "cpp"
	Compiler string   `json:"compiler"` // gcc, g++ or lessonl.toml's
	Flags    []string `json:"flags"`    // -fopenmp included in OpenMP mode
	OpenMP   bool     `json:"openmp"`
	Threads  int      `json:"threads"`          // OMP_NUM_THREADS in OpenMP mode
	Config   string   `json:"config,omitempty"` // the lessonl.toml that applies, if any
	Harness  bool     `json:"harness"`          // its harness checks and times the file
}

// CxxBuildFor reports how Measure would compile file (a C or C++ source)
// with opts. Errors are a bad lessonl.toml or a file of another language.
func CxxBuildFor(file string, opts core.Options) (*CxxBuild, error) {
	lang := core.LangName(file)
	if lang != "c" && lang != "cpp" {
		return nil, fmt.Errorf("%s is not a C or C++ file", file)
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		return nil, err
	}
	s, err := cxxSettingsFor(abs, lang, "", opts)
	if err != nil {
		return nil, err
	}
	b := &CxxBuild{Lang: lang, Compiler: s.compiler, Flags: s.allFlags(), OpenMP: s.openmp, Threads: s.threads, Harness: s.harness != nil}
	if s.config != nil {
		b.Config = s.config.Path
	}
	return b, nil
}

// cxxSettings is how one file is compiled and checked.
type cxxSettings struct {
	lang         string
	compiler     string // the file's compiler
	cxx          string // the driver's (C++) compiler
	flags        []string
	openmp       bool
	threads      int
	rtol, atol   float64
	templateArgs []string
	root         string // the project root: lessonl.toml's directory, else the file's
	config       *ProjectConfig
	harness      *HarnessConfig
}

func cxxSettingsFor(absFile, lang, fn string, opts core.Options) (*cxxSettings, error) {
	cfg, err := LoadProjectConfig(absFile)
	if err != nil {
		return nil, err
	}
	s := &cxxSettings{lang: lang, compiler: "g++", cxx: "g++", flags: DefaultCXXFlags, root: filepath.Dir(absFile), config: cfg}
	if lang == "c" {
		s.compiler, s.flags = "gcc", DefaultCFlags
	}
	if cfg != nil {
		s.root = cfg.Root
		lc := cfg.CPP
		if lang == "c" {
			lc = cfg.C
		}
		if lc.Compiler != "" {
			s.compiler = lc.Compiler
		}
		if cfg.CPP.Compiler != "" {
			s.cxx = cfg.CPP.Compiler
		} else if lang == "cpp" {
			s.cxx = s.compiler
		}
		if lc.Flags != nil {
			s.flags = lc.Flags
		}
		s.openmp, s.threads = lc.OpenMP, lc.Threads
		s.rtol, s.atol, s.templateArgs = lc.RTol, lc.ATol, lc.TemplateArgs
		s.harness = cfg.harnessCovering(absFile, lang, fn)
	}
	if opts.CFlags != nil {
		s.flags = opts.CFlags
	}
	if opts.RTol > 0 {
		s.rtol = opts.RTol
	}
	s.openmp = s.openmp || opts.OpenMP
	if opts.Threads > 0 {
		s.threads = opts.Threads
	}
	if s.threads <= 0 {
		s.threads = runtime.NumCPU()
	}
	return s, nil
}

// allFlags are the compiler flags with -fopenmp in OpenMP mode.
func (s *cxxSettings) allFlags() []string {
	out := append([]string(nil), s.flags...)
	if s.openmp && !slices.Contains(out, "-fopenmp") {
		out = append(out, "-fopenmp")
	}
	return out
}

// copyFlags compile the copies of the file: for C, a call of an undeclared
// function is an error (as in C99 and later, and in GCC 14), not a
// warning and a link failure.
func (s *cxxSettings) copyFlags() []string {
	out := s.allFlags()
	if s.lang == "c" {
		out = append(out, "-Werror=implicit-function-declaration")
	}
	return out
}

// env is what runs of compiled code see on top of the sandbox's.
func (s *cxxSettings) env() []string {
	if s.openmp {
		return []string{"OMP_NUM_THREADS=" + strconv.Itoa(s.threads)}
	}
	return []string{"OMP_NUM_THREADS=1"}
}

// cxxRun is one C or C++ measurement in flight.
type cxxRun struct {
	m   *core.Measurement
	f   *cxxFile
	fn  *cxxFunc
	s   *cxxSettings
	sp  *cxxSplice
	rep *core.Report
	ro  []string // directories the sandbox must show read-only
	ext string   // extension of the copies: ".c" or ".cpp"
}

// Start is the start of a C or C++ measurement: the target found, the
// variant spliced in, and the steps of the project's harness when
// lessonl.toml declares one, else of the generated driver, else of a
// variant that can only be compiled.
func (l Lang) Start(m *core.Measurement) (core.Steps, *core.Report, error) {
	f, fn, err := l.target(m.Target)
	if err != nil {
		return nil, nil, err
	}
	s, err := cxxSettingsFor(f.abs, f.lang, fn.name, m.Opts)
	if err != nil {
		return nil, nil, err
	}
	r := &cxxRun{m: m, f: f, fn: fn, s: s, ext: ".cpp",
		rep: &core.Report{Lang: f.lang, Func: fn.name, Sandboxed: m.Sandbox.Enabled()}}
	if f.lang == "c" {
		r.ext = ".c"
	}
	for _, d := range []string{s.root, filepath.Dir(f.abs)} {
		if d != "/" && !sandbox.UnderAny(d, r.ro) {
			r.ro = append(r.ro, d)
		}
	}
	if r.sp, err = spliceCxx(f, fn, m.Variant); err != nil {
		rep, err := core.SpliceFailed(r.rep, err)
		return nil, rep, err
	}
	if s.harness != nil {
		return &harnessSteps{cxxRun: r}, r.rep, nil
	}
	plan, why := planCxx(f, fn, s)
	if err := r.writeCopies(plan); err != nil {
		return nil, nil, err
	}
	if why != nil {
		return &compileOnly{cxxRun: r, why: why}, r.rep, nil
	}
	return &driverSteps{cxxRun: r, plan: plan}, r.rep, nil
}

// Files of the work directory.
func (r *cxxRun) path(name string) string { return filepath.Join(r.m.Work, name) }
func (r *cxxRun) origCopy() string        { return "lessonl_orig" + r.ext }
func (r *cxxRun) varCopy() string         { return "lessonl_var" + r.ext }

// writeCopies writes the two copies of the file (and, for C, their entries).
func (r *cxxRun) writeCopies(p *cxxPlan) error {
	orig, variant := string(r.sp.orig), string(r.sp.variant)
	if r.f.lang == "c" && p != nil {
		orig += cxxEntry(r.f, r.fn, "lessonl_orig_entry")
		variant += cxxEntry(r.f, r.fn, "lessonl_var_entry")
	}
	for name, text := range map[string]string{r.origCopy(): orig, r.varCopy(): variant, cxxRuntimeFile: cxxRuntime} {
		if err := os.WriteFile(r.path(name), []byte(text), 0o644); err != nil {
			return fmt.Errorf("couldn't write the work directory: %w", err)
		}
	}
	return nil
}

// run runs args in the sandbox from dir (read-only, or the work directory).
func (r *cxxRun) run(dir string, args, env []string, wall time.Duration, mem int64) (string, sandbox.RunResult, error) {
	var buf core.LockedBuffer
	wall = min(wall, max(r.m.Remaining(), time.Second))
	cpu := wall + time.Second
	if r.s.openmp {
		cpu = wall*time.Duration(max(r.s.threads, 1)) + time.Second // every thread's time counts
	}
	spec := sandbox.RunSpec{
		Dir:      r.m.Work,
		ReadOnly: r.ro,
		Args:     append([]string{"/bin/sh", "-c", `cd "$1" || exit 125; shift; exec "$@"`, "sh", dir}, args...),
		Env:      env,
		Limits:   sandbox.Limits{Wall: wall, CPU: cpu, Memory: mem},
		Stdout:   &buf, Stderr: &buf,
	}
	res, err := r.m.Sandbox.Run(r.m.Ctx, spec)
	if err != nil {
		return "", res, fmt.Errorf("couldn't run %s in the sandbox: %w", args[0], err)
	}
	return buf.String(), res, r.m.Check()
}

// compile runs a compiler from the project root. It returns the compiler's
// output when it failed, "" when it succeeded.
func (r *cxxRun) compile(args ...string) (string, error) {
	left := r.m.Remaining()
	out, res, err := r.run(r.s.root, args, nil, left, 0)
	if err != nil {
		return "", err
	}
	if res.ExitCode == 0 {
		return "", nil
	}
	return core.FailedBuildText(out, res, "the compiler", args[0]), nil
}

// includeFlags let the copies in the work directory find the headers next
// to the file.
func (r *cxxRun) includeFlags() []string {
	d := filepath.Dir(r.f.abs)
	return []string{"-iquote", d, "-I", d}
}

func (r *cxxRun) langFlag() []string {
	if r.f.lang == "c" {
		return []string{"-x", "c"}
	}
	return []string{"-x", "c++"}
}

// syntaxCheck compiles one copy on its own, without code generation.
func (r *cxxRun) syntaxCheck(copyName string) (string, error) {
	args := append([]string{r.s.compiler}, r.s.copyFlags()...)
	args = append(args, r.includeFlags()...)
	args = append(args, "-fsyntax-only")
	args = append(args, r.langFlag()...)
	args = append(args, r.path(copyName))
	return r.compile(args...)
}

// blameVariant decides, after a failed build, whether the variant is at
// fault: the variant's copy does not compile while the original's does. It
// writes the build_failed verdict then. The original's copy may fail alone
// yet build in the driver, whose headers come first (a file that uses size_t
// after only <vector>); its output is returned for the caller to decide with
// a build that has the original on both sides.
func (r *cxxRun) blameVariant() (blamed bool, origAlone string, err error) {
	out, err := r.syntaxCheck(r.varCopy())
	if err != nil {
		return false, "", err
	}
	oout, err := r.syntaxCheck(r.origCopy())
	if err != nil {
		return false, "", err
	}
	if oout != "" {
		return false, oout, nil
	}
	if out == "" {
		return false, "", nil
	}
	core.FailBuild(r.rep, "", r.cleanOutput(out))
	return true, "", nil
}

func (r *cxxRun) origDoesNotCompile(out string) error {
	cfg := "[" + r.f.lang + "] flags in " + ProjectConfigName + " at the project root"
	return fmt.Errorf("couldn't compile the original %s with `%s %s`: %s; fix the file, or give the right flags (%s)",
		r.m.Target.File, r.s.compiler, strings.Join(r.s.allFlags(), " "), r.cleanOutput(out), cfg)
}

// cleanOutput keeps a compiler's messages with the work directory's paths
// taken out.
func (r *cxxRun) cleanOutput(out string) string {
	out = strings.ReplaceAll(out, r.m.Work+string(filepath.Separator), "")
	out = strings.ReplaceAll(out, filepath.Dir(r.f.abs)+string(filepath.Separator), "")
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "In file included from") || strings.HasPrefix(strings.TrimSpace(l), "from ") || strings.TrimSpace(l) == "" {
			continue
		}
		keep = append(keep, l)
	}
	return core.FirstLines(strings.Join(keep, "\n"), 30)
}

// unverified is the verdict when no driver can call the function and no
// harness is declared: the variant must still compile.
type compileOnly struct {
	*cxxRun
	why error // why no driver can call the function
}

// Build compiles both copies on their own.
func (r *compileOnly) Build() (bool, error) {
	out, err := r.syntaxCheck(r.varCopy())
	if err != nil {
		return false, err
	}
	if out != "" {
		oout, err := r.syntaxCheck(r.origCopy())
		if err != nil {
			return false, err
		}
		if oout != "" {
			return false, r.origDoesNotCompile(oout)
		}
		core.FailBuild(r.rep, "", r.cleanOutput(out))
		return true, nil
	}
	return false, nil
}

// Check can only say why it cannot.
func (r *compileOnly) Check() (bool, string, bool, error) {
	core.Unverifiable(r.rep, fmt.Sprintf("the generated driver cannot call %s: %v.\n%s", r.fn.name, r.why, r.harnessHint()))
	return false, "", true, nil
}

func (r *compileOnly) Time(bool) error { return nil }

// harnessHint tells the user how to declare a harness.
func (r *cxxRun) harnessHint() string {
	where := filepath.Join(r.s.root, ProjectConfigName)
	if r.s.config != nil {
		where = r.s.config.Path
	}
	return fmt.Sprintf(`To check and time it, declare a harness in %s, for example:

[harness]
build = "%s {flags} -o {out} {file} tests/%s_test%s"   # {file} is the file with the variant in place
test = "{out} test"     # exit status 0 when %s is right
bench = "{out} bench"   # prints lines "lessonl-time-ns: N" (N ns per call), or Go benchmark lines`,
		where, r.s.compiler, strings.TrimSuffix(filepath.Base(r.f.path), filepath.Ext(r.f.path)), r.ext, lastName(r.fn.base))
}

// driverSteps check and time the variant with the generated driver.
type driverSteps struct {
	*cxxRun
	plan *cxxPlan
	bin  string // the driver
	note string // what the differential check could not do, for the summary
}

// Build builds the driver and, when that fails, blames the variant, the
// original or the driver.
func (r *driverSteps) Build() (bool, error) {
	rep, p := r.rep, r.plan
	start := time.Now()
	bin, out, err := r.buildDriver(p, false)
	if err != nil {
		return false, err
	}
	r.bin = bin
	r.m.Log.Debug("built the driver", "took", time.Since(start), "failed", out != "")
	if out == "" {
		return false, nil
	}
	blamed, origAlone, err := r.blameVariant()
	if err != nil || blamed {
		return blamed, err
	}
	// Does the driver build with the original on both sides? Then the
	// variant is at fault: it breaks only where it is used (a template,
	// a call), or the original needs the driver's headers too.
	_, aaOut, err := r.buildDriver(p, true)
	if err != nil {
		return false, err
	}
	if aaOut == "" {
		where := " where it is called"
		if origAlone != "" {
			where = ""
		}
		core.FailBuild(rep, where, r.cleanOutput(out))
		return true, nil
	}
	if origAlone != "" {
		return false, r.origDoesNotCompile(origAlone)
	}
	std := ""
	for _, f := range r.s.allFlags() {
		if r.f.lang == "cpp" && (f == "-std=c++98" || f == "-std=c++03" || f == "-std=c++11" || f == "-std=c++14" || f == "-std=gnu++11" || f == "-std=gnu++14") {
			std = " (it needs -std=c++17 or later; the flags say " + f + ")"
		}
	}
	core.Unverifiable(rep, fmt.Sprintf("the generated driver does not compile for %s%s:\n%s\n%s", r.fn.name, std, r.cleanOutput(aaOut), r.harnessHint()))
	return true, nil
}

// Check runs the driver's differential check.
func (r *driverSteps) Check() (bool, string, bool, error) {
	rep := r.rep
	phase := time.Now()
	res, done, err := r.differential(r.bin)
	if err != nil || done {
		return false, "", done, err
	}
	r.m.Log.Debug("differential check", "took", time.Since(phase), "cases", res.Cases)
	verified := res.Cases-res.Panics >= cxxMinCases
	rep.Checks.GeneratedCases = res.Cases
	if res.Cases > 0 {
		for s := int64(1); s <= cxxSeeds; s++ {
			rep.Checks.Seeds = append(rep.Checks.Seeds, s)
		}
	}
	note := res.Note
	if res.Status == "unstable" && res.Input != "" {
		note += "; input: " + res.Input
	}
	if res.OrigFailed > 0 {
		note = strings.TrimPrefix(note+fmt.Sprintf("; the original crashed on %d generated inputs, which were left out", res.OrigFailed), "; ")
	}
	if !verified && note == "" {
		note = fmt.Sprintf("the original returned normally on only %d generated inputs", res.Cases-res.Panics)
	}
	if res.Status == "unstable" {
		verified = false
	}
	r.note = note
	return verified, note, false, nil
}

// Time runs the driver's A/B timing.
func (r *driverSteps) Time(verified bool) error {
	phase := time.Now()
	if err := r.timing(r.bin, r.plan, verified, r.note); err != nil {
		return err
	}
	r.m.Log.Debug("timing", "took", time.Since(phase), "rounds", r.rep.Checks.Rounds)
	return nil
}

// buildDriver builds the driver binary (through the build cache). aa puts
// the original on both sides. It returns the compiler's output when the
// build failed.
func (r *cxxRun) buildDriver(p *cxxPlan, aa bool) (bin, out string, err error) {
	varCopy := r.varCopy()
	name := "driver"
	if aa {
		varCopy, name = r.origCopy(), "driver-aa"
	}
	src := cxxDriverSource(r.f, p, r.s, r.origCopy(), varCopy, r.sp.includes)
	drv := strings.TrimSuffix(cxxDriverFile, ".cpp") + "-" + name + ".cpp"
	if err := os.WriteFile(r.path(drv), []byte(src), 0o644); err != nil {
		return "", "", fmt.Errorf("couldn't write the driver: %w", err)
	}
	bin = r.path(name)
	cxxFlags := r.driverFlags()
	// The cache key: everything that goes into the binary.
	key := cxxCacheKey(r.f.lang, r.s, cxxFlags, src, cxxRuntime, r.readWork(r.origCopy()), r.readWork(varCopy), dirFingerprint(filepath.Dir(r.f.abs)))
	if cxxCacheGet(r.m.Sandbox, key, bin) {
		return bin, "", nil
	}
	if r.f.lang == "c" {
		// Each copy compiles as C on its own; only its entry stays global,
		// so the two link into one program.
		objs := []string{r.path("orig.o"), r.path("var.o")}
		copies := []string{r.origCopy(), varCopy}
		entries := []string{"lessonl_orig_entry", "lessonl_var_entry"}
		if aa {
			copies[1] = "lessonl_orig_aa.c"
			text := string(r.sp.orig) + cxxEntry(r.f, r.fn, "lessonl_var_entry")
			if err := os.WriteFile(r.path(copies[1]), []byte(text), 0o644); err != nil {
				return "", "", err
			}
		}
		var wg sync.WaitGroup
		outs := make([]string, 2)
		errs := make([]error, 2)
		for i := range objs {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				args := append([]string{r.s.compiler}, r.s.copyFlags()...)
				args = append(args, r.includeFlags()...)
				args = append(args, "-c", "-x", "c", r.path(copies[i]), "-o", objs[i])
				outs[i], errs[i] = r.compile(args...)
				if outs[i] == "" && errs[i] == nil {
					outs[i], errs[i] = r.compile("objcopy", "-G", entries[i], objs[i])
				}
			}(i)
		}
		wg.Wait()
		for i := range objs {
			if errs[i] != nil {
				return "", "", errs[i]
			}
			if outs[i] != "" {
				return "", outs[i], nil
			}
		}
		args := append([]string{r.s.cxx}, cxxFlags...)
		args = append(args, "-x", "c++", r.path(drv), "-x", "none", objs[0], objs[1], "-o", bin)
		if out, err = r.compile(args...); err != nil || out != "" {
			return "", out, err
		}
	} else {
		args := append([]string{r.s.compiler}, cxxFlags...)
		args = append(args, r.includeFlags()...)
		args = append(args, "-DLESSONL_DRIVER", "-x", "c++", r.path(drv), "-o", bin)
		if out, err = r.compile(args...); err != nil || out != "" {
			return "", out, err
		}
	}
	cxxCachePut(r.m.Sandbox, key, bin)
	return bin, "", nil
}

// driverFlags compile the driver: the file's flags for C++ (the file is
// part of it); for C, the C++ defaults with the file's -march and OpenMP.
func (r *cxxRun) driverFlags() []string {
	if r.f.lang == "cpp" {
		// Warnings in the generated code must not fail the build.
		var out []string
		for _, f := range r.s.allFlags() {
			if f != "-Werror" && !strings.HasPrefix(f, "-Werror=") && f != "-pedantic-errors" {
				out = append(out, f)
			}
		}
		return out
	}
	out := []string{"-std=c++17", "-O2"}
	for _, f := range r.s.allFlags() {
		if strings.HasPrefix(f, "-march=") || strings.HasPrefix(f, "-mtune=") || f == "-fopenmp" || strings.HasPrefix(f, "-l") || strings.HasPrefix(f, "-L") {
			out = append(out, f)
		}
	}
	return out
}

func (r *cxxRun) readWork(name string) string {
	if !filepath.IsAbs(name) {
		name = r.path(name)
	}
	b, _ := os.ReadFile(name)
	return string(b)
}

// marked returns the JSON of the last line starting LESSONL-kind.
func marked(out, kind string) []byte {
	prefix := "LESSONL-" + kind + " "
	var last string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, prefix) {
			last = strings.TrimPrefix(l, prefix)
		}
	}
	if last == "" {
		return nil
	}
	return []byte(last)
}

// differential runs the driver's comparison. done is set when it wrote the
// verdict.
func (r *cxxRun) differential(bin string) (*core.DiffResult, bool, error) {
	rep := r.rep
	budget := min(5*time.Second, r.m.Remaining()/6)
	origLimit := max(budget, 2*time.Second)
	args := []string{bin, "diff", strconv.Itoa(cxxSeeds), strconv.Itoa(r.m.Opts.Size),
		fmt.Sprintf("%.3f", budget.Seconds()), "1", fmt.Sprintf("%.3f", origLimit.Seconds())}
	out, res, err := r.run(r.m.Work, args, r.s.env(), budget+2*origLimit+60*time.Second, cxxMemory)
	if err != nil {
		return nil, false, err
	}
	j := marked(out, "RESULT")
	var d core.DiffResult
	if j == nil || json.Unmarshal(j, &d) != nil {
		// The driver itself died; it only runs the functions in children,
		// so one of them brought it down.
		r.runFailure(out, res, "while its outputs were compared with the original's")
		return nil, true, nil
	}
	fail := d.Failure()
	switch d.Status {
	case "mismatch":
		d.Mismatch(rep)
		return &d, true, nil
	case "variant_threw", "variant_crash", "variant_exit":
		rep.Verdict = core.Crashed
		rep.Failure = fail
		what := d.Variant
		if oom(what) || d.Status == "variant_crash" && oom(out) {
			what = fmt.Sprintf("ran out of memory (limit %d MiB): %s", cxxMemory>>20, what)
		}
		rep.Detail = fmt.Sprintf("the variant %s on a generated input where the original does not (%s inputs, seed %d)\n  input:    %s\n  original: returned %s",
			what, d.Profile, d.Seed, d.Input, d.Original)
		if d.Status == "variant_crash" || d.Status == "variant_exit" {
			rep.Detail = fmt.Sprintf("the variant crashed (%s) on a generated input (%s inputs, seed %d)\n  input: %s", what, d.Profile, d.Seed, d.Input)
		}
		return &d, true, nil
	case "variant_timeout":
		rep.Verdict = core.Timeout
		rep.Failure = fail
		rep.Detail = fmt.Sprintf("the variant did not finish on a generated input (%s inputs, seed %d): it was %s\n  input: %s", d.Profile, d.Seed, d.Variant, d.Input)
		return &d, true, nil
	}
	return &d, false, nil
}

func oom(s string) bool {
	return strings.Contains(s, "bad_alloc") || strings.Contains(strings.ToLower(s), "out of memory") || strings.Contains(s, "Cannot allocate memory")
}

// runFailure writes the verdict of a driver run that ended abnormally.
func (r *cxxRun) runFailure(out string, res sandbox.RunResult, where string) {
	rep := r.rep
	tail := core.FirstLines(lastLines(out, 12), 12)
	switch {
	case core.EndedEarly(rep, res.TimedOut, res.CPUExceeded, res.MemoryExceeded || oom(out), where, cxxMemory>>20):
	case res.Signal != "":
		rep.Verdict = core.Crashed
		rep.Detail = "the variant was killed by signal " + res.Signal + " " + where
	default:
		rep.Verdict = core.Crashed
		rep.Detail = fmt.Sprintf("the variant ended the test process (exit status %d) %s", res.ExitCode, where)
	}
	if tail != "" {
		rep.Detail += ":\n" + tail
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// cxxTime is the driver's LESSONL-TIME line.
type cxxTime struct {
	OrigNs     float64 `json:"orig_ns"`
	VariantNs  float64 `json:"variant_ns"`
	OrigCPU    float64 `json:"orig_cpu_ns"`
	VariantCPU float64 `json:"variant_cpu_ns"`
}

// timing runs the driver's A/B timing once per round.
func (r *cxxRun) timing(bin string, p *cxxPlan, verified bool, note string) error {
	rep := r.rep
	runTime := r.m.Opts.RunTime
	one := func() (*cxxTime, error) {
		wall := 60*time.Second + 40*runTime
		out, res, err := r.run(r.m.Work, []string{bin, "time", strconv.Itoa(r.m.Opts.Size), strconv.FormatInt(runTime.Nanoseconds(), 10), strconv.Itoa(core.ABChunks)},
			r.s.env(), wall, cxxMemory)
		if err != nil {
			return nil, err
		}
		if j := marked(out, "TIME-ERROR"); j != nil {
			var e struct{ Side, What string }
			_ = json.Unmarshal(j, &e)
			if e.Side == "variant" {
				rep.Verdict, rep.Detail = core.Crashed, "the variant threw while being timed: "+e.What
				return nil, &core.TimingError{VariantFailed: true}
			}
			return nil, &core.TimingError{Msg: "the original could not be timed: it threw " + e.What}
		}
		var t cxxTime
		if j := marked(out, "TIME"); j == nil || json.Unmarshal(j, &t) != nil || res.ExitCode != 0 {
			r.runFailure(out, res, "while being timed")
			return nil, &core.TimingError{VariantFailed: true}
		}
		return &t, nil
	}
	// Wall time, the median of each side's chunks: the process CPU clock
	// is too coarse for chunks of a fraction of a millisecond.
	round := func(i int) (float64, float64, error) {
		if i == 0 {
			// A warm-up round: page cache, CPU frequency.
			if _, err := one(); err != nil {
				return 0, 0, err
			}
		}
		t, err := one()
		if err != nil {
			return 0, 0, err
		}
		return t.OrigNs, t.VariantNs, nil
	}
	if ok, err := r.m.Timed(rep, round, verified); !ok {
		return err
	}
	rep.Checks.Benchmark = fmt.Sprintf("generated driver (inputs of size %d, seed 1; original and variant alternate in chunks within each run); wall time per call, median chunk", r.m.Opts.Size)
	if r.s.openmp {
		rep.Checks.Benchmark += fmt.Sprintf("; OpenMP, %d threads", r.s.threads)
	}
	if verified {
		rep.Detail = r.summary(note)
	}
	return nil
}

// summary says in one paragraph what was found and how.
func (r *cxxRun) summary(note string) string {
	rep := r.rep
	var b strings.Builder
	b.WriteString(core.SpeedupSummary(rep, r.m.Opts.Floor))
	var checks []string
	if n := len(rep.Checks.Tests); n > 0 {
		checks = append(checks, strings.Join(rep.Checks.Tests, ", "))
	}
	if c := rep.Checks.GeneratedCases; c > 0 {
		checks = append(checks, fmt.Sprintf("%d generated inputs (seeds 1-%d)", c, cxxSeeds))
	}
	if len(checks) > 0 {
		fmt.Fprintf(&b, "; correct on %s", strings.Join(checks, " and "))
	}
	if note != "" {
		fmt.Fprintf(&b, " (%s)", note)
	}
	return b.String()
}

// The build cache: driver binaries by the hash of everything that went
// into them, so measuring the same variant again does not compile again.

var (
	compilerIDs   = map[string]string{}
	compilerIDsMu sync.Mutex
)

// compilerID identifies a compiler installation: its resolved path, size
// and modification time.
func compilerID(name string) string {
	compilerIDsMu.Lock()
	defer compilerIDsMu.Unlock()
	if id, ok := compilerIDs[name]; ok {
		return id
	}
	id := name
	if p, err := osexec.LookPath(name); err == nil {
		if rp, err := filepath.EvalSymlinks(p); err == nil {
			p = rp
		}
		if fi, err := os.Stat(p); err == nil {
			id = fmt.Sprintf("%s %d %d", p, fi.Size(), fi.ModTime().UnixNano())
		}
	}
	compilerIDs[name] = id
	return id
}

func cxxCacheKey(lang string, s *cxxSettings, driverFlags []string, parts ...string) string {
	h := sha256.New()
	fmt.Fprintf(h, "lessonl-cxx-v1\x00%s\x00%s\x00%s\x00%q\x00%q\x00", lang, compilerID(s.compiler), compilerID(s.cxx), s.allFlags(), driverFlags)
	for _, p := range parts {
		fmt.Fprintf(h, "%d\x00", len(p))
		io.WriteString(h, p)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// dirFingerprint stands for the headers next to the file: names, sizes and
// modification times of the directory's files.
func dirFingerprint(dir string) string {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return ""
	}
	var b strings.Builder
	for i, e := range ents {
		if i > 2000 {
			break
		}
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			fmt.Fprintf(&b, "%s %d %d\n", e.Name(), fi.Size(), fi.ModTime().UnixNano())
		}
	}
	return b.String()
}

// cxxCacheDir is next to the sandbox's Go build cache.
func cxxCacheDir(sb *sandbox.Sandbox) string {
	d := sb.CacheDir()
	if filepath.Base(d) == "gocache" {
		return filepath.Join(filepath.Dir(d), "cxxcache")
	}
	return d + "-cxx"
}

const cxxCacheMax = 256

func cxxCacheGet(sb *sandbox.Sandbox, key, dst string) bool {
	src := filepath.Join(cxxCacheDir(sb), key[:2], key)
	b, err := os.ReadFile(src)
	if err != nil {
		return false
	}
	if err := os.WriteFile(dst, b, 0o755); err != nil {
		return false
	}
	now := time.Now()
	_ = os.Chtimes(src, now, now) // recently used
	return true
}

func cxxCachePut(sb *sandbox.Sandbox, key, bin string) {
	dir := filepath.Join(cxxCacheDir(sb), key[:2])
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return
	}
	b, err := os.ReadFile(bin)
	if err != nil {
		return
	}
	tmp, err := os.CreateTemp(dir, ".tmp-")
	if err != nil {
		return
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), filepath.Join(dir, key)) != nil {
		os.Remove(tmp.Name())
		return
	}
	trimCxxCache(cxxCacheDir(sb))
}

// trimCxxCache keeps the most recently used cxxCacheMax binaries.
func trimCxxCache(root string) {
	type entry struct {
		path string
		t    time.Time
	}
	var es []entry
	subs, _ := os.ReadDir(root)
	for _, s := range subs {
		if !s.IsDir() {
			continue
		}
		files, _ := os.ReadDir(filepath.Join(root, s.Name()))
		for _, f := range files {
			if fi, err := f.Info(); err == nil && !strings.HasPrefix(f.Name(), ".tmp-") {
				es = append(es, entry{filepath.Join(root, s.Name(), f.Name()), fi.ModTime()})
			}
		}
	}
	if len(es) <= cxxCacheMax {
		return
	}
	sort.Slice(es, func(i, j int) bool { return es[i].t.After(es[j].t) })
	for _, e := range es[cxxCacheMax:] {
		os.Remove(e.path)
	}
}
