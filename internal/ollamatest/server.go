package ollamatest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Server is a running scripted Ollama. It is safe for concurrent use.
type Server struct {
	ln      net.Listener
	srv     *http.Server
	url     string
	log     *slog.Logger
	started time.Time

	closing   chan struct{} // closed by Close: releases hung and paced handlers
	closeOnce sync.Once
	handlers  sync.WaitGroup // handlers in flight; Add only under mu while !closed

	mu       sync.Mutex
	closed   bool
	script   *compiled
	ruleUses map[string][]int // model key -> matches per rule
	nextRep  map[string]int   // model key -> index of the next reply
	pulled   map[string]bool  // missing models made present by /api/pull
	loaded   map[string]*loadedModel
	loads    []ModelLoad
	requests []Request
	recorded chan struct{} // closed and replaced at every recorded request
}

// Request is one request the server received, as recorded for assertions.
type Request struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	// Model as the client wrote it (empty for /api/tags, /api/version, /).
	Model string `json:"model,omitempty"`
	// Messages of a chat request, in order.
	Messages []Message `json:"messages,omitempty"`
	// Input of an embed request.
	Input []string `json:"input,omitempty"`
	// Options as decoded from JSON (numbers are float64), so tests can assert
	// that a team sets temperature, seed, num_ctx... identically across calls.
	Options map[string]any `json:"options,omitempty"`
	// Stream is whether the answer was streamed (Ollama's default is true).
	Stream bool `json:"stream"`
	// KeepAlive is the raw keep_alive value sent ("" when absent), e.g. "30m" or -1.
	KeepAlive string `json:"keep_alive,omitempty"`
	// Format is the raw format value sent ("" when absent), e.g. "json".
	Format string `json:"format,omitempty"`
	// Time the request arrived.
	Time time.Time `json:"time"`
	// Status is the HTTP status answered (200 even when the stream was then cut).
	Status int `json:"status"`
	// Rule is the index of the rule that answered a chat, -1 when none did.
	Rule int `json:"rule"`
	// Reply is the content chosen for a chat, before any misbehaviour.
	Reply string `json:"reply,omitempty"`
	// Error is the error message answered, if any.
	Error string `json:"error,omitempty"`
	// Load is "load" or "reload: num_ctx A -> B" when the call (re)loaded
	// its model, "" when it was loaded already; Evicted is the model
	// unloaded to make room.
	Load    string `json:"load,omitempty"`
	Evicted string `json:"evicted,omitempty"`
	// Truncated is how many prompt tokens the model silently dropped (the
	// prompt was longer than num_ctx and truncation was allowed).
	Truncated int `json:"truncated,omitempty"`
}

// Message is one chat message of a recorded request.
type Message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Option configures a Server.
type Option func(*Server)

// WithLogger logs every request (method, path, model, status, duration) to l.
// By default the server does not log.
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// New starts a server on 127.0.0.1 at a free port, like httptest.NewServer.
// It panics if the script is invalid or no port is free: it is for tests.
func New(s Script, opts ...Option) *Server {
	srv, err := Listen("127.0.0.1:0", s, opts...)
	if err != nil {
		panic(fmt.Sprintf("ollamatest.New: %v", err))
	}
	return srv
}

// Listen starts a server on addr ("127.0.0.1:0" picks a free port).
func Listen(addr string, s Script, opts ...Option) (*Server, error) {
	c, err := compile(s)
	if err != nil {
		return nil, fmt.Errorf("couldn't start scripted Ollama: bad script: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("couldn't start scripted Ollama on %s (is a real Ollama or another server using it? pick another --addr, or 127.0.0.1:0 for a free port): %w", addr, err)
	}
	srv := &Server{
		ln:       ln,
		url:      "http://" + ln.Addr().String(),
		log:      slog.New(slog.DiscardHandler),
		started:  time.Now().UTC().Truncate(time.Second),
		closing:  make(chan struct{}),
		recorded: make(chan struct{}),
	}
	for _, o := range opts {
		o(srv)
	}
	srv.reset(c)
	srv.srv = &http.Server{
		Handler:           srv.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		// The http server's own complaints (e.g. a client gone mid-stream) are
		// expected in misbehaviour tests: keep them out of test output.
		ErrorLog: slog.NewLogLogger(srv.log.Handler(), slog.LevelDebug),
	}
	go srv.srv.Serve(ln) //nolint:errcheck // returns ErrServerClosed on Close
	return srv, nil
}

// URL is the server's base URL, e.g. http://127.0.0.1:38121, for
// api.NewClient or OLLAMA_HOST.
func (s *Server) URL() string { return s.url }

// Close stops the server, releases hung and paced handlers, and waits for
// them to return. It is safe to call more than once.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		close(s.closing)
		s.srv.Close()
		s.handlers.Wait()
	})
}

