package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/handlers"
)

// harness is a real LSP client (go.lsp.dev/protocol over a pipe) talking to
// an in-process server. Its connection is built like the server's, so its
// notifications (progress above all) are also seen in order.
type harness struct {
	t      testing.TB
	s      *server
	srv    protocol.Server // dispatcher to the server
	conn   jsonrpc2.Conn
	client *recClient
	pipe   net.Conn // the client's end
	served chan error
	store  string
}

type harnessOpts struct {
	caps     *protocol.ClientCapabilities // default: everything on
	initOpts any
	noInit   bool
	measure  *exec.Options // default quickMeasure()
}

func fullCaps() *protocol.ClientCapabilities {
	t := true
	return &protocol.ClientCapabilities{
		Workspace: &protocol.WorkspaceClientCapabilities{
			ApplyEdit:     &t,
			Configuration: &t,
			WorkspaceEdit: &protocol.WorkspaceEditClientCapabilities{
				DocumentChanges:         &t,
				ChangeAnnotationSupport: &protocol.ChangeAnnotationsSupportOptions{},
			},
			CodeLens: &protocol.CodeLensWorkspaceClientCapabilities{RefreshSupport: &t},
		},
		Window: &protocol.WindowClientCapabilities{
			WorkDoneProgress: &t,
			ShowDocument:     &protocol.ShowDocumentClientCapabilities{Support: true},
		},
		TextDocument: &protocol.TextDocumentClientCapabilities{
			CodeAction: &protocol.CodeActionClientCapabilities{
				ResolveSupport: protocol.ClientCodeActionResolveOptions{Properties: []string{"edit"}},
			},
		},
	}
}

// inlineEditCaps is a client that cannot resolve code actions: the apply
// action must carry its edit.
func inlineEditCaps() *protocol.ClientCapabilities {
	c := fullCaps()
	c.TextDocument = nil
	return c
}

func newHarness(t testing.TB, o harnessOpts) *harness {
	t.Helper()
	w := newTestWriter(t) // first: its cleanup runs last
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	store := t.TempDir()
	sc, cc := net.Pipe()
	log := slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	measure := quickMeasure()
	if o.measure != nil {
		measure = *o.measure
	}
	s := newServer(ctx, Options{Store: store, Log: log, LogLevel: slog.LevelDebug, Measure: measure})
	h := &harness{t: t, s: s, pipe: cc, served: make(chan error, 1), store: store, client: newRecClient()}
	go func() { h.served <- s.serve(sc) }()

	h.conn = jsonrpc2.NewConn(jsonrpc2.NewHeaderStream(cc), jsonrpc2.WithCodec(codec{}))
	dispatch := protocol.ClientHandler(h.client, jsonrpc2.MethodNotFoundHandler)
	h.conn.Go(ctx, func(ctx context.Context, req *jsonrpc2.Request) (any, error) {
		if req.IsCall() {
			jsonrpc2.Async(ctx)
		}
		res, err := dispatch(ctx, req)
		if !req.IsCall() {
			return nil, nil
		}
		return res, err
	})
	h.srv = protocol.ServerDispatcher(h.conn)
	t.Cleanup(func() {
		cc.Close()
		select {
		case <-h.served:
		case <-time.After(30 * time.Second):
			t.Errorf("the server did not stop within 30s after the client left")
		}
	})
	if !o.noInit {
		h.initialize(o.caps, o.initOpts)
	}
	return h
}

// quickMeasure keeps test runs short: small inputs, few timing rounds.
func quickMeasure() exec.Options {
	return exec.Options{Size: 300, RunTime: 5 * time.Millisecond, Rounds: exec.Rounds{Min: 6, Max: 10, Width: 0.5, MaxTime: 15 * time.Second}}
}

// testWriter sends server logs to the test log, which shows them on
// failure, until the test ends.
type testWriter struct {
	t    testing.TB
	mu   *sync.Mutex
	done *bool
}

func newTestWriter(t testing.TB) testWriter {
	w := testWriter{t: t, mu: new(sync.Mutex), done: new(bool)}
	t.Cleanup(func() {
		w.mu.Lock()
		*w.done = true
		w.mu.Unlock()
	})
	return w
}

