package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/lessonl/lessonl/handlers"
	"github.com/lessonl/lessonl/optimize"
	"github.com/lessonl/lessonl/settings"
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
func (s *server) Cancel(file, fn string) int {
	n := s.runs.cancel(file, fn)
	s.log.Info("cancel", "file", file, "func", fn, "runs", n)
	return n
}

// Run implements handlers.Session: the plumbing around one optimisation
// (the use case itself is package optimize's, called by handlers).
func (s *server) Run(ctx context.Context, file, fn string, token protocol.ProgressToken, title string, work func(context.Context, handlers.Progress) (string, error)) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	entry := &runEntry{file: file, fn: fn, cancel: cancel}
	if !s.runs.add(entry) {
		return s.fail(fmt.Errorf("%s is already being optimized: wait for it, or cancel it (lessonl.cancel)", fn))
	}
	defer s.runs.remove(entry)

	p := s.startProgress(ctx, token, title, "starting", cancel)
	summary, err := s.takeTurn(ctx, p, work)
	switch {
	case err != nil && ctx.Err() != nil:
		p.end("canceled", "lessons learned so far are kept")
		s.log.Info("run canceled", "func", fn)
		return protocol.ErrRequestCancelled
	case err != nil:
		p.end("failed", err.Error())
		// The whole reason, in the client's log too: the progress line is
		// clipped by editors and gone in a moment.
		s.log.Error("the run failed", "func", fn, "file", file, "reason", err.Error())
		if !s.Caps().ShowsOutcome {
			s.showMessage(protocol.MessageTypeError, "LessonL: %v", err)
		}
		return asResponseError(err)
	}
	p.end("completed", summary)
	s.refreshLenses()
	return nil
}

// takeTurn runs work when no other run is timing variants: two at once
// would disturb each other's measurements. Others wait, cancellable.
func (s *server) takeTurn(ctx context.Context, p *progress, work func(context.Context, handlers.Progress) (string, error)) (string, error) {
	select {
	case s.runs.turn <- struct{}{}:
	default:
		p.Report("waiting for another run to finish", 0, true)
		select {
		case s.runs.turn <- struct{}{}:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	defer func() { <-s.runs.turn }()
	return work(ctx, p)
}

// fail tells the user, in full, in a message and in the log, and returns
// err for the response.
func (s *server) fail(err error) error {
	s.log.Error("run failed", "err", err)
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

func (s *server) refreshLenses() {
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

// bankCache keeps one open bank per store directory for the session.
type bankCache struct {
	mu    sync.Mutex
	banks map[string]*vectorbank.Bank
}

// open opens dir's bank with the embedder the store was built with (the
// built-in hash embedder for a new store), so a store made by
// `lessonl optimize --embedder ollama:X` works here too.
func (c *bankCache) open(set settings.Settings) (*vectorbank.Bank, error) {
	dir := set.StoreDir()
	c.mu.Lock()
	defer c.mu.Unlock()
	if b, ok := c.banks[dir]; ok {
		return b, nil
	}
	// The store's own embedder (the built-in hash embedder for a new store).
	b, err := optimize.OpenBank(set, "")
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
