package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	udiff "github.com/aymanbagabas/go-udiff"
	"golang.org/x/term"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/optimize"
	"github.com/lessonl/lessonl/settings"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

func init() {
	register(&command{
		name:    "optimize",
		summary: "make a function faster with a team of local models that learn from each other",
		run:     runOptimize,
	})
}

const optimizeUsage = "[--json] [--models m1,m2,m3] [--host URL] [--rounds T] [--lessons k] [--scope problem|project|all] [--apply] [--pull] [--store DIR] [--omp THREADS] [--rtol R] FILE:FUNC"

func runOptimize(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("optimize", optimizeUsage, stderr)
	set := settings.FromEnv()
	settings.AddFlags(fs, &set)
	var (
		asJSON      = fs.Bool("json", false, "print one JSON object instead of text")
		apply       = fs.Bool("apply", false, "write the best variant into FILE if it is verified faster and FILE did not change meanwhile")
		pull        = fs.Bool("pull", false, "pull missing models without asking (default on a terminal: ask)")
		embedder    = fs.String("embedder", "", "lesson `EMBEDDER` for a new store: hash (built in) or ollama:MODEL (default: the store's own, else hash)")
		selection   = fs.String("selection", "lessonl", "lesson `SELECTION`: lessonl, speedup, relevance or random (ablations)")
		noLessons   = fs.Bool("no-lessons", false, "ablation: agents never see lessons")
		noFactor    = fs.Bool("no-factor", false, "ablation: ignore effectiveness factors")
		single      = fs.Bool("single", false, "ablation: one agent only (the first model)")
		parallel    = fs.Int("parallel", 0, "`N` agents generating at once (default all; 1 when one Ollama host serves one model at a time)")
		callTimeout = fs.Duration("call-timeout", team.DefaultCallTimeout, "bound on every model call")
		omp         = fs.Int("omp", 0, "C and C++: let agents use OpenMP and time with this many threads (0: serial, or lessonl.toml's openmp)")
		rtol        = fs.Float64("rtol", 0, "relative float tolerance of the generated check (0: Go 1e-9, C/C++ lessonl.toml rtol or 1e-6)")
	)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("want FILE:FUNC, got %d arguments; usage: lessonl optimize %s", len(pos), optimizeUsage)
	}
	file, fn, ok := splitTarget(pos[0])
	if !ok {
		return usagef("%q is not FILE:FUNC; name the function after the colon, e.g. sum.go:Sum, list.go:(*List).Len or grid.cpp:Grid::step", pos[0])
	}
	if err := set.Validate(); err != nil {
		return usageError{settings.FlagError(err).Error()}
	}
	switch vectorbank.Strategy(*selection) {
	case vectorbank.StrategyLessonL, vectorbank.StrategySpeedup, vectorbank.StrategyRelevance, vectorbank.StrategyRandom:
	default:
		return usagef("--selection %q: want lessonl, speedup, relevance or random", *selection)
	}
	if *rtol < 0 || *rtol >= 1 {
		return usagef("--rtol %v is out of range; use a small relative tolerance such as 1e-6", *rtol)
	}
	if lang, _ := exec.LangOf(file); *omp < 0 || *omp > 0 && lang != "c" && lang != "cpp" {
		return usagef("--omp %d: OpenMP applies to C and C++ functions, with a positive thread count (e.g. --omp 8)", *omp)
	}
	ab := optimize.Ablations{
		Selection: vectorbank.Strategy(*selection), NoLessons: *noLessons, NoFactor: *noFactor, Single: *single,
		Parallel: *parallel, CallTimeout: *callTimeout,
	}
	if _, err := optimize.Agents(set, ab); err != nil {
		return usageError{err.Error()}
	}
	if *embedder != "" {
		if _, err := optimize.Embedder(set, *embedder); err != nil {
			return usageError{err.Error()}
		}
	}
	src, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("couldn't read %s: %w", file, err)
	}

	tty := isTerminal(stdout) && !*asJSON
	ask := func(model, host string) bool {
		if *pull {
			return true
		}
		if !tty || !isTerminal(os.Stdin) {
			return false
		}
		fmt.Fprintf(stderr, "Model %s is not on %s. Pull it now? [y/N] ", model, host)
		line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
		return strings.HasPrefix(strings.ToLower(strings.TrimSpace(line)), "y")
	}
	var render func(team.Event)
	switch {
	case *asJSON:
		render = nil
	case tty:
		render = newLiveRenderer(stdout, set.Rounds).event
	default:
		render = plainRenderer(stdout)
	}
	out, runErr := optimize.Run(ctx, optimize.Request{
		Settings: set, Target: exec.Target{File: file, Func: fn}, Ablations: ab, Embedder: *embedder,
		Measure: exec.Options{RTol: *rtol, OpenMP: *omp > 0, Threads: *omp},
		Pull:    ask, OnPull: pullProgress(stderr), Events: render,
	})
	if out == nil {
		var ue *optimize.UnreachableError
		if errors.As(runErr, &ue) {
			return fmt.Errorf("%w\n%s", runErr, scriptedTeamHint)
		}
		return runErr
	}
	f, res := out.Func, out.Result
	// Apply before reporting, so --json can say whether it did.
	var applied bool
	var applyErr error
	if *apply && runErr == nil {
		applied, applyErr = applyBest(file, src, f, res)
	}
	if *asJSON {
		if err := writeOptimizeJSON(stdout, res, applied); err != nil {
			return err
		}
	} else {
		printSummary(stdout, f, src, res)
		if applied {
			fmt.Fprintf(stdout, "\nApplied the %.2f× variant to %s.\n", res.Best.Report.Speedup, file)
		}
	}
	if runErr != nil {
		if errors.Is(runErr, context.Canceled) {
			fmt.Fprintln(stderr, "lessonl optimize: cancelled; lessons learned so far are kept")
			return exitCode(130)
		}
		if errors.Is(runErr, team.ErrNoModelAnswered) {
			fmt.Fprintf(stderr, "lessonl optimize: %v\n", runErr)
			return exitCode(exitNoAnswer)
		}
		return runErr
	}
	if *apply && !applied && applyErr == nil {
		fmt.Fprintln(stderr, "lessonl optimize: nothing applied: no variant was verified faster")
	}
	return applyErr
}

