package cxx

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lessonl/lessonl/exec/internal/core"
	"github.com/lessonl/lessonl/exec/sandbox"
)

// Limits of the project copy a harness runs in.
const (
	maxCopyFiles = 20000
	maxCopyBytes = 1 << 30
)

// harnessSide is one copy of the project: the original's or the variant's.
type harnessSide struct {
	name string // "original" or "variant"
	dir  string
	file string // the target file in the copy
	out  string // {out}
}

// harnessSteps check and time the variant with the project's own commands
// (lessonl.toml [harness]), each side in its own sandboxed copy of the
// project.
type harnessSteps struct {
	*cxxRun
	orig, vari *harnessSide
}

// cmdTimeout is the harness's timeout, else def.
func (r *harnessSteps) cmdTimeout(def time.Duration) time.Duration {
	if h := r.s.harness; h.timeout > 0 {
		return h.timeout
	}
	return def
}

// Build copies the project for each side and runs the build command on both.
func (r *harnessSteps) Build() (bool, error) {
	h := r.s.harness
	rep := r.rep
	rel, err := filepath.Rel(r.s.root, r.f.abs)
	if err != nil || strings.HasPrefix(rel, "..") {
		return false, fmt.Errorf("%s is outside the project root %s", r.m.Target.File, r.s.root)
	}
	sides := []*harnessSide{{name: "original", dir: r.path("orig")}, {name: "variant", dir: r.path("variant")}}
	contents := [][]byte{r.f.src, r.sp.variant}
	for i, s := range sides {
		if err := copyProject(r.s.root, s.dir, h); err != nil {
			return false, err
		}
		s.file = filepath.Join(s.dir, rel)
		s.out = filepath.Join(s.dir, "lessonl.out")
		if err := os.MkdirAll(filepath.Dir(s.file), 0o755); err != nil {
			return false, fmt.Errorf("couldn't write the project's copy: %w", err)
		}
		if err := os.WriteFile(s.file, contents[i], 0o644); err != nil {
			return false, fmt.Errorf("couldn't write the project's copy: %w", err)
		}
	}
	r.orig, r.vari = sides[0], sides[1]
	orig, vari := r.orig, r.vari
	// Build both at once.
	if h.Build != "" {
		var wg sync.WaitGroup
		outs := make([]string, 2)
		ress := make([]sandbox.RunResult, 2)
		errs := make([]error, 2)
		for i, s := range sides {
			wg.Add(1)
			go func(i int, s *harnessSide) {
				defer wg.Done()
				outs[i], ress[i], errs[i] = r.harnessCmd(s, h.Build, r.cmdTimeout(r.m.Remaining()))
			}(i, s)
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return false, err
			}
		}
		if ress[0].ExitCode != 0 {
			return false, fmt.Errorf("the harness's build command fails on the original (%s): %s; fix build in %s",
				exitText(ress[0]), core.FirstLines(r.cleanHarness(outs[0], orig), 20), r.s.config.Path)
		}
		if ress[1].ExitCode != 0 {
			rep.Verdict, rep.Detail = core.BuildFailed, "the variant does not build with the project's harness:\n"+core.FirstLines(r.cleanHarness(outs[1], vari), 30)
			return true, nil
		}
	}
	return false, nil
}

