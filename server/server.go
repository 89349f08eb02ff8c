// Package server is the LessonL language server's plumbing: it owns the
// connection, the lifecycle, documents, the configuration layers (over
// package settings), progress, cancellation, one run at a time and the
// per-function results. The handlers package turns requests into answers
// and runs the optimise flow (package optimize) through handlers.Session.
package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/handlers"
	"github.com/lessonl/lessonl/vectorbank"
)

// Options configure a server.
type Options struct {
	// Store is the --store flag: the lesson store directory, used when the
	// client's settings do not name one (before LESSONL_HOME).
	Store string
	// Log receives the server's logs (besides window/logMessage); nil
	// discards them.
	Log *slog.Logger
	// LogLevel is the lowest level sent to the client's log.
	LogLevel slog.Level
	// Version is reported in serverInfo; "" = "dev".
	Version string
	// Measure holds the runner options the settings do not cover (input
	// size, timing rounds, build cache); the settings' timeout, floor and
	// sandbox override its fields. Tests and benchmarks make runs small.
	Measure exec.Options
}

// ErrExitWithoutShutdown is Serve's answer to an exit notification that came
// before shutdown: the specification asks for exit status 1.
var ErrExitWithoutShutdown = errors.New("the client sent exit without shutdown")

// lifecycle states.
const (
	stateNew int32 = iota
	stateInitialized
	stateShutdown
)

// server is one client's session. Its methods implement protocol.Server;
// handlers reach it through handlers.Session.
type server struct {
	protocol.UnimplementedServer

	opts   Options
	log    *slog.Logger
	conn   jsonrpc2.Conn
	client protocol.Client

	// ctx is the connection's context: every run hangs off it and ends when
	// the client goes away.
	ctx    context.Context
	cancel context.CancelFunc
	// work counts in-flight calls and background tasks; Serve waits for
	// them. Once stopping is set nothing new starts.
	workMu   sync.RWMutex
	stopping bool
	work     sync.WaitGroup

	state  atomic.Int32
	exited chan struct{}
	exitOK atomic.Bool

	mu          sync.Mutex
	enc         handlers.Encoding
	caps        handlers.ClientCaps
	configPull  bool // the client answers workspace/configuration
	initOptions json.RawMessage

	docs     documents
	cfg      config
	results  resultStore
	lensMu   sync.Mutex
	lenses   map[uri.URI]lensEntry
	runs     runs
	progress progressTable
	banks    bankCache
}

// Serve runs the language server on rwc (stdin/stdout for `lessonl serve`)
// until the client exits or goes away. It returns after all background work
// (runs and their sandboxed processes) has ended.
func Serve(ctx context.Context, rwc io.ReadWriteCloser, opts Options) error {
	return newServer(ctx, opts).serve(rwc)
}

func (s *server) serve(rwc io.ReadWriteCloser) error {
	stream := newTolerantStream(rwc, s.log, s.cancel)
	s.conn = jsonrpc2.NewConn(stream, jsonrpc2.WithCodec(codec{}))
	s.client = protocol.ClientDispatcher(s.conn)
	s.log = slog.New(newClientLogHandler(s.opts.Log, s.opts.LogLevel, s.client))
	s.conn.Go(protocol.WithClient(s.ctx, s.client), s.handler())

	select {
	case <-s.ctx.Done():
	case <-s.exited:
	}
	s.cancel()
	s.workMu.Lock()
	s.stopping = true
	s.workMu.Unlock()
	s.work.Wait() // every run hangs off s.ctx: this waits for their cleanup, not their end
	s.banks.closeAll()
	// The read loop may sit in a blocking read of stdin that only the process
	// exit ends: close the connection, but do not wait on it forever.
	closed := make(chan struct{})
	go func() {
		s.conn.Close()
		close(closed)
	}()
	rwc.Close()
	select {
	case <-closed:
	case <-time.After(2 * time.Second):
		s.log.Debug("the connection did not close in time; leaving it to the process exit")
	}
	s.log.Debug("server stopped")
	if !s.exitOK.Load() && isClosed(s.exited) {
		return ErrExitWithoutShutdown
	}
	return nil
}

