package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/settings"
)

func init() {
	register(&command{
		name:    "measure",
		summary: "check a variant of a function and measure its speedup",
		run:     runMeasure,
	})
}

const measureUsage = "[--json] [--floor F] [--timeout D] [--no-sandbox] [--size N] FILE:FUNC VARIANT_FILE"

func runMeasure(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("measure", measureUsage, stderr)
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	set := settings.FromEnv()
	settings.AddFlags(fs, &set, "timeout", "floor", "sandbox")
	size := fs.Int("size", exec.DefaultSize, "size of generated inputs (slice lengths, string lengths)")
	rtol := fs.Float64("rtol", 0, "relative float tolerance of the generated check (0: Go 1e-9, C/C++ lessonl.toml rtol or 1e-6)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return usagef("want FILE:FUNC and VARIANT_FILE, got %d argument(s)", len(pos))
	}
	file, fn, ok := splitTarget(pos[0])
	if !ok {
		return usagef("%q is not FILE:FUNC; name the function after the colon, e.g. sum.go:Sum, list.go:(*List).Len or grid.cpp:Grid::step", pos[0])
	}
	if err := set.Check("timeout", "floor"); err != nil {
		return usageError{settings.FlagError(err).Error()}
	}
	if *size <= 0 {
		return usagef("--size must be positive")
	}
	if *rtol < 0 || *rtol >= 1 {
		return usagef("--rtol %v is out of range; use a small relative tolerance such as 1e-6", *rtol)
	}
	if _, ok := exec.LangOf(file); !ok {
		lang, _ := exec.LangOf(file)
		if lang == "" {
			return usagef("%s: unknown language; FILE must be a Go, C or C++ file (.go, .c, .h, .cc, .cpp, .cxx, .hpp)", file)
		}
		return fmt.Errorf("%s: %s is not supported yet; the runner measures Go, C and C++ files", file, lang)
	}
	variant, err := os.ReadFile(pos[1])
	if err != nil {
		return fmt.Errorf("couldn't read the variant: %w; give the path of a file holding the new function", err)
	}
	opts := set.Measure(exec.Options{Size: *size, RTol: *rtol})
	rep, err := exec.Measure(ctx, exec.Target{File: file, Func: fn}, string(variant), opts)
	if err != nil {
		var nf *exec.NotFoundError
		if errors.As(err, &nf) {
			return err
		}
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	printReport(stdout, rep, opts)
	return nil
}

// funcNameRE is what may follow the last colon of FILE:FUNC: a name, T.Name
// or (*T).Name (type parameters allowed in the receiver).
var funcNameRE = regexp.MustCompile(`^(\(\*?[\p{L}_][\p{L}\p{N}_]*(\[[^\]]*\])?\)\.|[\p{L}_][\p{L}\p{N}_]*(\[[^\]]*\])?\.)?[\p{L}_][\p{L}\p{N}_]*$`)

// splitTarget splits FILE:FUNC. For a C or C++ file the split is at the
// first colon after the file's extension, since the name may hold "::" and
// a parameter list (ns::sum, Grid::step(int)); otherwise at the last colon
// followed by a Go function name, so Windows drive letters and colons in
// directory names survive.
func splitTarget(s string) (file, fn string, ok bool) {
	for i := strings.IndexByte(s, ':'); i > 0; {
		if lang, _ := exec.LangOf(s[:i]); (lang == "c" || lang == "cpp") && cxxNameRE.MatchString(s[i+1:]) {
			return s[:i], s[i+1:], true
		}
		j := strings.IndexByte(s[i+1:], ':')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	for i := strings.LastIndexByte(s, ':'); i > 0; i = strings.LastIndexByte(s[:i], ':') {
		if funcNameRE.MatchString(s[i+1:]) {
			return s[:i], s[i+1:], true
		}
	}
	return "", "", false
}

// cxxNameRE is a C or C++ function name as the runner lists it: qualified
// with ::, maybe an operator, a parameter list or a #N for overloads.
var cxxNameRE = regexp.MustCompile(`^(::)?([\p{L}_~][\p{L}\p{N}_]*(<[^:]*>)?::)*([\p{L}_~][\p{L}\p{N}_]*|operator\S+)(\(.*\))?(#\d+)?$`)

func printReport(w io.Writer, r *exec.Report, o exec.Options) {
	fmt.Fprintf(w, "verdict     %s\n", r.Verdict)
	fmt.Fprintf(w, "function    %s\n", r.Func)
	if r.Checks.Rounds > 0 {
		if r.SpeedupLow > 0 {
			fmt.Fprintf(w, "speedup     %.2fx  (95%% interval %.2fx to %.2fx, %d A/B rounds, spread %.1f%%, floor %.0f%%)\n",
				r.Speedup, r.SpeedupLow, r.SpeedupHigh, r.Checks.Rounds, 100*r.Checks.Spread, 100*o.Floor)
		} else {
			fmt.Fprintf(w, "speedup     %.2fx  (no interval: only %d A/B rounds)\n", r.Speedup, r.Checks.Rounds)
		}
		fmt.Fprintf(w, "original    %s per call\n", nsText(r.OriginalNs))
		fmt.Fprintf(w, "variant     %s per call\n", nsText(r.VariantNs))
		fmt.Fprintf(w, "timed with  %s\n", r.Checks.Benchmark)
	}
	var checks []string
	if n := len(r.Checks.Tests); n > 0 {
		checks = append(checks, fmt.Sprintf("%d package test(s): %s", n, strings.Join(r.Checks.Tests, ", ")))
	}
	if r.Checks.GeneratedCases > 0 {
		s := fmt.Sprintf("%d generated inputs compared with the original", r.Checks.GeneratedCases)
		if n := len(r.Checks.Seeds); n > 0 {
			s += fmt.Sprintf(" (seeds %d-%d)", r.Checks.Seeds[0], r.Checks.Seeds[n-1])
		}
		checks = append(checks, s)
	}
	if len(checks) > 0 {
		fmt.Fprintf(w, "checked     %s\n", strings.Join(checks, "; "))
	}
	if r.Sandboxed {
		fmt.Fprintln(w, "sandbox     bubblewrap (no network, read-only files, limits)")
	} else {
		fmt.Fprintln(w, "sandbox     NOT sandboxed: rlimits and timeouts only (see lessonl doctor)")
	}
	if r.Failure != nil && r.Failure.Test != "" {
		fmt.Fprintf(w, "failing     %s\n", r.Failure.Test)
	}
	if r.Detail != "" {
		fmt.Fprintf(w, "\n%s\n", r.Detail)
	}
}

func nsText(ns float64) string {
	switch {
	case ns <= 0:
		return "-"
	case ns < 1e3:
		return fmt.Sprintf("%.3g ns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.3g µs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.3g ms", ns/1e6)
	default:
		return fmt.Sprintf("%.3g s", ns/1e9)
	}
}