// Check runs the test command on both sides: it must pass on the original.
func (r *harnessSteps) Check() (bool, string, bool, error) {
	h := r.s.harness
	rep := r.rep
	orig, vari := r.orig, r.vari
	noTest := "the harness in " + r.s.config.Path + " has no test command; add one whose exit status is 0 when the function is right"
	if h.Test != "" {
		limit := r.cmdTimeout(min(max(r.m.Remaining()/3, 10*time.Second), 2*time.Minute))
		out, res, err := r.harnessCmd(orig, h.Test, limit)
		if err != nil {
			return false, "", false, err
		}
		if res.ExitCode != 0 {
			return false, "", false, fmt.Errorf("the harness's test command fails on the original (%s): %s; fix test in %s so it passes on the original",
				exitText(res), core.FirstLines(r.cleanHarness(out, orig), 20), r.s.config.Path)
		}
		out, res, err = r.harnessCmd(vari, h.Test, limit)
		if err != nil {
			return false, "", false, err
		}
		name := ProjectConfigName + " test: " + h.Test
		switch {
		case res.TimedOut:
			rep.Verdict, rep.Detail = core.Timeout, fmt.Sprintf("the variant did not finish the project's test (%s) within %v", h.Test, limit)
			return false, "", true, nil
		case res.Signal != "":
			rep.Verdict = core.Crashed
			rep.Detail = fmt.Sprintf("the variant crashed in the project's test (%s): killed by signal %s\n%s", h.Test, res.Signal, core.FirstLines(lastLines(r.cleanHarness(out, vari), 20), 20))
			rep.Failure = &core.Failure{Test: name, Original: "PASS", Variant: core.FirstLines(out, 30)}
			return false, "", true, nil
		case res.ExitCode != 0:
			rep.Verdict = core.Incorrect
			rep.Detail = fmt.Sprintf("the project's test (%s) passes on the original and fails on the variant (exit status %d):\n%s", h.Test, res.ExitCode, core.FirstLines(lastLines(r.cleanHarness(out, vari), 30), 30))
			rep.Failure = &core.Failure{Test: name, Original: "PASS", Variant: core.FirstLines(lastLines(out, 30), 30)}
			return false, "", true, nil
		}
		rep.Checks.Tests = []string{name}
		return true, "", false, nil
	}
	return false, noTest, false, nil
}

// Time runs the bench command on both sides, when there is one.
func (r *harnessSteps) Time(verified bool) error {
	if r.s.harness.Bench != "" {
		return r.harnessTiming(r.orig, r.vari, verified)
	}
	if verified {
		r.rep.Verdict = core.Unverified
		r.rep.Detail = "correct (the project's test passes), but not timed: the harness has no bench command; add bench to " + r.s.config.Path
	}
	return nil
}

func exitText(res sandbox.RunResult) string {
	switch {
	case res.TimedOut:
		return "it did not finish in time"
	case res.Signal != "":
		return "killed by signal " + res.Signal
	}
	return "exit status " + strconv.Itoa(res.ExitCode)
}

// harnessCmd runs one of the harness's commands in a side's copy.
func (r *cxxRun) harnessCmd(s *harnessSide, cmd string, limit time.Duration) (string, sandbox.RunResult, error) {
	line := r.expand(cmd, s)
	env := append(r.s.env(), "LESSONL_FILE="+s.file, "LESSONL_SIDE="+s.name)
	return r.run(s.dir, []string{"/bin/sh", "-c", line}, env, limit, 0)
}