// Requests returns a copy of every request received so far, in arrival order.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		r.Messages = slices.Clone(r.Messages)
		r.Input = slices.Clone(r.Input)
		r.Options = maps.Clone(r.Options)
		out[i] = r
	}
	return out
}

// SetScript replaces the script at run time and resets its state (rule
// counts, reply positions, pulled models); the request log is kept. It panics
// on an invalid script, as New does; use Parse to check one first.
func (s *Server) SetScript(sc Script) {
	if err := s.setScript(sc); err != nil {
		panic(fmt.Sprintf("ollamatest.SetScript: %v", err))
	}
}

func (s *Server) setScript(sc Script) error {
	c, err := compile(sc)
	if err != nil {
		return err
	}
	s.reset(c)
	return nil
}

func (s *Server) reset(c *compiled) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = c
	s.ruleUses = map[string][]int{}
	s.nextRep = map[string]int{}
	s.pulled = map[string]bool{}
	s.loaded = map[string]*loadedModel{}
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", s.handleRoot) // also answers HEAD /
	mux.HandleFunc("GET /api/version", s.handleVersion)
	mux.HandleFunc("GET /api/tags", s.handleTags)
	mux.HandleFunc("POST /api/show", s.handleShow)
	mux.HandleFunc("POST /api/chat", s.handleChat)
	mux.HandleFunc("POST /api/embed", s.handleEmbed)
	mux.HandleFunc("POST /api/embeddings", s.handleEmbeddings)
	mux.HandleFunc("POST /api/pull", s.handlePull)
	mux.HandleFunc("GET /api/ps", s.handlePs)
	mux.HandleFunc("GET /ollamatest/requests", s.handleAdminRequests)
	mux.HandleFunc("PUT /ollamatest/script", s.handleAdminScript)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			http.Error(w, "ollamatest: server closing", http.StatusServiceUnavailable)
			return
		}
		s.handlers.Add(1)
		s.mu.Unlock()
		defer s.handlers.Done()
		sw := &statusWriter{ResponseWriter: w}
		start := time.Now()
		defer func() {
			// Log even when a handler aborts the connection on purpose.
			attrs := []any{"method", r.Method, "path", r.URL.Path, "status", sw.status,
				"duration", time.Since(start).Round(time.Microsecond)}
			if sw.model != "" {
				attrs = append(attrs, "model", sw.model)
			}
			if sw.detail != "" {
				attrs = append(attrs, "script", sw.detail)
			}
			s.log.Info("request", attrs...)
		}()
		mux.ServeHTTP(sw, r)
	})
}

// statusWriter remembers the status for the log; Unwrap keeps
// http.ResponseController (Flush) working through it.
type statusWriter struct {
	http.ResponseWriter
	status int
	model  string
	detail string
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// setLog adds the model and what the script chose (e.g. "rule 2, cut_after 3")
// to the request's log line.
func setLog(w http.ResponseWriter, model, detail string) {
	if sw, ok := w.(*statusWriter); ok {
		sw.model = model
		if detail != "" {
			sw.detail = detail
		}
	}
}

// record appends a request to the log and wakes WaitForRequests.
func (s *Server) record(r Request) {
	s.mu.Lock()
	s.requests = append(s.requests, r)
	close(s.recorded)
	s.recorded = make(chan struct{})
	s.mu.Unlock()
}

// WaitForRequests blocks until the server has received at least n requests
// (of any path), or ctx ends. Tests use it to act at a known point, e.g.
// cancel a run once every agent's chat call has arrived and hangs.
func (s *Server) WaitForRequests(ctx context.Context, n int) error {
	for {
		s.mu.Lock()
		got, ch := len(s.requests), s.recorded
		s.mu.Unlock()
		if got >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("scripted Ollama received %d requests, still waiting for %d: %w", got, n, ctx.Err())
		}
	}
}