// exitNoAnswer is optimize's exit status when no model answered at all
// (every call failed: server down, models missing or broken).
const exitNoAnswer = 3

// scriptedTeamHint is the README's "Try it without Ollama", for a machine
// with no Ollama.
const scriptedTeamHint = `No Ollama here? Watch the whole loop with a scripted team instead (from a checkout; see README, "Try it without Ollama"):
  go build -o /tmp/lessonl ./cmd/lessonl
  /tmp/lessonl ollamatest --script internal/ollamatest/testdata/example.json --addr 127.0.0.1:11434 &
  /tmp/lessonl optimize --models qwen2.5-coder:7b,deepseek-coder:6.7b,qwen2.5-coder:14b --rounds 2 examples/sum/sum.go:Sum
  kill $!`

// applyBest writes the best variant into file only when it is verified
// faster after the re-measurement and the file is unchanged since the start.
func applyBest(file string, before []byte, f *exec.Func, res *team.Result) (bool, error) {
	b := res.Best
	if b == nil || b.Report == nil || b.Report.Verdict != exec.Faster {
		return false, nil
	}
	now, err := os.ReadFile(file)
	if err != nil {
		return false, fmt.Errorf("couldn't re-read %s before applying: %w", file, err)
	}
	if !bytes.Equal(now, before) {
		return false, fmt.Errorf("%s changed during the run: nothing applied, so your edits are kept; run again or apply by hand", file)
	}
	out, err := exec.Apply(exec.Target{File: file, Func: f.Name, Source: now}, b.Code)
	if err != nil {
		return false, fmt.Errorf("couldn't splice the best variant into %s: %w", file, err)
	}
	info, err := os.Stat(file)
	if err != nil {
		return false, err
	}
	tmp := file + ".lessonl.tmp"
	if err := os.WriteFile(tmp, out, info.Mode().Perm()); err != nil {
		return false, fmt.Errorf("couldn't write %s: %w", tmp, err)
	}
	if err := os.Rename(tmp, file); err != nil {
		os.Remove(tmp)
		return false, fmt.Errorf("couldn't replace %s: %w", file, err)
	}
	return true, nil
}

