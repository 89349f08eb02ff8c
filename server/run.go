package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/handlers"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

// runs are the optimisations in flight, by function. They take turns: two
// runs timing variants at once would disturb each other's measurements.
type runs struct {
	mu     sync.Mutex
	byKey  map[string]*runEntry
	turn   chan struct{}
	starts int
}

type runEntry struct {
	file, fn string
	cancel   context.CancelFunc
}

func (r *runs) init() {
	r.byKey = map[string]*runEntry{}
	r.turn = make(chan struct{}, 1)
}

func runKey(file, fn string) string { return file + "\x00" + fn }

func (r *runs) add(e *runEntry) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := runKey(e.file, e.fn)
	if _, busy := r.byKey[k]; busy {
		return false
	}
	r.byKey[k] = e
	r.starts++
	return true
}

func (r *runs) remove(e *runEntry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byKey[runKey(e.file, e.fn)] == e {
		delete(r.byKey, runKey(e.file, e.fn))
	}
}

// cancel cancels the runs on fn in file, or all when both are empty.
func (r *runs) cancel(file, fn string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, e := range r.byKey {
		if file == "" && fn == "" || e.file == file && (fn == "" || e.fn == fn) {
			e.cancel()
			n++
		}
	}
	return n
}

// Cancel implements handlers.Session.
func (s *Server) Cancel(file, fn string) int {
	n := s.runs.cancel(file, fn)
	s.log.Info("cancel", "file", file, "func", fn, "runs", n)
	return n
}

// Optimize runs the LessonL method on f, from the document's current text
// (an unsaved buffer is optimised as it is), with progress on token. The
// result is stored (memory, disk, report) before progress ends: clients ask
// for hovers and lenses as soon as they see the end.
func (s *Server) Optimize(ctx context.Context, doc *handlers.Doc, f *exec.Func, token protocol.ProgressToken) (*handlers.Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	entry := &runEntry{file: doc.Path, fn: f.Name, cancel: cancel}
	if !s.runs.add(entry) {
		return nil, s.fail(fmt.Errorf("%s is already being optimized: wait for it, or cancel it (lessonl.cancel)", f.Name))
	}
	defer s.runs.remove(entry)

	cfg := s.cfg.get()
	p := s.startProgress(ctx, token, "Optimizing "+f.Name, "starting", cancel)
	res, err := s.optimize(ctx, p, cfg, doc, f)
	switch {
	case err != nil && ctx.Err() != nil:
		p.end("canceled", "lessons learned so far are kept")
		s.log.Info("run canceled", "func", f.Name)
		return nil, protocol.ErrRequestCancelled
	case err != nil:
		p.end("failed", err.Error())
		// The whole reason, in the client's log too: the progress line is
		// clipped by editors and gone in a moment.
		s.log.Error("the run failed", "func", f.Name, "file", doc.Path, "reason", err.Error())
		if s.Caps().ShowsOutcome {
			return nil, asResponseError(err)
		}
		return nil, s.fail(err)
	}
	// State first, then the end, then the lenses.
	if err := s.results.at(cfg.storeDir()).put(res); err != nil {
		s.log.Warn("couldn't store the result on disk; it is kept in memory", "err", err)
	}
	// A client that presents the outcome itself (the VS Code extension's
	// Apply / Discard question) gets no second, different announcement.
	announce := !s.Caps().ShowsOutcome
	if res.Faster() {
		p.end("completed", fmt.Sprintf("%s is %s faster", f.Name, res.IntervalText()))
		if announce {
			s.showMessage(protocol.MessageTypeInfo, "LessonL: %s is %s faster (by %s in round %d). Apply it from the code action or the lens.",
				f.Name, res.IntervalText(), modelOf(res.Best.Agent), res.Best.Round+1)
		}
	} else {
		p.end("completed", "no faster variant")
		if announce {
			s.showMessage(protocol.MessageTypeInfo, "LessonL: no variant of %s was verified faster in %d rounds; %d lessons were banked for next time.",
				f.Name, res.Rounds, len(res.Learned))
		}
	}
	s.refreshLenses()
	return res, nil
}