// expand replaces the placeholders of a harness command, shell-quoted.
func (r *cxxRun) expand(cmd string, s *harnessSide) string {
	vals := map[string]string{
		"file":    shellQuote(s.file),
		"out":     shellQuote(s.out),
		"dir":     shellQuote(s.dir),
		"cc":      shellQuote(r.s.compiler),
		"func":    shellQuote(r.fn.name),
		"threads": strconv.Itoa(r.s.threads),
	}
	var fl []string
	for _, f := range r.s.allFlags() {
		fl = append(fl, shellQuote(f))
	}
	vals["flags"] = strings.Join(fl, " ")
	return placeholderRE.ReplaceAllStringFunc(cmd, func(m string) string {
		if v, ok := vals[m[1:len(m)-1]]; ok {
			return v
		}
		return m
	})
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(c rune) bool {
		return !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune("-_./=+,:@%", c))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// cleanHarness shortens a command's output: the copies' paths taken out.
func (r *cxxRun) cleanHarness(out string, s *harnessSide) string {
	return strings.TrimSpace(strings.ReplaceAll(out, s.dir+string(filepath.Separator), ""))
}

// harnessTiming runs the bench command on both copies, A B then B A.
func (r *harnessSteps) harnessTiming(orig, vari *harnessSide, verified bool) error {
	rep := r.rep
	h := r.s.harness
	limit := min(max(r.m.Remaining()/4, 10*time.Second), time.Minute)
	if h.timeout > 0 {
		limit = h.timeout
	}
	format := ""
	one := func(s *harnessSide) (float64, error) {
		out, res, err := r.harnessCmd(s, h.Bench, limit)
		if err != nil {
			return 0, err
		}
		ns, how, ok := parseHarnessTime(out)
		if res.ExitCode != 0 || !ok {
			if s == orig {
				why := "prints no times"
				if res.ExitCode != 0 {
					why = "fails (" + exitText(res) + ")"
				}
				return 0, &core.TimingError{Msg: fmt.Sprintf("the original could not be timed: the harness's bench command %s on it: %s; it must print lines `lessonl-time-ns: N` (nanoseconds per call) or Go benchmark lines (`BenchmarkX  100  123 ns/op`)",
					why, core.FirstLines(lastLines(r.cleanHarness(out, s), 8), 8))}
			}
			r.runFailure(out, res, "in the project's bench command")
			if res.ExitCode == 0 && !res.TimedOut {
				rep.Verdict, rep.Detail = core.Crashed, "the project's bench command printed no times with the variant:\n"+core.FirstLines(lastLines(r.cleanHarness(out, s), 12), 12)
			}
			return 0, &core.TimingError{VariantFailed: true}
		}
		format = how
		return ns, nil
	}
	round := func(i int) (float64, float64, error) {
		if i == 0 {
			// Warm-up (page cache, CPU frequency), not counted.
			if _, err := one(orig); err != nil {
				return 0, 0, err
			}
			if _, err := one(vari); err != nil {
				return 0, 0, err
			}
		}
		first, second := orig, vari
		if i%2 == 1 {
			first, second = vari, orig
		}
		a, err := one(first)
		if err != nil {
			return 0, 0, err
		}
		b, err := one(second)
		if err != nil {
			return 0, 0, err
		}
		if first == vari {
			a, b = b, a
		}
		return a, b, nil
	}
	if ok, err := r.m.Timed(rep, round, verified); !ok {
		return err
	}
	rep.Checks.Benchmark = fmt.Sprintf("%s bench: %s (%s; original and variant copies alternate)", ProjectConfigName, h.Bench, format)
	if verified {
		rep.Detail = r.summary("")
	}
	return nil
}

// parseHarnessTime reads a bench command's output: lines
// `lessonl-time-ns: N` (the smallest counts: load only ever adds time),
// else Go benchmark lines (the geometric mean of their ns/op).
func parseHarnessTime(out string) (ns float64, how string, ok bool) {
	best := -1.0
	for _, l := range strings.Split(out, "\n") {
		l = strings.TrimSpace(l)
		if len(l) < len("lessonl-time-ns:") || !strings.EqualFold(l[:len("lessonl-time-ns:")], "lessonl-time-ns:") {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(l[len("lessonl-time-ns:"):]), 64)
		if err != nil || !(v > 0) || v > 1e18 {
			continue
		}
		if best < 0 || v < best {
			best = v
		}
	}
	if best > 0 {
		return best, "lessonl-time-ns lines", true
	}
	bs := core.ParseBench(out)
	per := map[string]float64{}
	for name, b := range bs {
		if v := b["ns/op"]; v > 0 {
			per[name] = v
		}
	}
	if len(per) == 0 {
		return 0, "", false
	}
	return core.Geomean(per), fmt.Sprintf("%d Go benchmark(s), geometric mean of ns/op", len(per)), true
}

// copyProject copies the project at root into dst for a sandboxed run:
// regular files and symlinks, without version control and excluded paths.
func copyProject(root, dst string, h *HarnessConfig) error {
	files, bytes := 0, int64(0)
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return os.MkdirAll(dst, 0o755)
		}
		slash := filepath.ToSlash(rel)
		if h.excluded(slash, d.IsDir()) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		target := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(target, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case d.Type().IsRegular():
			files++
			fi, err := d.Info()
			if err != nil {
				return err
			}
			bytes += fi.Size()
			if files > maxCopyFiles || bytes > maxCopyBytes {
				return fmt.Errorf("the project at %s is too big to copy for the harness (more than %d files or %d MiB); list what it does not need under exclude in %s", root, maxCopyFiles, maxCopyBytes>>20, ProjectConfigName)
			}
			return copyFile(p, target, fi.Mode().Perm())
		}
		return nil // sockets, devices: not copied
	})
	if err != nil {
		return fmt.Errorf("couldn't copy the project for the harness: %w", err)
	}
	return nil
}

func copyFile(src, dst string, mode fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
