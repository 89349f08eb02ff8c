package bench

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/optimize"
	"github.com/lessonl/lessonl/settings"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

// Options configure a bench run.
type Options struct {
	// Settings are the run's team, rounds, lessons, scope and runner
	// settings (Store is ignored: see Store below); Scope "" = problem.
	Settings settings.Settings
	// Ablations are the run's switches; Strategy is applied on top.
	Ablations optimize.Ablations
	// Measure holds the runner options that are not settings; Size and RTol
	// are set from each problem (or Size).
	Measure  exec.Options
	Strategy Strategy
	Out      string              // directory for results.json, results.md, speedups.svg and the run's lesson store
	Store    string              // lesson store; "" = a fresh one in Out/lessons
	Embedder vectorbank.Embedder // default: the built-in hash embedder
	Resume   bool                // finish the run recorded in Out/results.json
	OMP      int                 // OpenMP threads for C and C++ problems; 0 = serial
	Size     int                 // when > 0, overrides every problem's input size
	Run      string              // regular expression: only problems whose name matches
	Version  string              // recorded in results.json
	Emit     func(Event)         // progress; may be nil; never called concurrently
}

// Event is what a bench run reports as it goes. Exactly one of the types below.
type Event interface{ benchEvent() }

// ProblemStarted opens problem Index (0-based) of Of.
type ProblemStarted struct {
	Index, Of int
	Problem   *Problem
}

// ProblemSkipped is a problem --resume found finished.
type ProblemSkipped struct {
	Index, Of int
	Result    ProblemResult
}

// TeamEvent is an event of the team working on Problem.
type TeamEvent struct {
	Problem *Problem
	Event   team.Event
}

// ProblemDone closes a problem; results.json already holds it.
type ProblemDone struct {
	Index, Of int
	Result    ProblemResult
}

func (ProblemStarted) benchEvent() {}
func (ProblemSkipped) benchEvent() {}
func (TeamEvent) benchEvent()      {}
func (ProblemDone) benchEvent()    {}

// Run runs the team on every problem of s, one after the other, and writes
// results.json, results.md and speedups.svg in o.Out after each one. A
// problem that cannot run is recorded with status error and the suite goes
// on. When ctx is cancelled, Run stops at once and returns ctx's error;
// Out then holds every problem finished so far, and Run with o.Resume runs
// the rest (and the interrupted one, from scratch).
func Run(ctx context.Context, s *Suite, o Options) (*Results, error) {
	if o.Out == "" {
		return nil, errors.New("couldn't start the bench: no output directory; give --out DIR")
	}
	var filter *regexp.Regexp
	if o.Run != "" {
		re, err := regexp.Compile(o.Run)
		if err != nil {
			return nil, fmt.Errorf("couldn't start the bench: --run %q is not a regular expression: %w", o.Run, err)
		}
		filter = re
	}
	var selected []*Problem
	for _, p := range s.Problems {
		if filter == nil || filter.MatchString(p.Name) {
			selected = append(selected, p)
		}
	}
	if len(selected) == 0 {
		return nil, fmt.Errorf("couldn't start the bench: --run %q matches none of the suite's problems", o.Run)
	}
	ab, err := o.Strategy.Apply(o.Ablations)
	if err != nil {
		return nil, fmt.Errorf("couldn't start the bench: %w", err)
	}
	o.Ablations = ab
	if o.Settings.Scope == "" {
		o.Settings.Scope = vectorbank.ScopeProblem
	}
	agents, err := optimize.Agents(o.Settings, o.Ablations)
	if err != nil {
		return nil, fmt.Errorf("couldn't start the bench: %w", err)
	}
	cfg := optimize.Config(o.Settings, o.Ablations, agents, o.Measure)
	if o.Strategy == "" {
		o.Strategy = StrategyLessonL
	}
	if o.Embedder == nil {
		o.Embedder = vectorbank.NewHashEmbedder()
	}
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return nil, fmt.Errorf("couldn't make the output directory: %w", err)
	}
	out, err := filepath.Abs(o.Out)
	if err != nil {
		return nil, err
	}
	ownStore := o.Store == ""
	store := o.Store
	if ownStore {
		store = filepath.Join(out, StoreDir)
	}
	rc := RunConfig{
		Strategy: o.Strategy, Rounds: cfg.Rounds, Lessons: cfg.Lessons, Scope: string(cfg.Scope),
		OMP: o.OMP, Size: o.Size, Run: o.Run, Store: store, Embedder: o.Embedder.Name(), Version: o.Version,
	}
	if ownStore {
		rc.Store = StoreDir // relative to Out, so a moved --out directory still resumes
	}
	if rc.Rounds <= 0 {
		rc.Rounds = team.DefaultRounds
	}
	if rc.Lessons <= 0 && !cfg.NoLessons {
		rc.Lessons = team.DefaultLessons
	}
	for _, a := range cfg.Agents {
		rc.Models = append(rc.Models, a.String())
	}

	res, err := startResults(s, out, rc, o.Resume, ownStore)
	if err != nil {
		return nil, err
	}
	bank, err := vectorbank.Open(store, o.Embedder)
	if err != nil {
		return nil, fmt.Errorf("couldn't open the bench's lesson store: %w", err)
	}
	defer bank.Close()

	done := map[string]ProblemResult{}
	for _, p := range res.Problems {
		if p.Status == StatusDone {
			done[p.Name] = p
		}
	}
	if o.Resume && ownStore {
		// Lessons of an interrupted attempt would leak into its rerun.
		if err := dropUnfinished(bank, selected, done); err != nil {
			return nil, err
		}
	}
	emit := o.Emit
	if emit == nil {
		emit = func(Event) {}
	}
	res.refresh(len(selected))
	if err := res.write(out); err != nil {
		return nil, err
	}
	for i, p := range selected {
		if r, ok := done[p.Name]; ok {
			emit(ProblemSkipped{Index: i, Of: len(selected), Result: r})
			continue
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		emit(ProblemStarted{Index: i, Of: len(selected), Problem: p})
		r, err := runProblem(ctx, s, p, o, bank, func(e team.Event) { emit(TeamEvent{Problem: p, Event: e}) })
		if err != nil {
			// Cancelled: the problem stays unfinished for --resume.
			return res, err
		}
		res.Problems = mergeResult(res.Problems, r, s)
		res.refresh(len(selected))
		if err := res.write(out); err != nil {
			return res, err
		}
		emit(ProblemDone{Index: i, Of: len(selected), Result: r})
	}
	return res, nil
}

