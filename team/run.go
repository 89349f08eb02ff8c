package team

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
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

	emitMu sync.Mutex
	emitFn func(Event)
}

func (r *runner) emit(e Event) {
	if r.emitFn == nil {
		return
	}
	r.emitMu.Lock()
	defer r.emitMu.Unlock()
	r.emitFn(e)
}

// Run optimises one function with the LessonL loop: T rounds in which every
// agent rewrites the original, every variant is measured and explained, and
// the bank's selected lessons feed the next round. It returns the best
// verified variant, re-measured once. When ctx is cancelled it stops at once
// and returns what it has, with ctx's error; lessons banked so far are kept.
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
	res := &Result{}
	used := map[string]bool{}
	var runErr error
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
			if err != nil {
				runErr = fmt.Errorf("couldn't select lessons for round %d: %w", round, err)
				break
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
			if err := r.feedback(ctx, round, lessons, variants); err != nil {
				runErr = err
				break
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
	if ctx.Err() == nil && runErr == nil {
		res.Best = r.remeasureBest(ctx, res.Variants)
	}
	r.emit(Done{Result: res})
	if runErr != nil {
		return res, runErr
	}
	return res, ctx.Err()
}

// round runs every agent once; a variant is measured as soon as it arrives.
func (r *runner) round(ctx context.Context, round int, lessons []vectorbank.Selected) []Variant {
	read := make([]string, len(lessons))
	for i, s := range lessons {
		read[i] = s.Lesson.ID
	}
	prompt := optimizePrompt(r.prob.Func, lessons, r.cfg.Measure.OpenMP)
	out := make([]Variant, len(r.cfg.Agents))
	var wg sync.WaitGroup
	for i, a := range r.cfg.Agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = r.agentTurn(ctx, round, a, prompt, read)
		}()
	}
	wg.Wait()
	// An agent cancelled before it answered leaves nothing to report.
	kept := out[:0]
	for _, v := range out {
		if v.Agent != "" {
			kept = append(kept, v)
		}
	}
	return kept
}

// agentTurn is one agent's part of a round: generate, measure, explain, bank.
func (r *runner) agentTurn(ctx context.Context, round int, a Agent, prompt string, read []string) Variant {
	v := Variant{Agent: a.String(), Model: a.Model, Round: round, LessonsRead: read}
	msgs := []api.Message{{Role: "system", Content: systemPrompt}, {Role: "user", Content: prompt}}
	ans, err := r.call(ctx, a, msgs, chatOpts{numPredict: 2048, onToken: func(n int, d time.Duration) {
		tps := 0.0
		if d > 0 {
			tps = float64(n) / d.Seconds()
		}
		r.emit(Generating{Round: round, Agent: v.Agent, Tokens: n, TokensPerS: tps})
	}})
	if err != nil {
		if ctx.Err() != nil {
			return Variant{}
		}
		v.Error = err.Error()
		r.emit(AgentFailed{Round: round, Agent: v.Agent, Err: err})
		return v
	}
	v.TokensPerS, v.Tokens = ans.TokensPerS, ans.Tokens
	r.emit(Generating{Round: round, Agent: v.Agent, Tokens: ans.Tokens, TokensPerS: ans.TokensPerS, Done: true})
	code, err := extractCode(ans.Text, r.prob.Func.Lang, bareName(r.prob.Func.Name))
	if err != nil {
		err = fmt.Errorf("%s answered without usable code: %w", v.Agent, err)
		v.Error = err.Error()
		r.emit(AgentFailed{Round: round, Agent: v.Agent, Err: err})
		return v
	}
	v.Code = code
	rep, err := exec.Measure(ctx, r.prob.Target, code, r.cfg.Measure)
	if err != nil {
		if ctx.Err() != nil {
			return Variant{}
		}
		v.Error = fmt.Sprintf("couldn't measure the variant: %v", err)
		r.emit(AgentFailed{Round: round, Agent: v.Agent, Err: err})
		return v
	}
	v.Report = rep
	r.emit(Measured{Round: round, Variant: v})

	// Solicitation: the same agent explains its outcome from the measured facts.
	sol := []api.Message{{Role: "system", Content: "You are an expert performance engineer who explains results briefly and precisely."},
		{Role: "user", Content: solicitPrompt(r.prob.Func, code, rep)}}
	ans, err = r.call(ctx, a, sol, chatOpts{numPredict: 256})
	if err != nil {
		if ctx.Err() == nil {
			r.emit(AgentFailed{Round: round, Agent: v.Agent, Err: fmt.Errorf("no lesson: %w", err)})
		}
		return v
	}
	v.LessonTokens = ans.Tokens
	text := cleanLesson(ans.Text)
	if text == "" {
		r.emit(AgentFailed{Round: round, Agent: v.Agent, Err: errors.New("no lesson: the explanation was empty or not text")})
		return v
	}
	l, err := r.bank.Add(ctx, vectorbank.Lesson{
		Text: text, Outcome: outcomeOf(rep), Speedup: lessonSpeedup(rep),
		SpeedupLow: rep.SpeedupLow, SpeedupHigh: rep.SpeedupHigh, Factor: 1.0,
		Lang: r.prob.Func.Lang, Func: r.prob.Func.Name, Signature: r.prob.Func.Signature,
		Original: r.prob.Func.Source, Variant: code, ProblemKey: r.key,
		Model: a.Model, Agent: v.Agent, Round: round, Project: r.cfg.Project, Read: read,
	})
	if err != nil {
		r.emit(AgentFailed{Round: round, Agent: v.Agent, Err: fmt.Errorf("couldn't bank the lesson: %w", err)})
		return v
	}
	v.LessonID = l.ID
	r.emit(LessonBanked{Round: round, Lesson: l})
	return v
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