func (w testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !*w.done {
		w.t.Log(strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (h *harness) initialize(caps *protocol.ClientCapabilities, initOpts any) *protocol.InitializeResult {
	h.t.Helper()
	if caps == nil {
		caps = fullCaps()
	}
	p := &protocol.InitializeParams{Capabilities: *caps}
	if initOpts != nil {
		b, err := json.Marshal(initOpts)
		if err != nil {
			h.t.Fatal(err)
		}
		p.InitializationOptions = jsontext.Value(b)
	}
	res, err := h.srv.Initialize(h.ctx(), p)
	if err != nil {
		h.t.Fatalf("initialize: %v", err)
	}
	if err := h.srv.Initialized(h.ctx(), &protocol.InitializedParams{}); err != nil {
		h.t.Fatal(err)
	}
	return res
}

func (h *harness) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	h.t.Cleanup(cancel)
	return ctx
}

// open sends didOpen for a file (which need not exist on disk).
func (h *harness) open(path, text string) uri.URI {
	h.t.Helper()
	u := uri.File(path)
	err := h.srv.DidOpen(h.ctx(), &protocol.DidOpenTextDocumentParams{TextDocument: protocol.TextDocumentItem{
		URI: u, LanguageID: "go", Version: 1, Text: text,
	}})
	if err != nil {
		h.t.Fatal(err)
	}
	h.sync()
	return u
}

// sync waits until the server has handled everything sent so far: a call
// is answered only after the notifications before it were applied.
func (h *harness) sync() {
	h.t.Helper()
	// The answer (an error: no such file) does not matter, only that it came.
	_, _ = h.srv.CodeLens(h.ctx(), &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: uri.File("/nonexistent/sync.txt")}})
}

func (h *harness) exec(ctx context.Context, cmd string, token protocol.ProgressToken, args ...any) (jsontext.Value, error) {
	var raw []protocol.LSPAny
	for _, a := range args {
		b, err := json.Marshal(a)
		if err != nil {
			h.t.Fatal(err)
		}
		raw = append(raw, jsontext.Value(b))
	}
	p := &protocol.ExecuteCommandParams{Command: cmd, Arguments: raw}
	if token != nil {
		p.WorkDoneToken = token
	}
	return h.srv.ExecuteCommand(ctx, p)
}

func (h *harness) doc(u uri.URI) *handlers.Doc {
	h.t.Helper()
	d, ok := h.s.docs.get(u)
	if !ok {
		h.t.Fatalf("%s is not open on the server", u)
	}
	return d
}

// recClient records what the server asks of the client and answers it.
type recClient struct {
	protocol.UnimplementedClient

	mu         sync.Mutex
	progress   []progressEvent
	messages   []protocol.ShowMessageParams
	logs       []protocol.LogMessageParams
	created    []protocol.ProgressToken
	shown      []protocol.ShowDocumentParams
	edits      []protocol.ApplyWorkspaceEditParams
	refreshes  int
	config     any // the answer to workspace/configuration
	configAsk  int
	onEdit     func(*protocol.ApplyWorkspaceEditParams) *protocol.ApplyWorkspaceEditResult
	onProgress func(progressEvent)
	changed    chan struct{} // poked on every recorded event
}

type progressEvent struct {
	Token   string
	Kind    string `json:"kind"`
	Title   string `json:"title"`
	Message string `json:"message"`
	Pct     *int   `json:"percentage"`
	Cancel  *bool  `json:"cancellable"`
}

func newRecClient() *recClient { return &recClient{changed: make(chan struct{}, 1)} }

func (c *recClient) poke() {
	select {
	case c.changed <- struct{}{}:
	default:
	}
}

func (c *recClient) Progress(ctx context.Context, p *protocol.ProgressParams) error {
	var ev progressEvent
	if err := json.Unmarshal(p.Value, &ev); err != nil {
		return err
	}
	ev.Token = tokenKey(p.Token)
	c.mu.Lock()
	c.progress = append(c.progress, ev)
	on := c.onProgress
	c.mu.Unlock()
	if on != nil {
		on(ev)
	}
	c.poke()
	return nil
}

func (c *recClient) setOnEdit(f func(*protocol.ApplyWorkspaceEditParams) *protocol.ApplyWorkspaceEditResult) {
	c.mu.Lock()
	c.onEdit = f
	c.mu.Unlock()
}

func (c *recClient) ShowMessage(ctx context.Context, p *protocol.ShowMessageParams) error {
	c.mu.Lock()
	c.messages = append(c.messages, *p)
	c.mu.Unlock()
	c.poke()
	return nil
}

func (c *recClient) LogMessage(ctx context.Context, p *protocol.LogMessageParams) error {
	c.mu.Lock()
	c.logs = append(c.logs, *p)
	c.mu.Unlock()
	return nil
}

