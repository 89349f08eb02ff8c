package team

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/vectorbank"
)

// Defaults of the method (paper: T = 4 rounds, k = 4 lessons).
const (
	DefaultRounds      = 4
	DefaultLessons     = 4
	DefaultCallTimeout = 5 * time.Minute
)

func (c Config) withDefaults() Config {
	if len(c.Agents) == 0 {
		for _, m := range DefaultModels {
			c.Agents = append(c.Agents, Agent{Model: m})
		}
	}
	if c.Rounds <= 0 {
		c.Rounds = DefaultRounds
	}
	if c.Lessons <= 0 {
		c.Lessons = DefaultLessons
	}
	if c.Scope == "" {
		c.Scope = vectorbank.ScopeAll
	}
	if c.Selection == "" {
		c.Selection = vectorbank.StrategyLessonL
	}
	if c.Parallel <= 0 {
		c.Parallel = len(c.Agents)
	}
	if c.CallTimeout <= 0 {
		c.CallTimeout = DefaultCallTimeout
	}
	if c.Seed == 0 {
		c.Seed = 42
	}
	if c.NumCtx <= 0 {
		c.NumCtx = 8192
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = vectorbank.OllamaKeepAlive
	}
	return c
}

// ProblemKey fingerprints a function so lessons learned on it are found
// again: same language and same code up to white space.
func ProblemKey(f *exec.Func) string {
	h := sha256.Sum256([]byte(f.Lang + "\x00" + strings.Join(strings.Fields(f.Source), " ")))
	return hex.EncodeToString(h[:8])
}

// runner is one run's state.
type runner struct {
	cfg     Config
	bank    *vectorbank.Bank
	prob    Problem
	key     string
	clients clients
	gen     chan struct{} // bounds concurrent model calls (one host may serve one model at a time)

	info       map[string]modelInfo // by agent, from /api/show
	agentErr   map[string]error     // agents that cannot take part (e.g. an embedding model)
	sequential bool                 // the team and embedder exceed what a host keeps loaded

	rateMu sync.Mutex
	rate   map[string]float64 // by agent: prompt tokens per byte, as reported

	emitMu   sync.Mutex
	emitFn   func(Event)
	warned   map[string]bool
	warnings []string
}

// warn reports a problem that does not stop the run, once per text.
func (r *runner) warn(round int, text string) {
	r.emitMu.Lock()
	if r.warned == nil {
		r.warned = map[string]bool{}
	}
	seen := r.warned[text]
	r.warned[text] = true
	if !seen {
		r.warnings = append(r.warnings, text)
	}
	r.emitMu.Unlock()
	if !seen {
		r.emit(Warning{Round: round, Text: text})
	}
}

func (r *runner) emit(e Event) {
	if r.emitFn == nil {
		return
	}
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	r.emitFn(e)
}

// ErrNoModelAnswered is matched (errors.Is) by the error of a run in which
// no model call of any agent succeeded: nothing was generated to measure.
var ErrNoModelAnswered = errors.New("no model answered")

// noAnswerError is a run where every model call failed; it names the first failure.
type noAnswerError struct{ first string }

func (e *noAnswerError) Error() string {
	return fmt.Sprintf("no model answered in the whole run (first failure: %s)", e.first)
}

func (e *noAnswerError) Is(target error) bool { return target == ErrNoModelAnswered }