// startResults begins a run's results: fresh, or those of the run being
// resumed, after checking they are the same run.
func startResults(s *Suite, out string, rc RunConfig, resume, ownStore bool) (*Results, error) {
	path := filepath.Join(out, ResultsJSON)
	fresh := &Results{Suite: s.Name, SuiteDir: s.Dir, Config: rc, Started: time.Now().UTC()}
	if !exists(path) {
		if !resume && ownStore && exists(filepath.Join(out, StoreDir)) {
			return nil, fmt.Errorf("couldn't start the bench: %s holds the lesson store of an earlier run but no %s; remove it, or choose another --out", filepath.Join(out, StoreDir), ResultsJSON)
		}
		return fresh, nil
	}
	if !resume {
		return nil, fmt.Errorf("couldn't start the bench: %s already exists; pass --resume to finish that run, or choose another --out", path)
	}
	prev, err := ReadResults(path)
	if err != nil {
		return nil, err
	}
	if prev.Suite != s.Name {
		return nil, fmt.Errorf("couldn't resume: %s is a run of suite %q, not %q; resume with that suite, or choose another --out", path, prev.Suite, s.Name)
	}
	if diff := configDiff(prev.Config, rc); diff != "" {
		return nil, fmt.Errorf("couldn't resume: %s was made with %s; resume with the same flags, or choose another --out", path, diff)
	}
	var gone []string
	for _, p := range prev.Problems {
		if s.Problem(p.Name) == nil {
			gone = append(gone, p.Name)
		}
	}
	if len(gone) > 0 {
		return nil, fmt.Errorf("couldn't resume: %s has results for problems the suite no longer has (%v); resume with the suite it was made with, or choose another --out", path, gone)
	}
	prev.Config.Version = rc.Version
	return prev, nil
}

// configDiff names the first setting that differs between two runs.
func configDiff(a, b RunConfig) string {
	switch {
	case a.Strategy != b.Strategy:
		return fmt.Sprintf("--strategy %s (now %s)", a.Strategy, b.Strategy)
	case !slices.Equal(a.Models, b.Models):
		return fmt.Sprintf("--models %v (now %v)", a.Models, b.Models)
	case a.Rounds != b.Rounds:
		return fmt.Sprintf("--rounds %d (now %d)", a.Rounds, b.Rounds)
	case a.Lessons != b.Lessons:
		return fmt.Sprintf("--lessons %d (now %d)", a.Lessons, b.Lessons)
	case a.Scope != b.Scope:
		return fmt.Sprintf("--scope %s (now %s)", a.Scope, b.Scope)
	case a.OMP != b.OMP:
		return fmt.Sprintf("--omp %d (now %d)", a.OMP, b.OMP)
	case a.Size != b.Size:
		return fmt.Sprintf("--size %d (now %d)", a.Size, b.Size)
	case a.Run != b.Run:
		return fmt.Sprintf("--run %q (now %q)", a.Run, b.Run)
	case a.Store != b.Store:
		return fmt.Sprintf("--store %s (now %s)", a.Store, b.Store)
	case a.Embedder != b.Embedder:
		return fmt.Sprintf("--embedder %s (now %s)", a.Embedder, b.Embedder)
	}
	return ""
}

