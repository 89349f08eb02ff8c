package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/lessonl/lessonl/bench"
	"github.com/lessonl/lessonl/optimize"
	"github.com/lessonl/lessonl/settings"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

func init() {
	register(&command{
		name:    "bench",
		summary: "run the team on a suite of problems and report the paper's metrics; compare two runs",
		run:     runBench,
	})
}

const benchUsage = "[--json] [--models m1,m2,m3] [--host URL] [--strategy lessonl|single|no-lessons|no-factor|random] [--rounds T] [--lessons k] [--omp THREADS] [--resume] [--out DIR] [--store DIR] SUITE\n" +
	"       lessonl bench compare [--json] [--labels A,B] [--out FILE] A/results.json B/results.json"

const benchHelp = `Runs the team on every problem of SUITE (a directory in the format of suites/README.md, e.g.
suites/go or suites/cpp), one after the other, and writes to --out:
  results.json   every problem's outcome and the metrics (written after each problem)
  results.md     the paper's table per category and overall, then one row per problem
  speedups.svg   the final speedup of every problem, log scale
  lessons/       the run's own lesson store
Metrics: % built, % correct, the geometric-mean speedup counting wrong code, no answer and
slowdowns as 1x, the share of problems at >= 2x, code tokens and wall time.

Each run starts from a FRESH lesson store in DIR/lessons, so runs are reproducible and never
touch your own lesson bank; --store DIR uses (and adds to) that store instead.
--resume finishes an interrupted run in the same --out (Ctrl-C leaves it resumable): finished
problems are kept, the rest run, the interrupted one from scratch. A problem that fails never
stops the suite; --resume also runs failed problems again.

  lessonl bench compare A/results.json B/results.json
puts two runs side by side (Markdown; --json for data), e.g. --strategy lessonl vs no-lessons.
`

func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "compare" {
		return runBenchCompare(args[1:], stdout, stderr)
	}
	fs := newFlags("bench", benchUsage, stderr)
	usage := fs.Usage
	fs.Usage = func() { usage(); fmt.Fprint(stderr, "\n"+benchHelp) }
	set := settings.FromEnv()
	set.Scope = vectorbank.ScopeProblem
	settings.AddFlags(fs, &set, "models", "ollamaHost", "rounds", "lessons", "scope", "timeout", "floor", "sandbox")
	var (
		asJSON      = fs.Bool("json", false, "print results.json on stdout at the end (progress goes to stderr)")
		strategy    = fs.String("strategy", "lessonl", "lessonl (the method), single (first agent only), no-lessons, no-factor (ignore effectiveness factors) or random (random lesson selection)")
		omp         = fs.Int("omp", 0, "OpenMP threads for C and C++ problems (0: serial); the paper used 8")
		resume      = fs.Bool("resume", false, "finish the run recorded in --out instead of starting a new one")
		out         = fs.String("out", "", "output directory (default lessonl-bench/SUITE-STRATEGY)")
		store       = fs.String("store", "", "lesson store to use and add to (default: a fresh one in --out/lessons)")
		runRe       = fs.String("run", "", "only problems whose name matches this regular expression")
		size        = fs.Int("size", 0, "input size for every problem (default: each problem's own)")
		embedder    = fs.String("embedder", "hash", "lesson embedder: hash (built in) or ollama:MODEL")
		pull        = fs.Bool("pull", false, "pull missing models without asking (default on a terminal: ask)")
		parallel    = fs.Int("parallel", 0, "agents generating at once (default all; 1 when one Ollama host serves one model at a time)")
		callTimeout = fs.Duration("call-timeout", team.DefaultCallTimeout, "bound on every model call")
	)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want one SUITE directory, got %d arguments; usage: lessonl bench %s", len(pos), benchUsage)
	}
	st, err := bench.ParseStrategy(*strategy)
	if err != nil {
		return usagef("--strategy: %v", err)
	}
	if err := set.Validate(); err != nil {
		return usageError{settings.FlagError(err).Error()}
	}
	if set.Scope != vectorbank.ScopeProblem && set.Scope != vectorbank.ScopeAll {
		return usagef("--scope %q: want problem or all (problem: the paper's per-problem bank; all: lessons flow between problems, in suite order)", set.Scope)
	}
	if *omp < 0 || *size < 0 {
		return usagef("--omp and --size must be at least 0")
	}
	if _, err := regexp.Compile(*runRe); err != nil {
		return usagef("--run %q is not a regular expression: %v", *runRe, err)
	}
	suite, err := bench.Load(pos[0])
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join("lessonl-bench", suite.Name+"-"+string(st))
	}

	ab := optimize.Ablations{Parallel: *parallel, CallTimeout: *callTimeout, Single: st == bench.StrategySingle}
	check, err := optimize.Agents(set, ab)
	if err != nil {
		return usageError{err.Error()}
	}
	emb, err := optimize.Embedder(set, *embedder)
	if err != nil {
		return usageError{err.Error()}
	}
	progress := stdout
	if *asJSON {
		progress = stderr
	}
	ask := func(model, host string) bool {
		if *pull {
			return true
		}
		if !isTerminal(os.Stdin) || !isTerminal(stderr) {
			return false
		}
		fmt.Fprintf(stderr, "Model %s is not on %s. Pull it now? [y/N] ", model, host)
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		return strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "y")
	}
	if err := optimize.CheckModels(ctx, check, ask, pullProgress(stderr)); err != nil {
		return err
	}

	opts := bench.Options{
		Settings: set, Ablations: optimize.Ablations{Parallel: *parallel, CallTimeout: *callTimeout},
		Strategy: st, Out: *out, Store: *store, Embedder: emb, Resume: *resume, OMP: *omp, Size: *size,
		Run: *runRe, Version: version, Emit: benchRenderer(progress, set.Rounds),
	}
	res, runErr := bench.Run(ctx, suite, opts)
	if res == nil {
		return runErr
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(stdout, "\n%s\n", bench.MetricsTable(res.Summary))
		fmt.Fprintf(stdout, "Wrote %s, %s and %s in %s\n", bench.ResultsJSON, bench.ResultsMD, bench.PlotSVG, *out)
	}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			fmt.Fprintf(stderr, "lessonl bench: interrupted; %s keeps the finished problems: run the same command with --resume to finish\n", *out)
			return exitCode(130)
		}
		return runErr
	}
	if n := res.Summary.Overall.Errors; n > 0 {
		return fmt.Errorf("%d problem(s) could not run (see the Errors section of %s); fix the cause and run again with --resume", n, filepath.Join(*out, bench.ResultsMD))
	}
	return nil
}