// Run optimises one function with the LessonL loop: T rounds in which every
// agent rewrites the original, every variant is measured and explained, and
// the bank's selected lessons feed the next round. It returns the best
// verified variant, re-measured once. When ctx is cancelled it stops at once
// and returns what it has, with ctx's error; lessons banked so far are kept.
// A failing bank (selection, factors, banking a lesson) is reported as a
// Warning and never costs the verified result. A run in which no model
// answered returns an error matching ErrNoModelAnswered.
// emit may be nil; it is never called concurrently.
func Run(ctx context.Context, p Problem, cfg Config, bank *vectorbank.Bank, emit func(Event)) (*Result, error) {
	cfg = cfg.withDefaults()
	if p.Func == nil {
		f, err := exec.Locate(p.Target)
		if err != nil {
			return nil, err
		}
		p.Func = f
	}
	r := &runner{cfg: cfg, bank: bank, prob: p, key: ProblemKey(p.Func), emitFn: emit, gen: make(chan struct{}, cfg.Parallel)}
	if err := r.prepare(ctx); err != nil {
		return nil, err
	}
	res := &Result{}
	used := map[string]bool{}
	for round := 0; round < cfg.Rounds; round++ {
		if ctx.Err() != nil {
			break
		}
		var lessons []vectorbank.Selected
		if round > 0 && !cfg.NoLessons {
			sel, err := bank.Select(ctx, vectorbank.Query{
				Code: p.Func.Source, Lang: p.Func.Lang, ProblemKey: r.key, Project: cfg.Project,
				Scope: cfg.Scope, K: cfg.Lessons, Strategy: cfg.Selection, NoFactor: cfg.NoFactor,
				Seed: int64(cfg.Seed + round), File: p.Target.File,
			})
			if err != nil && ctx.Err() == nil {
				r.warn(round, fmt.Sprintf("couldn't select lessons for round %d, so it runs without them: %v", round+1, err))
			}
			lessons = sel
		}
		r.emit(RoundStarted{Round: round, Of: cfg.Rounds, Lessons: lessons})
		variants := r.round(ctx, round, lessons)
		res.Variants = append(res.Variants, variants...)
		res.Rounds = round + 1
		for _, v := range variants {
			if v.LessonID != "" {
				if l, ok := bank.Get(v.LessonID); ok {
					res.LessonsLearned = append(res.LessonsLearned, l)
				}
			}
		}
		if len(lessons) > 0 && ctx.Err() == nil {
			if err := r.feedback(ctx, round, lessons, variants); err != nil && ctx.Err() == nil {
				r.warn(round, err.Error())
			}
		}
		for _, s := range lessons {
			used[s.Lesson.ID] = true
		}
	}
	for id := range used {
		if l, ok := bank.Get(id); ok {
			res.LessonsUsed = append(res.LessonsUsed, l)
		}
	}
	sortLessons(res.LessonsUsed)
	if ctx.Err() == nil {
		res.Best = r.remeasureBest(ctx, res.Variants)
	}
	r.emitMu.Lock()
	res.Warnings = append([]string(nil), r.warnings...)
	r.emitMu.Unlock()
	r.emit(Done{Result: res})
	if ctx.Err() != nil {
		return res, ctx.Err()
	}
	return res, noAnswer(res.Variants)
}

// noAnswer is the run's error when no variant came back from any model.
func noAnswer(vs []Variant) error {
	if len(vs) == 0 {
		return nil
	}
	for _, v := range vs {
		if v.answered {
			return nil
		}
	}
	return &noAnswerError{first: vs[0].Error}
}

// round runs every agent once; a variant is measured as soon as it arrives.
// When the team and embedder exceed what a host keeps loaded, the agents
// take turns instead, so each model loads at most once per round.
func (r *runner) round(ctx context.Context, round int, lessons []vectorbank.Selected) []Variant {
	read := make([]string, len(lessons))
	for i, s := range lessons {
		read[i] = s.Lesson.ID
	}
	n := len(r.cfg.Agents)
	turns := make([]*turn, n)
	for i, a := range r.cfg.Agents {
		turns[i] = &turn{a: a, idx: i, v: Variant{Agent: a.String(), Model: a.Model, Round: round, LessonsRead: read}}
	}
	var wg sync.WaitGroup
	if !r.sequential {
		for _, t := range turns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if r.generate(ctx, round, t, lessons) && r.measure(ctx, round, t) && r.explain(ctx, round, t) {
					r.bankLesson(ctx, round, t)
				}
			}()
		}
		wg.Wait()
	} else {
		// One agent at a time, each with all its calls back to back, the
		// models still loaded first; the lessons are banked (the embedder's
		// calls) together at the end, next to the next round's selection.
		for _, t := range r.loadedFirst(ctx, turns) {
			if ctx.Err() != nil {
				break
			}
			if !r.generate(ctx, round, t, lessons) || !r.measure(ctx, round, t) || !r.explain(ctx, round, t) {
				t.lesson = ""
			}
		}
		for _, t := range turns {
			if t.lesson != "" && ctx.Err() == nil {
				r.bankLesson(ctx, round, t)
			}
		}
	}
	// An agent cancelled before it answered leaves nothing to report.
	var kept []Variant
	for _, t := range turns {
		if !t.cancelled {
			kept = append(kept, t.v)
		}
	}
	return kept
}