type bestJSON struct {
	Variant     string       `json:"variant"`
	Verdict     exec.Verdict `json:"verdict"`
	Speedup     float64      `json:"speedup"`
	SpeedupLow  float64      `json:"speedup_low"`
	SpeedupHigh float64      `json:"speedup_high"`
	Interval    [2]float64   `json:"interval"`
	Agent       string       `json:"agent"`
	Model       string       `json:"model"`
	Round       int          `json:"round"`
	Report      *exec.Report `json:"report"`
}

// variantJSON is a variant with its verdict and speedup at the top level,
// as best has them ("error" and no speedup when the model call failed; no
// speedup when the variant was not verified).
type variantJSON struct {
	team.Variant
	Verdict string   `json:"verdict"`
	Speedup *float64 `json:"speedup"`
}

func writeOptimizeJSON(w io.Writer, res *team.Result, applied bool) error {
	out := struct {
		Applied        bool                `json:"applied"`
		Best           *bestJSON           `json:"best"`
		Variants       []variantJSON       `json:"variants"`
		LessonsLearned []vectorbank.Lesson `json:"lessons_learned"`
		LessonsUsed    []vectorbank.Lesson `json:"lessons_used"`
		Rounds         int                 `json:"rounds"`
		Warnings       []string            `json:"warnings,omitempty"`
	}{Applied: applied, Variants: []variantJSON{}, LessonsLearned: res.LessonsLearned, LessonsUsed: res.LessonsUsed, Rounds: res.Rounds, Warnings: res.Warnings}
	for _, v := range res.Variants {
		vj := variantJSON{Variant: v, Verdict: "error"}
		if r := v.Report; r != nil {
			vj.Verdict = string(r.Verdict)
			if r.Verdict.Verified() {
				vj.Speedup = &r.Speedup
			}
		}
		out.Variants = append(out.Variants, vj)
	}
	if out.LessonsLearned == nil {
		out.LessonsLearned = []vectorbank.Lesson{}
	}
	if out.LessonsUsed == nil {
		out.LessonsUsed = []vectorbank.Lesson{}
	}
	if b := res.Best; b != nil && b.Report != nil {
		r := b.Report
		out.Best = &bestJSON{Variant: b.Code, Verdict: r.Verdict, Speedup: r.Speedup, SpeedupLow: r.SpeedupLow,
			SpeedupHigh: r.SpeedupHigh, Interval: [2]float64{r.SpeedupLow, r.SpeedupHigh}, Agent: b.Agent,
			Model: b.Model, Round: b.Round, Report: r}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

func printSummary(w io.Writer, f *exec.Func, src []byte, res *team.Result) {
	fmt.Fprintln(w)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ROUND\tAGENT\tVERDICT\tSPEEDUP")
	for _, v := range res.Variants {
		verdict, speed := "error", clipText(v.Error, 60)
		if v.Report != nil {
			verdict, speed = string(v.Report.Verdict), speedupText(v.Report)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", v.Round+1, v.Agent, verdict, speed)
	}
	tw.Flush()
	if len(res.LessonsLearned) > 0 {
		fmt.Fprintf(w, "\nLessons learned (%d):\n", len(res.LessonsLearned))
		for _, l := range res.LessonsLearned {
			fmt.Fprintf(w, "  %s  round %d  %-12s %s: %s\n", shortID(l.ID), l.Round+1, optimize.OutcomeWord(l.Outcome), l.Model, l.Text)
		}
	}
	if len(res.LessonsUsed) > 0 {
		fmt.Fprintf(w, "\nLessons used (%d):\n", len(res.LessonsUsed))
		for _, l := range res.LessonsUsed {
			fmt.Fprintf(w, "  %s  factor %.2f  %s\n", shortID(l.ID), l.Factor, l.Text)
		}
	}
	b := res.Best
	if b == nil || b.Report == nil {
		fmt.Fprintln(w, "\nNo variant was verified faster; the function is unchanged.")
		return
	}
	fmt.Fprintf(w, "\nBest: %s by %s in round %d (re-measured: %s).\n", speedupText(b.Report), b.Agent, b.Round+1, b.Report.Verdict)
	if out, err := exec.Apply(exec.Target{File: f.File, Func: f.Name, Source: src}, b.Code); err == nil {
		name := filepath.ToSlash(f.File)
		fmt.Fprint(w, udiff.Unified("a/"+name, "b/"+name, string(src), string(out)))
	} else {
		fmt.Fprint(w, udiff.Unified("original", "variant", f.Source+"\n", b.Code))
	}
}

func speedupText(r *exec.Report) string {
	if !r.Verdict.Verified() {
		return "-"
	}
	return fmt.Sprintf("%.2f× [%.2f, %.2f]", r.Speedup, r.SpeedupLow, r.SpeedupHigh)
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func clipText(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func isTerminal(f any) bool {
	if fd, ok := f.(interface{ Fd() uintptr }); ok {
		return term.IsTerminal(int(fd.Fd()))
	}
	return false
}

func pullProgress(w io.Writer) func(team.PullProgress) {
	last := ""
	return func(p team.PullProgress) {
		line := fmt.Sprintf("pulling %s: %s", p.Model, p.Status)
		if p.Total > 0 {
			line += fmt.Sprintf(" %3d%%", p.Completed*100/p.Total)
		}
		if line != last {
			fmt.Fprintln(w, line)
			last = line
		}
	}
}

// plainRenderer prints one line per event: for logs, pipes and CI.
func plainRenderer(w io.Writer) func(team.Event) {
	return func(e team.Event) {
		switch e := e.(type) {
		case team.RoundStarted:
			fmt.Fprintf(w, "round %d/%d: %d lessons\n", e.Round+1, e.Of, len(e.Lessons))
		case team.Measured:
			r := e.Variant.Report
			fmt.Fprintf(w, "round %d: %s: %s %s\n", e.Round+1, e.Variant.Agent, r.Verdict, speedupText(r))
		case team.AgentFailed:
			fmt.Fprintf(w, "round %d: %s: %v\n", e.Round+1, e.Agent, e.Err)
		case team.LessonBanked:
			fmt.Fprintf(w, "round %d: lesson %s (%s): %s\n", e.Round+1, shortID(e.Lesson.ID), optimize.OutcomeWord(e.Lesson.Outcome), e.Lesson.Text)
		case team.FactorsUpdated:
			fmt.Fprintf(w, "round %d: updated %d lesson factors\n", e.Round+1, len(e.Factors))
		case team.Remeasured:
			fmt.Fprintf(w, "best re-measured: %s %s\n", e.Variant.Report.Verdict, speedupText(e.Variant.Report))
		case team.Warning:
			fmt.Fprintf(w, "warning: %s\n", e.Text)
		}
	}
}

// liveRenderer keeps one status line per agent up to date on a terminal and
// prints verdicts and lessons as they come.
type liveRenderer struct {
	w      io.Writer
	rounds int
	status string
	plain  func(team.Event)
}

func newLiveRenderer(w io.Writer, rounds int) *liveRenderer {
	return &liveRenderer{w: w, rounds: rounds, plain: plainRenderer(w)}
}

func (l *liveRenderer) event(e team.Event) {
	if g, ok := e.(team.Generating); ok {
		if g.Done {
			return
		}
		l.status = fmt.Sprintf("round %d/%d · %s · %d tokens · %.0f tok/s", g.Round+1, l.rounds, g.Agent, g.Tokens, g.TokensPerS)
		fmt.Fprintf(l.w, "\r\x1b[2K%s", l.status)
		return
	}
	if _, ok := e.(team.Done); ok {
		fmt.Fprint(l.w, "\r\x1b[2K")
		return
	}
	fmt.Fprint(l.w, "\r\x1b[2K")
	l.plain(e)
	if l.status != "" {
		fmt.Fprint(l.w, l.status)
	}
}