func newServer(ctx context.Context, opts Options) *server {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &server{opts: opts, log: log, exited: make(chan struct{})}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.cfg.init(opts.Store)
	s.runs.init()
	s.progress.init()
	return s
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// handler is the connection's one handler. Calls are released with Async so
// a long optimisation never delays a hover; notifications stay on the read
// loop, in order, so didChange edits apply exactly as sent (the library's
// default chain releases them too, and reorders them under load).
func (s *server) handler() jsonrpc2.Handler {
	dispatch := protocol.ServerHandler(s, nil)
	inner, canceller := jsonrpc2.CancelHandler(dispatch)
	return func(ctx context.Context, req *jsonrpc2.Request) (any, error) {
		method := req.Method()
		if method == protocol.MethodCancelRequest {
			if id, ok := cancelID(req.Params()); ok {
				canceller(id)
			} else {
				s.log.Warn("ignored a $/cancelRequest without a usable id", "params", string(req.Params()))
			}
			return nil, nil
		}
		if err := s.gate(method, req.IsCall()); err != nil {
			if req.IsCall() {
				return nil, err
			}
			s.log.Debug("dropped a notification", "method", method, "why", err)
			return nil, nil
		}
		if req.IsCall() {
			if !s.startWork() {
				return nil, jsonrpc2.ErrServerClosing
			}
			defer s.work.Done()
			if method == protocol.MethodInitialize || method == protocol.MethodShutdown {
				// Answered before anything else is read: the position
				// encoding is settled before the first didOpen, and an exit
				// sent right after shutdown sees it. Both are quick. They skip
				// the cancel wrapper: a context derived from a request that is
				// not released outlives the request's pooled context.
				return dispatch(ctx, req)
			}
			jsonrpc2.Async(ctx)
		}
		res, err := inner(ctx, req)
		if !req.IsCall() {
			if err != nil {
				// A notification's error would end the connection: report it instead.
				s.log.Warn("couldn't handle a notification", "method", method, "err", err)
			}
			return nil, nil
		}
		if err != nil && ctx.Err() != nil {
			return nil, protocol.ErrRequestCancelled
		}
		return res, err
	}
}

// gate enforces the lifecycle: nothing but initialize before it, nothing
// but exit after shutdown.
func (s *server) gate(method string, call bool) error {
	switch st := s.state.Load(); {
	case method == protocol.MethodExit:
		return nil
	case st == stateNew && method != protocol.MethodInitialize:
		return jsonrpc2.NewError(jsonrpc2.ServerNotInitialized, "the server is not initialized: send initialize first")
	case st != stateNew && method == protocol.MethodInitialize:
		return jsonrpc2.NewError(jsonrpc2.InvalidRequest, "initialize was already sent")
	case st == stateShutdown:
		return jsonrpc2.NewError(jsonrpc2.InvalidRequest, "the server is shut down: send exit")
	}
	return nil
}

// cancelID reads the id of a $/cancelRequest: a number or a string.
func cancelID(params []byte) (jsonrpc2.ID, bool) {
	var p struct {
		ID json.RawMessage `json:"id"`
	}
	if err := json.Unmarshal(params, &p); err != nil || len(p.ID) == 0 {
		return jsonrpc2.ID{}, false
	}
	var n int64
	if err := json.Unmarshal(p.ID, &n); err == nil {
		return jsonrpc2.NewNumberID(n), true
	}
	var str string
	if err := json.Unmarshal(p.ID, &str); err == nil {
		return jsonrpc2.NewStringID(str), true
	}
	return jsonrpc2.ID{}, false
}

// Request answers methods the protocol package does not know.
func (s *server) Request(ctx context.Context, method string, params any) (any, error) {
	return nil, jsonrpc2.Errorf(jsonrpc2.MethodNotFound, "method %q is not supported by the LessonL server", method)
}

// startWork counts one more piece of work, unless the server is stopping.
func (s *server) startWork() bool {
	s.workMu.RLock()
	defer s.workMu.RUnlock()
	if s.stopping {
		return false
	}
	s.work.Add(1)
	return true
}

// goBackground runs f off the read loop, tied to the connection.
func (s *server) goBackground(f func(ctx context.Context)) {
	if !s.startWork() {
		return
	}
	go func() {
		defer s.work.Done()
		f(s.ctx)
	}()
}

// --- features: thin shims onto the handlers ---

func (s *server) CodeAction(ctx context.Context, p *protocol.CodeActionParams) ([]protocol.CommandOrCodeAction, error) {
	return handlers.CodeAction(ctx, s, p)
}

func (s *server) CodeActionResolve(ctx context.Context, a *protocol.CodeAction) (*protocol.CodeAction, error) {
	return handlers.ResolveCodeAction(ctx, s, a)
}

func (s *server) Hover(ctx context.Context, p *protocol.HoverParams) (*protocol.Hover, error) {
	return handlers.Hover(ctx, s, p)
}

// CodeLens answers from a cache while the buffer, the results and the
// settings are unchanged: clients ask again on every scroll and refresh.
func (s *server) CodeLens(ctx context.Context, p *protocol.CodeLensParams) ([]protocol.CodeLens, error) {
	doc, open := s.docs.get(p.TextDocument.URI)
	key := lensKey{doc: doc, gen: s.results.gen.Load(), store: s.cfg.get().StoreDir(), everywhere: s.cfg.get().CodeLens}
	if open {
		s.lensMu.Lock()
		e, ok := s.lenses[p.TextDocument.URI]
		s.lensMu.Unlock()
		if ok && e.key == key {
			return e.lenses, nil
		}
	}
	ls, err := handlers.CodeLens(ctx, s, p)
	if err == nil && open {
		s.lensMu.Lock()
		if s.lenses == nil {
			s.lenses = map[uri.URI]lensEntry{}
		}
		s.lenses[p.TextDocument.URI] = lensEntry{key: key, lenses: ls}
		s.lensMu.Unlock()
	}
	return ls, err
}

type lensKey struct {
	doc        *handlers.Doc
	gen        int64
	store      string
	everywhere bool
}

type lensEntry struct {
	key    lensKey
	lenses []protocol.CodeLens
}

func (s *server) ExecuteCommand(ctx context.Context, p *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
	return handlers.ExecuteCommand(ctx, s, p)
}

// --- handlers.Session ---

var _ handlers.Session = (*server)(nil)

func (s *server) Client() protocol.Client { return s.client }
func (s *server) Log() *slog.Logger       { return s.log }

func (s *server) Caps() handlers.ClientCaps {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.caps
}

func (s *server) encoding() handlers.Encoding {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.enc
}

func (s *server) Config() handlers.Config {
	return handlers.Config{Settings: s.cfg.get(), Measure: s.opts.Measure}
}

func (s *server) Bank() (*vectorbank.Bank, error) { return s.banks.open(s.cfg.get()) }

func (s *server) Results(file string) []*handlers.Result {
	return s.results.at(s.cfg.get().StoreDir()).all(file)
}

func (s *server) SaveResult(r *handlers.Result) error {
	return s.results.at(s.cfg.get().StoreDir()).put(r)
}

func (s *server) WriteReport(name, markdown string) (string, error) {
	return writeReport(s.cfg.get().StoreDir(), name, markdown)
}

// showMessage tells the user; it never fails the caller.
func (s *server) showMessage(t protocol.MessageType, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if err := s.client.ShowMessage(context.WithoutCancel(s.ctx), &protocol.ShowMessageParams{Type: t, Message: msg}); err != nil {
		s.log.Debug("couldn't show a message", "msg", msg, "err", err)
	}
}