// loadedFirst orders the turns so that agents whose model is loaded now
// (/api/ps) go first: the one that must load comes last and evicts a model
// that is done for this round.
func (r *runner) loadedFirst(ctx context.Context, turns []*turn) []*turn {
	loaded := map[string]bool{}
	for _, host := range hostsOf(r.cfg.Agents) {
		cl, err := r.clients.get(host)
		if err != nil {
			continue
		}
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		ps, err := cl.ListRunning(pctx)
		cancel()
		if err != nil {
			continue
		}
		for _, m := range ps.Models {
			loaded[host+" "+m.Name] = true
			loaded[host+" "+m.Model] = true
		}
	}
	out := make([]*turn, 0, len(turns))
	for _, first := range []bool{true, false} {
		for _, t := range turns {
			if isLoaded(loaded, hostOf(t.a), t.a.Model) == first {
				out = append(out, t)
			}
		}
	}
	return out
}

func isLoaded(loaded map[string]bool, host, model string) bool {
	if !strings.Contains(model[strings.LastIndex(model, "/")+1:], ":") {
		model += ":latest"
	}
	return loaded[host+" "+model]
}

func hostsOf(as []Agent) []string {
	var hs []string
	for _, a := range as {
		if h := hostOf(a); !slices.Contains(hs, h) {
			hs = append(hs, h)
		}
	}
	return hs
}

// turn is one agent's part of a round as it goes: generate, measure,
// explain, bank.
type turn struct {
	a         Agent
	idx       int
	v         Variant
	lesson    string
	cancelled bool
}

// seed is the model seed of an agent's turn in a round: distinct for every
// round and agent (so a round without new lessons does not repeat the last
// one byte for byte) and reproducible from the run's base seed.
func (r *runner) seed(round, idx int) int {
	return r.cfg.Seed + round*len(r.cfg.Agents) + idx
}

// generate asks the agent for a variant. It reports whether the turn goes on.
func (r *runner) generate(ctx context.Context, round int, t *turn, lessons []vectorbank.Selected) bool {
	v := &t.v
	fail := func(err error) bool {
		v.Error = err.Error()
		r.emit(AgentFailed{Round: round, Agent: v.Agent, Err: err})
		return false
	}
	if err := r.agentErr[v.Agent]; err != nil {
		return fail(err)
	}
	ans, err := r.ask(ctx, round, t.a, optimizeVersions(r.prob.Func, lessons, r.cfg.Measure.OpenMP), chatOpts{
		numPredict: 2048, seed: r.seed(round, t.idx),
		onToken: func(n int, d time.Duration) {
			tps := 0.0
			if d > 0 {
				tps = float64(n) / d.Seconds()
			}
			r.emit(Generating{Round: round, Agent: v.Agent, Tokens: n, TokensPerS: tps})
		}})
	if err != nil {
		if ctx.Err() != nil {
			t.cancelled = true
			return false
		}
		return fail(err)
	}
	v.answered = true
	v.TokensPerS, v.Tokens, v.Truncated = ans.TokensPerS, ans.Tokens, ans.Truncated
	r.emit(Generating{Round: round, Agent: v.Agent, Tokens: ans.Tokens, TokensPerS: ans.TokensPerS, Done: true})
	name := bareName(r.prob.Func.Name)
	code, err := extractCode(ans.Text, r.prob.Func.Lang, name)
	if err != nil {
		if ans.Truncated != "" {
			return fail(fmt.Errorf("%s's answer was incomplete (%s) and held no code", v.Agent, ans.Truncated))
		}
		return fail(fmt.Errorf("%s answered without usable code: %w", v.Agent, err))
	}
	if ans.Truncated != "" && !completeFunc(code, r.prob.Func.Lang, name) {
		// Measuring it would only report a build failure the model never
		// made, and bank a false lesson for the whole team.
		return fail(fmt.Errorf("%s's answer was incomplete (%s) before the function %s was complete: not measured, no lesson", v.Agent, ans.Truncated, name))
	}
	v.Code = code
	return true
}

// measure runs the variant through the runner.
func (r *runner) measure(ctx context.Context, round int, t *turn) bool {
	v := &t.v
	rep, err := exec.Measure(ctx, r.prob.Target, v.Code, r.cfg.Measure)
	if err != nil {
		if ctx.Err() != nil {
			t.cancelled = true
			return false
		}
		v.Error = fmt.Sprintf("couldn't measure the variant: %v", err)
		r.emit(AgentFailed{Round: round, Agent: v.Agent, Err: err})
		return false
	}
	v.Report = rep
	r.emit(Measured{Round: round, Variant: *v})
	return true
}