// benchRenderer prints one line per problem and one per measured variant.
func benchRenderer(w io.Writer, rounds int) func(bench.Event) {
	return func(e bench.Event) {
		switch e := e.(type) {
		case bench.ProblemStarted:
			fmt.Fprintf(w, "[%d/%d] %s (%s) %s:%s\n", e.Index+1, e.Of, e.Problem.Name, e.Problem.Category, e.Problem.File, e.Problem.Function)
		case bench.ProblemSkipped:
			fmt.Fprintf(w, "[%d/%d] %s: done earlier, %s\n", e.Index+1, e.Of, e.Result.Name, problemLine(e.Result))
		case bench.TeamEvent:
			switch te := e.Event.(type) {
			case team.Measured:
				r := te.Variant.Report
				fmt.Fprintf(w, "  round %d/%d %s: %s %s\n", te.Round+1, rounds, te.Variant.Agent, r.Verdict, speedupText(r))
			case team.AgentFailed:
				fmt.Fprintf(w, "  round %d/%d %s: %s\n", te.Round+1, rounds, te.Agent, clipText(te.Err.Error(), 160))
			case team.Remeasured:
				fmt.Fprintf(w, "  best re-measured: %s %s\n", te.Variant.Report.Verdict, speedupText(te.Variant.Report))
			}
		case bench.ProblemDone:
			fmt.Fprintf(w, "[%d/%d] %s: %s\n", e.Index+1, e.Of, e.Result.Name, problemLine(e.Result))
		}
	}
}

func problemLine(r bench.ProblemResult) string {
	if r.Status == bench.StatusError && r.Variants == 0 {
		return "error: " + clipText(r.Error, 200)
	}
	s := "1× (no correct variant)"
	switch {
	case r.Speedup > 0:
		s = fmt.Sprintf("%.2f× by %s", r.Speedup, r.Agent)
	case r.Correct:
		s = "1× (nothing verified faster)"
	}
	s += fmt.Sprintf(" · %d tokens · %s", r.CodeTokens, (time.Duration(r.Seconds * float64(time.Second))).Round(100*time.Millisecond))
	if r.Status == bench.StatusError {
		s += " · error: " + clipText(r.Error, 160)
	}
	return s
}

const benchCompareUsage = "[--json] [--labels A,B] [--out FILE] A/results.json B/results.json"

func runBenchCompare(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("bench compare", benchCompareUsage, stderr)
	var (
		asJSON = fs.Bool("json", false, "print the comparison as JSON")
		labels = fs.String("labels", "", "names of the two runs (default: their strategies, else their directories)")
		out    = fs.String("out", "", "also write the Markdown comparison to FILE")
	)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usagef("want two results (results.json files or --out directories), got %d; usage: lessonl bench compare %s", len(pos), benchCompareUsage)
	}
	var la, lb string
	if *labels != "" {
		parts := strings.Split(*labels, ",")
		if len(parts) != 2 || strings.TrimSpace(parts[0]) == "" || strings.TrimSpace(parts[1]) == "" {
			return usagef("--labels %q: want two names separated by a comma, e.g. --labels lessonl,no-lessons", *labels)
		}
		la, lb = strings.TrimSpace(parts[0]), strings.TrimSpace(parts[1])
	}
	var rs [2]*bench.Results
	var paths [2]string
	for i, p := range pos {
		if info, err := os.Stat(p); err == nil && info.IsDir() {
			p = filepath.Join(p, bench.ResultsJSON)
		}
		paths[i] = p
		r, err := bench.ReadResults(p)
		if err != nil {
			return err
		}
		rs[i] = r
	}
	c := bench.Compare(rs[0], rs[1], la, lb, paths[0], paths[1])
	md := c.Markdown()
	if *out != "" {
		if err := os.WriteFile(*out, []byte(md), 0o644); err != nil {
			return fmt.Errorf("couldn't write the comparison: %w", err)
		}
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	}
	_, err = io.WriteString(stdout, md)
	return err
}