// fail tells the user and returns err for the response.
func (s *Server) fail(err error) error {
	s.showMessage(protocol.MessageTypeError, "LessonL: %v", err)
	return asResponseError(err)
}

// asResponseError is err as a JSON-RPC error (InternalError unless it is one).
func asResponseError(err error) error {
	var werr *jsonrpc2.Error
	if errors.As(err, &werr) {
		return err
	}
	return jsonrpc2.NewError(jsonrpc2.InternalError, err.Error())
}

func (s *Server) refreshLenses() {
	if !s.Caps().CodeLensRefresh {
		return
	}
	s.goBackground(func(ctx context.Context) {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := s.client.CodeLensRefresh(ctx); err != nil {
			s.log.Debug("codeLens/refresh failed", "err", err)
		}
	})
}

func (s *Server) optimize(ctx context.Context, p *progress, cfg Config, doc *handlers.Doc, f *exec.Func) (*handlers.Result, error) {
	// One run at a time: others wait, cancellable.
	select {
	case s.runs.turn <- struct{}{}:
	default:
		p.report("waiting for another run to finish", 0, true)
		select {
		case s.runs.turn <- struct{}{}:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	defer func() { <-s.runs.turn }()

	if err := preRunCheck(doc.Path, f.Lang, s.opts.Measure); err != nil {
		return nil, err
	}
	agents, err := cfg.agents()
	if err != nil {
		return nil, err
	}
	p.report("checking "+agentList(agents), 0, true)
	if err := team.Preflight(ctx, agents, nil, nil); err != nil {
		return nil, err
	}
	bank, err := s.banks.open(cfg.storeDir(), cfg.OllamaHost)
	if err != nil {
		return nil, err
	}
	started := time.Now()
	prob := team.Problem{Target: exec.Target{File: doc.Path, Func: f.Name, Source: []byte(doc.Text)}, Func: f}
	tr := newTracker(p, cfg.Rounds, agents)
	tres, err := team.Run(ctx, prob, cfg.teamConfig(doc.Path, agents, s.opts.Measure), bank, tr.event)
	if err != nil {
		return nil, err
	}
	res := &handlers.Result{
		URI: string(doc.URI), File: doc.Path, Func: f.Name, Lang: f.Lang, Original: f.Source,
		Started: started, Finished: time.Now(), Rounds: tres.Rounds, Variants: len(tres.Variants),
		Best: tres.Best,
	}
	for _, a := range agents {
		res.Agents = append(res.Agents, a.String())
	}
	if tres.Best != nil {
		for _, id := range tres.Best.LessonsRead {
			if l, ok := bank.Get(id); ok {
				res.Read = append(res.Read, handlers.NoteOf(l))
			}
		}
	}
	for _, l := range tres.LessonsLearned {
		res.Learned = append(res.Learned, handlers.NoteOf(l))
	}
	md, diffLine := reportMarkdown(res, tres, f)
	path, err := writeReport(cfg.storeDir(), reportName(doc.Path, f.Name), md)
	if err != nil {
		s.log.Warn("couldn't write the run report", "err", err)
	} else {
		res.Report, res.DiffLine = path, diffLine
	}
	return res, nil
}

func agentList(as []team.Agent) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Model
	}
	return strings.Join(names, ", ")
}

// tracker turns the team's events into progress: "round 2/4 ·
// qwen2.5-coder:7b · 1.84× [1.79, 1.90]", with the share of agent turns done
// as the percentage.
type tracker struct {
	p             *progress
	rounds, width int
	done          int               // agent turns finished
	names         map[string]string // agent (MODEL@HOST) -> the name progress shows
}

func newTracker(p *progress, rounds int, agents []team.Agent) *tracker {
	if rounds <= 0 {
		rounds = team.DefaultRounds
	}
	return &tracker{p: p, rounds: rounds, width: max(len(agents), 1), names: shortNames(agents)}
}