func plainRequest(r *http.Request, status int) Request {
	return Request{Method: r.Method, Path: r.URL.Path, Time: time.Now(), Status: status, Rule: -1}
}

func (s *Server) handleRoot(w http.ResponseWriter, r *http.Request) {
	s.record(plainRequest(r, http.StatusOK))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "Ollama is running")
}

func (s *Server) handleVersion(w http.ResponseWriter, r *http.Request) {
	s.record(plainRequest(r, http.StatusOK))
	s.mu.Lock()
	v := s.script.version
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]string{"version": v})
}

// writeJSON answers like gin's c.JSON: one JSON object, no trailing newline.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"ollamatest: couldn't encode the answer"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	w.Write(b)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

// readBody reads the whole JSON body. Reading to EOF matters: only then does
// net/http watch the connection and cancel the request's context when the
// client goes away, which is how a hung handler learns the client gave up.
func readBody(w http.ResponseWriter, r *http.Request, v any) (status int, msg string) {
	data, err := readAll(w, r)
	if err != nil {
		return http.StatusBadRequest, err.Error()
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		return http.StatusBadRequest, "missing request body"
	}
	if err := json.Unmarshal(data, v); err != nil {
		return http.StatusBadRequest, err.Error()
	}
	return 0, ""
}

// readAll reads a request body of at most 64 MiB.
func readAll(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	return io.ReadAll(http.MaxBytesReader(w, r.Body, 64<<20))
}

// lookup finds a model by the name a client used. present is false for a
// model that is missing and not pulled yet. Call with s.mu held.
func (s *Server) lookup(name string) (key string, m *compiledModel, present bool) {
	key = normalizeName(name)
	m = s.script.models[key]
	if m == nil {
		return key, nil, false
	}
	return key, m, !m.m.Missing || s.pulled[key]
}

func notFound(name string) string {
	return fmt.Sprintf("model %q not found, try pulling it first", name)
}

// wait sleeps for d, or until the client gives up or the server closes; it
// reports whether the full time passed.
func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

// hang blocks until the client gives up or the server closes.
func (s *Server) hang(ctx context.Context) {
	select {
	case <-ctx.Done():
	case <-s.closing:
	}
}

// abort drops the connection without finishing the response: the client sees
// the bytes written so far and then an unexpected EOF.
func abort(w http.ResponseWriter) {
	http.NewResponseController(w).Flush() //nolint:errcheck // the connection is being dropped anyway
	panic(http.ErrAbortHandler)
}

func flush(w http.ResponseWriter) {
	http.NewResponseController(w).Flush() //nolint:errcheck // a gone client shows up as a failed Write
}

// garbage is what a broken proxy or a crashed server might answer: not JSON.
const garbage = "\x00\xff<html><body>502 ollamatest garbage: this is not JSON</body></html>\n"

// beforeAnswer applies the steps of a misbehaviour that come before any
// byte: Latency, Hang, Status. It reports whether the handler should go on
// answering normally.
func (s *Server) beforeAnswer(w http.ResponseWriter, r *http.Request, mb *Misbehave, model string) bool {
	if mb == nil {
		return true
	}
	if !s.wait(r.Context(), time.Duration(mb.Latency)) {
		s.dropIfClosing(w)
		return false
	}
	if mb.Hang {
		s.hang(r.Context())
		s.dropIfClosing(w)
		return false
	}
	if mb.Status != 0 {
		writeError(w, mb.Status, misbehaveMessage(mb, model))
		return false
	}
	return true
}

// dropIfClosing drops the connection when the server is closing, so a client
// still waiting sees a broken connection rather than an empty 200.
func (s *Server) dropIfClosing(w http.ResponseWriter) {
	select {
	case <-s.closing:
		panic(http.ErrAbortHandler)
	default:
	}
}

func misbehaveMessage(mb *Misbehave, model string) string {
	if mb.Message != "" {
		return mb.Message
	}
	return fmt.Sprintf("ollamatest: scripted HTTP %d for model %q", mb.Status, model)
}