// dropUnfinished removes from the run's own store the lessons of problems
// that have no finished result: an interrupted attempt's lessons.
func dropUnfinished(bank *vectorbank.Bank, selected []*Problem, done map[string]ProblemResult) error {
	var ids []string
	for _, p := range selected {
		if _, ok := done[p.Name]; ok {
			continue
		}
		f, err := exec.Locate(p.Target())
		if err != nil {
			continue // it will fail again, as an error result
		}
		for _, l := range bank.List(vectorbank.Filter{ProblemKey: team.ProblemKey(f)}) {
			ids = append(ids, l.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	slog.Info("dropping the lessons of interrupted problems from the run's store", "lessons", len(ids))
	if err := bank.Remove(ids...); err != nil {
		return fmt.Errorf("couldn't drop the lessons of interrupted problems: %w", err)
	}
	return nil
}

// mergeResult puts r in place of an earlier result of the same problem,
// keeping the suite's order.
func mergeResult(ps []ProblemResult, r ProblemResult, s *Suite) []ProblemResult {
	ps = slices.DeleteFunc(ps, func(p ProblemResult) bool { return p.Name == r.Name })
	ps = append(ps, r)
	order := map[string]int{}
	for i, p := range s.Problems {
		order[p.Name] = i
	}
	slices.SortStableFunc(ps, func(a, b ProblemResult) int { return order[a.Name] - order[b.Name] })
	return ps
}

// runProblem runs the team on one problem. The error is only for a
// cancellation; every other failure is the result's.
func runProblem(ctx context.Context, s *Suite, p *Problem, o Options, bank *vectorbank.Bank, emit func(team.Event)) (ProblemResult, error) {
	start := time.Now()
	rel, err := filepath.Rel(s.Dir, p.Path())
	if err != nil {
		rel = p.File
	}
	r := ProblemResult{
		Name: p.Name, Category: p.Category, Language: p.Language, File: filepath.ToSlash(rel),
		Function: p.Function, Size: p.Size, Check: p.Check, Verdicts: map[string]int{},
	}
	if o.Size > 0 {
		r.Size = o.Size
	}
	fail := func(err error) (ProblemResult, error) {
		r.Status, r.Error = StatusError, err.Error()
		r.Seconds = time.Since(start).Seconds()
		return r, nil
	}
	m := o.Measure
	m.Size = r.Size
	if err := applyProblemOptions(&m, p, o); err != nil {
		return fail(err)
	}
	tokens := 0
	// The one optimise flow; the team was checked once for the whole run.
	out, runErr := optimize.Run(ctx, optimize.Request{
		Settings: o.Settings, Target: p.Target(), Measure: m, Ablations: o.Ablations,
		Project: "lessonl-bench/" + s.Name, Bank: bank, SkipModelCheck: true,
		Events: func(e team.Event) {
			if g, ok := e.(team.Generating); ok && g.Done {
				tokens += g.Tokens
			}
			emit(e)
		},
	})
	if ctx.Err() != nil {
		return r, ctx.Err()
	}
	if out == nil && runErr != nil {
		return fail(fmt.Errorf("couldn't run %s in %s: %w", p.Function, r.File, runErr))
	}
	res := out.Result
	r.Status = StatusDone
	if runErr != nil {
		r.Status, r.Error = StatusError, runErr.Error()
	}
	r.CodeTokens = tokens
	if res != nil {
		for _, v := range res.Variants {
			r.LessonTokens += v.LessonTokens
		}
	}
	fillOutcome(&r, res)
	if r.Status == StatusDone && res != nil {
		// Code that got no report at all means the runner could not measure
		// anything (the original does not build, a missing toolchain): the
		// problem's fault or the machine's, not the team's.
		if msg := unmeasured(res.Variants); msg != "" {
			r.Status, r.Error = StatusError, "no variant could be measured: "+msg
		}
	}
	r.Seconds = time.Since(start).Seconds()
	return r, nil
}

// fillOutcome reads the team's result: what built, what was correct, and
// the final answer.
func fillOutcome(r *ProblemResult, res *team.Result) {
	if res == nil {
		return
	}
	r.Variants = len(res.Variants)
	r.Lessons = len(res.LessonsLearned)
	for _, v := range res.Variants {
		if v.Report == nil {
			r.Verdicts["error"]++
			continue
		}
		r.Verdicts[string(v.Report.Verdict)]++
		if v.Report.Verdict != exec.BuildFailed {
			r.Built = true
		}
		if v.Report.Verdict.Verified() {
			r.Correct = true
		}
	}
	b := res.Best
	if b == nil || b.Report == nil {
		return
	}
	r.Verdict, r.Agent, r.Round, r.Code = b.Report.Verdict, b.Agent, b.Round, b.Code
	// A final answer the re-measurement no longer verifies keeps the
	// original: speedup 0, counted as 1.
	if b.Report.Verdict.Verified() {
		r.Speedup = b.Report.Speedup
		r.Interval = [2]float64{b.Report.SpeedupLow, b.Report.SpeedupHigh}
	}
}

// unmeasured returns the first measurement error when variants with code
// exist and none of them got a report, else "".
func unmeasured(vs []team.Variant) string {
	msg := ""
	for _, v := range vs {
		if v.Report != nil {
			return ""
		}
		if v.Code != "" && msg == "" {
			msg = v.Error
		}
	}
	return msg
}