// shortNames names agents by model alone: the host on every progress line
// is noise, unless two agents run the same model on different hosts.
func shortNames(agents []team.Agent) map[string]string {
	count := map[string]int{}
	for _, a := range agents {
		count[a.Model]++
	}
	names := map[string]string{}
	for _, a := range agents {
		if count[a.Model] == 1 {
			names[a.String()] = a.Model
		}
	}
	return names
}

// modelOf is MODEL of an agent written MODEL@HOST: the host is in the hover
// and the report, not in every message.
func modelOf(agent string) string {
	m, _, _ := strings.Cut(agent, "@")
	return m
}

func (t *tracker) name(agent string) string {
	if n, ok := t.names[agent]; ok {
		return n
	}
	return agent
}

func (t *tracker) pct() int {
	// 99 at most until the run ends: the best variant is re-measured last.
	return min(99, t.done*100/(t.rounds*t.width))
}

func (t *tracker) event(e team.Event) {
	switch e := e.(type) {
	case team.RoundStarted:
		t.done = e.Round * t.width
		t.p.report(fmt.Sprintf("round %d/%d · %d lessons", e.Round+1, e.Of, len(e.Lessons)), t.pct(), true)
	case team.Generating:
		if e.Done {
			// The variant is built and timed next, the longest step: the
			// last "writing" line must not stay up through it.
			t.p.report(fmt.Sprintf("round %d/%d · %s · measuring (%d tokens written)", e.Round+1, t.rounds, t.name(e.Agent), e.Tokens), t.pct(), true)
		} else {
			t.p.report(fmt.Sprintf("round %d/%d · %s · writing (%d tokens)", e.Round+1, t.rounds, t.name(e.Agent), e.Tokens), t.pct(), false)
		}
	case team.Measured:
		t.done++
		t.p.report(fmt.Sprintf("round %d/%d · %s · %s", e.Round+1, t.rounds, t.name(e.Variant.Agent), verdictText(e.Variant.Report)), t.pct(), true)
	case team.AgentFailed:
		t.p.report(fmt.Sprintf("round %d/%d · %s · failed: %s", e.Round+1, t.rounds, t.name(e.Agent), clip(e.Err.Error(), 80)), t.pct(), true)
	case team.LessonBanked:
		t.p.report(fmt.Sprintf("round %d/%d · %s · lesson banked (%s)", e.Round+1, t.rounds, e.Lesson.Model, e.Lesson.Outcome), t.pct(), false)
	case team.Remeasured:
		t.p.report(fmt.Sprintf("re-measuring the best · %s", verdictText(e.Variant.Report)), 99, true)
	}
}

func verdictText(r *exec.Report) string {
	if r == nil {
		return "no report"
	}
	if r.Verdict.Verified() {
		return fmt.Sprintf("%.2f× [%.2f, %.2f]", r.Speedup, r.SpeedupLow, r.SpeedupHigh)
	}
	return strings.ReplaceAll(string(r.Verdict), "_", " ")
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// bankCache keeps one open bank per store directory for the session.
type bankCache struct {
	mu    sync.Mutex
	banks map[string]*vectorbank.Bank
}

// open opens dir's bank with the embedder the store was built with (the
// built-in hash embedder for a new store), so a store made by
// `lessonl optimize --embedder ollama:X` works here too.
func (c *bankCache) open(dir, ollamaHost string) (*vectorbank.Bank, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.banks[dir]; ok {
		return b, nil
	}
	// Only the store's header names its embedder: no need to load it twice.
	name, _ := vectorbank.StoreEmbedder(dir)
	emb, err := vectorbank.EmbedderByName(name, ollamaHost)
	if err != nil {
		return nil, fmt.Errorf("the lesson store %s uses embedder %q: %w", dir, name, err)
	}
	b, err := vectorbank.Open(dir, emb)
	if err != nil {
		return nil, err
	}
	if c.banks == nil {
		c.banks = map[string]*vectorbank.Bank{}
	}
	c.banks[dir] = b
	return b, nil
}

func (c *bankCache) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for d, b := range c.banks {
		b.Close()
		delete(c.banks, d)
	}
}
