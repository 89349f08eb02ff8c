package server

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/protocol"
)

// progressTable maps live progress tokens to the cancel of their work, for
// window/workDoneProgress/cancel.
type progressTable struct {
	mu     sync.Mutex
	cancel map[string]context.CancelFunc
	seq    atomic.Int64
}

func (t *progressTable) init() { t.cancel = map[string]context.CancelFunc{} }

func tokenKey(tok protocol.ProgressToken) string {
	switch v := tok.(type) {
	case protocol.Integer:
		return fmt.Sprintf("i:%d", int32(v))
	case protocol.String:
		return "s:" + string(v)
	}
	return ""
}

// WorkDoneProgressCancel cancels the work behind a token (Neovim has no
// cancel button; its plugin and other clients send this).
func (s *server) WorkDoneProgressCancel(ctx context.Context, p *protocol.WorkDoneProgressCancelParams) error {
	s.progress.mu.Lock()
	cancel := s.progress.cancel[tokenKey(p.Token)]
	s.progress.mu.Unlock()
	if cancel == nil {
		s.log.Debug("workDoneProgress/cancel for an unknown token", "token", tokenKey(p.Token))
		return nil
	}
	s.log.Info("cancelled by the client's progress cancel", "token", tokenKey(p.Token))
	cancel()
	return nil
}

// progress reports one piece of work: begin (cancellable), reports, end.
// Without a token (the client supports no progress) it only logs.
type progress struct {
	s     *server
	token protocol.ProgressToken
	key   string

	mu       sync.Mutex
	lastSent time.Time
	lastMsg  string
	ended    bool
}

// reportEvery throttles reports: a model streams tokens much faster than an
// editor wants to redraw.
const reportEvery = 150 * time.Millisecond

// startProgress begins progress on the client's token, or on one made with
// window/workDoneProgress/create when the client sent none but can show
// progress. cancel is what window/workDoneProgress/cancel calls.
func (s *server) startProgress(ctx context.Context, token protocol.ProgressToken, title, msg string, cancel context.CancelFunc) *progress {
	p := &progress{s: s, token: token}
	if p.token == nil && s.Caps().WorkDoneProgress {
		tok := protocol.String(fmt.Sprintf("lessonl-%d-%d", time.Now().UnixNano()%1e9, s.progress.seq.Add(1)))
		cctx, done := context.WithTimeout(ctx, 10*time.Second)
		err := s.client.WorkDoneProgressCreate(cctx, &protocol.WorkDoneProgressCreateParams{Token: tok})
		done()
		if err != nil {
			s.log.Warn("the client refused a progress token; running without progress", "err", err)
		} else {
			p.token = tok
		}
	}
	if p.token == nil {
		s.log.Info(title, "status", msg)
		return p
	}
	p.key = tokenKey(p.token)
	s.progress.mu.Lock()
	s.progress.cancel[p.key] = cancel
	s.progress.mu.Unlock()
	p.send(&protocol.WorkDoneProgressBegin{Kind: "begin", Title: title, Cancellable: ptr(true), Message: &msg, Percentage: ptr(uint32(0))})
	p.lastSent = time.Now()
	return p
}

// report sends a message and percentage; throttled unless force.
func (p *progress) Report(msg string, pct int, force bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended || p.token == nil || msg == p.lastMsg && !force {
		return
	}
	if !force && time.Since(p.lastSent) < reportEvery {
		return
	}
	p.lastMsg, p.lastSent = msg, time.Now()
	u := uint32(max(0, min(pct, 100)))
	p.send(&protocol.WorkDoneProgressReport{Kind: "report", Message: &msg, Percentage: &u})
}

// end closes the progress; outcome starts the message: "completed",
// "canceled" or "failed".
func (p *progress) end(outcome, detail string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ended {
		return
	}
	p.ended = true
	msg := outcome
	if detail != "" {
		msg += ": " + detail
	}
	if p.token == nil {
		p.s.log.Info("run ended", "outcome", msg)
		return
	}
	p.s.progress.mu.Lock()
	delete(p.s.progress.cancel, p.key)
	p.s.progress.mu.Unlock()
	p.send(&protocol.WorkDoneProgressEnd{Kind: "end", Message: &msg})
}

func (p *progress) send(v any) {
	b, err := protocol.Marshal(v)
	if err != nil {
		p.s.log.Error("couldn't encode progress", "err", err)
		return
	}
	// Progress outlives a cancelled request: the end must still go out.
	ctx := context.WithoutCancel(p.s.ctx)
	if err := p.s.client.Progress(ctx, &protocol.ProgressParams{Token: p.token, Value: b}); err != nil {
		p.s.log.Debug("couldn't send progress", "err", err)
	}
}

func ptr[T any](v T) *T { return &v }