// explain is the solicitation: the same agent explains its outcome from the
// measured facts. It reports whether there is a lesson to bank.
func (r *runner) explain(ctx context.Context, round int, t *turn) bool {
	v := &t.v
	ans, err := r.ask(ctx, round, t.a, solicitVersions(r.prob.Func, v.Code, v.Report), chatOpts{numPredict: 256, seed: r.seed(round, t.idx)})
	if err != nil {
		if ctx.Err() == nil {
			r.emit(AgentFailed{Round: round, Agent: v.Agent, Err: fmt.Errorf("no lesson: %w", err)})
		}
		return false
	}
	v.LessonTokens = ans.Tokens
	t.lesson = cleanLessonCut(ans.Text, ans.Truncated != "")
	if t.lesson == "" {
		why := "the explanation was empty or not text"
		if ans.Truncated != "" {
			why = "the explanation was incomplete (" + ans.Truncated + ") with no whole sentence"
		}
		r.emit(AgentFailed{Round: round, Agent: v.Agent, Err: errors.New("no lesson: " + why)})
		return false
	}
	return true
}

// bankLesson stores the turn's lesson; a failure is the bank's, reported,
// and costs nothing else.
func (r *runner) bankLesson(ctx context.Context, round int, t *turn) {
	v, rep, f := &t.v, t.v.Report, r.prob.Func
	l, err := r.bank.Add(ctx, vectorbank.Lesson{
		Text: t.lesson, Outcome: outcomeOf(rep), Speedup: lessonSpeedup(rep),
		SpeedupLow: rep.SpeedupLow, SpeedupHigh: rep.SpeedupHigh, Factor: 1.0,
		Lang: f.Lang, Func: f.Name, Signature: f.Signature,
		Original: f.Source, Variant: v.Code, ProblemKey: r.key,
		Model: t.a.Model, Agent: v.Agent, Round: round, Project: r.cfg.Project, Read: v.LessonsRead,
	})
	if err != nil {
		if ctx.Err() == nil {
			r.emit(AgentFailed{Round: round, Agent: v.Agent, Err: fmt.Errorf("couldn't bank the lesson: %w", err)})
			r.warn(round, fmt.Sprintf("the lesson bank failed; the run goes on: %v", err))
		}
		return
	}
	v.LessonID = l.ID
	r.emit(LessonBanked{Round: round, Lesson: l})
}

// call holds a generation slot for the duration of one model call.
func (r *runner) call(ctx context.Context, a Agent, msgs []api.Message, o chatOpts) (chatResult, error) {
	select {
	case r.gen <- struct{}{}:
	case <-ctx.Done():
		return chatResult{}, ctx.Err()
	}
	defer func() { <-r.gen }()
	return r.chat(ctx, a, msgs, o)
}

// feedback re-scores the lessons handed out this round by whether their
// readers beat them. Agents whose model call failed read nothing useful and
// are left out.
func (r *runner) feedback(ctx context.Context, round int, lessons []vectorbank.Selected, variants []Variant) error {
	var readings []vectorbank.Reading
	for _, v := range variants {
		if v.Report == nil {
			continue
		}
		readings = append(readings, vectorbank.Reading{Speedup: lessonSpeedup(v.Report), Read: v.LessonsRead})
	}
	if len(readings) == 0 || r.cfg.NoFactor {
		return nil
	}
	f, err := r.bank.Feedback(ctx, readings)
	if err != nil {
		return fmt.Errorf("couldn't update lesson factors after round %d: %w", round, err)
	}
	r.emit(FactorsUpdated{Round: round, Factors: f})
	return nil
}

// remeasureBest picks the fastest verified variant and measures it once more
// on a fresh run, as the method's final answer.
func (r *runner) remeasureBest(ctx context.Context, vs []Variant) *Variant {
	var best *Variant
	for i := range vs {
		v := &vs[i]
		if v.Report == nil || v.Report.Verdict != exec.Faster {
			continue
		}
		if best == nil || v.Report.Speedup > best.Report.Speedup {
			best = v
		}
	}
	if best == nil {
		return nil
	}
	b := *best
	rep, err := exec.Measure(ctx, r.prob.Target, b.Code, r.cfg.Measure)
	if err == nil {
		b.Report = rep
	}
	r.emit(Remeasured{Variant: b})
	return &b
}