func (c *recClient) WorkDoneProgressCreate(ctx context.Context, p *protocol.WorkDoneProgressCreateParams) error {
	c.mu.Lock()
	c.created = append(c.created, p.Token)
	c.mu.Unlock()
	return nil
}

func (c *recClient) ShowDocument(ctx context.Context, p *protocol.ShowDocumentParams) (*protocol.ShowDocumentResult, error) {
	c.mu.Lock()
	c.shown = append(c.shown, *p)
	c.mu.Unlock()
	c.poke()
	return &protocol.ShowDocumentResult{Success: true}, nil
}

func (c *recClient) ApplyEdit(ctx context.Context, p *protocol.ApplyWorkspaceEditParams) (*protocol.ApplyWorkspaceEditResult, error) {
	c.mu.Lock()
	c.edits = append(c.edits, *p)
	on := c.onEdit
	c.mu.Unlock()
	c.poke()
	if on != nil {
		return on(p), nil
	}
	return &protocol.ApplyWorkspaceEditResult{Applied: true}, nil
}

func (c *recClient) CodeLensRefresh(ctx context.Context) error {
	c.mu.Lock()
	c.refreshes++
	c.mu.Unlock()
	c.poke()
	return nil
}

func (c *recClient) Configuration(ctx context.Context, p *protocol.ConfigurationParams) ([]protocol.LSPAny, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.configAsk++
	defer c.poke()
	out := make([]protocol.LSPAny, len(p.Items))
	for i, it := range p.Items {
		out[i] = jsontext.Value("null")
		if it.Section != nil && *it.Section == "lessonl" && c.config != nil {
			b, err := json.Marshal(c.config)
			if err != nil {
				return nil, err
			}
			out[i] = jsontext.Value(b)
		}
	}
	return out, nil
}

// waitFor polls cond (under the client's lock) until it holds.
func (c *recClient) waitFor(t testing.TB, what string, d time.Duration, cond func(c *recClient) bool) {
	t.Helper()
	deadline := time.After(d)
	for {
		c.mu.Lock()
		ok := cond(c)
		c.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-c.changed:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			c.mu.Lock()
			defer c.mu.Unlock()
			t.Fatalf("timed out after %s waiting for %s; progress %+v; messages %+v", d, what, c.progress, c.messages)
		}
	}
}

func (c *recClient) messageWith(sub string) bool {
	for _, m := range c.messages {
		if strings.Contains(m.Message, sub) {
			return true
		}
	}
	return false
}

// logWith reports whether the server logged (window/logMessage) a record of
// type t holding sub; call it with c.mu held (waitFor does).
func (c *recClient) logWith(t protocol.MessageType, sub string) bool {
	for _, l := range c.logs {
		if l.Type == t && strings.Contains(l.Message, sub) {
			return true
		}
	}
	return false
}

func (c *recClient) ends() []progressEvent {
	var out []progressEvent
	for _, e := range c.progress {
		if e.Kind == "end" {
			out = append(out, e)
		}
	}
	return out
}

// rpcCode is the JSON-RPC error code of err, or 0.
func rpcCode(err error) jsonrpc2.Code {
	var e *jsonrpc2.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return 0
}

// writeModule makes a Go module with one package file in a temp dir.
func writeModule(t testing.TB, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	if _, ok := files["go.mod"]; !ok {
		files["go.mod"] = "module example.com/m\n\ngo 1.22\n"
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// quietTB stands in for a test where a harness outlives one: the
// benchmark fixture. Failures panic, logs are dropped, cleanups run at close.
type quietTB struct {
	testing.TB // nil: methods not below must not be called
	mu         sync.Mutex
	cleanups   []func()
	dir        string
}

func (q *quietTB) Helper()                   {}
func (q *quietTB) Log(...any)                {}
func (q *quietTB) Logf(string, ...any)       {}
func (q *quietTB) Error(args ...any)         { panic(fmt.Sprint(args...)) }
func (q *quietTB) Errorf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }
func (q *quietTB) Fatal(args ...any)         { panic(fmt.Sprint(args...)) }
func (q *quietTB) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }
func (q *quietTB) Cleanup(f func()) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.cleanups = append(q.cleanups, f)
}
func (q *quietTB) TempDir() string {
	d, err := os.MkdirTemp(q.dir, "h-")
	if err != nil {
		panic(err)
	}
	return d
}

// close runs the cleanups, last first.
func (q *quietTB) close() {
	q.mu.Lock()
	cs := q.cleanups
	q.cleanups = nil
	q.mu.Unlock()
	for i := len(cs) - 1; i >= 0; i-- {
		cs[i]()
	}
}
