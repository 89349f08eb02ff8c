package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"
)

func TestInitializeNegotiates(t *testing.T) {
	tests := []struct {
		name    string
		offered []protocol.PositionEncodingKind
		want    protocol.PositionEncodingKind
	}{
		{"nothing offered means utf-16", nil, protocol.PositionEncodingKindUTF16},
		{"utf-8 when offered", []protocol.PositionEncodingKind{"utf-16", "utf-8"}, protocol.PositionEncodingKindUTF8},
		{"utf-32 is not preferred", []protocol.PositionEncodingKind{"utf-32", "utf-16"}, protocol.PositionEncodingKindUTF16},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{noInit: true})
			caps := fullCaps()
			caps.General = &protocol.GeneralClientCapabilities{PositionEncodings: tt.offered}
			res := h.initialize(caps, nil)
			c := res.Capabilities
			if c.PositionEncoding != tt.want {
				t.Errorf("positionEncoding = %q, want %q", c.PositionEncoding, tt.want)
			}
			sync, ok := c.TextDocumentSync.(*protocol.TextDocumentSyncOptions)
			if !ok || sync.Change == nil || *sync.Change != protocol.TextDocumentSyncKindIncremental || !isTrue(sync.OpenClose) {
				t.Errorf("textDocumentSync = %#v, want incremental with open/close", c.TextDocumentSync)
			}
			want := []string{"lessonl.optimize", "lessonl.apply", "lessonl.cancel", "lessonl.showLessons", "lessonl.showReport"}
			if !slices.Equal(c.ExecuteCommandProvider.Commands, want) {
				t.Errorf("commands = %v, want %v", c.ExecuteCommandProvider.Commands, want)
			}
			ca, ok := c.CodeActionProvider.(*protocol.CodeActionOptions)
			if !ok || !slices.Equal(ca.CodeActionKinds, []protocol.CodeActionKind{protocol.CodeActionKindRefactorRewrite}) {
				t.Errorf("codeActionProvider = %#v, want refactor.rewrite", c.CodeActionProvider)
			}
			if c.CodeLensProvider == nil || c.HoverProvider == nil {
				t.Errorf("want hover and code lens providers, got %#v", c)
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	h := newHarness(t, harnessOpts{noInit: true})
	hover := func() error {
		_, err := h.srv.Hover(h.ctx(), &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: uri.File("/x/y.go")}}})
		return err
	}
	if err := hover(); rpcCode(err) != jsonrpc2.ServerNotInitialized {
		t.Fatalf("hover before initialize: %v, want ServerNotInitialized", err)
	}
	h.initialize(nil, nil)
	if _, err := h.srv.Initialize(h.ctx(), &protocol.InitializeParams{}); rpcCode(err) != jsonrpc2.InvalidRequest {
		t.Fatalf("second initialize: %v, want InvalidRequest", err)
	}
	if err := h.srv.Shutdown(h.ctx()); err != nil {
		t.Fatal(err)
	}
	if err := hover(); rpcCode(err) != jsonrpc2.InvalidRequest {
		t.Fatalf("hover after shutdown: %v, want InvalidRequest", err)
	}
	if err := h.srv.Exit(h.ctx()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-h.served:
		if err != nil {
			t.Fatalf("serve after shutdown+exit = %v, want nil", err)
		}
		h.served <- nil // for the cleanup
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop on exit")
	}
}

func TestExitWithoutShutdown(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	if err := h.srv.Exit(h.ctx()); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-h.served:
		if err != ErrExitWithoutShutdown {
			t.Fatalf("serve = %v, want ErrExitWithoutShutdown", err)
		}
		h.served <- nil
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop on exit")
	}
}

// TestDidChangeInOrder sends 1,000 incremental edits as fast as the pipe
// takes them, with hovers in flight meanwhile: every edit depends on the one
// before, so any reordering corrupts the text.
func TestDidChangeInOrder(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	u := h.open("/tmp/order/order.go", "")
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // load: requests released concurrently while notifications stream in
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			h.srv.Hover(context.Background(), &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
				TextDocument: protocol.TextDocumentIdentifier{URI: u}}})
		}
	}()
	var want strings.Builder
	const n = 1000
	for i := range n {
		line := fmt.Sprintf("line %d 𝄞\n", i)
		// Insert at the start of the last (empty) line, which exists only if
		// every earlier edit was applied first.
		err := h.srv.DidChange(context.Background(), &protocol.DidChangeTextDocumentParams{
			TextDocument: protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: int32(i + 2)},
			ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangePartial{
				Range: protocol.Range{Start: protocol.Position{Line: uint32(i)}, End: protocol.Position{Line: uint32(i)}}, Text: line,
			}},
		})
		if err != nil {
			t.Fatal(err)
		}
		want.WriteString(line)
	}
	close(stop)
	wg.Wait()
	h.sync()
	d := h.doc(u)
	if d.Version != n+1 {
		t.Errorf("version = %d, want %d", d.Version, n+1)
	}
	if d.Text != want.String() {
		got := strings.Split(d.Text, "\n")
		t.Fatalf("text differs after %d edits: %d lines, first lines %q", n, len(got), got[:min(5, len(got))])
	}
}

// TestDocumentSync covers full replacement, UTF-16 ranges after astral
// characters and clamping of ranges outside the text.
func TestDocumentSync(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	u := h.open("/tmp/sync/a.go", "x := \"𝄞\"\n")
	change := func(v int32, cs ...protocol.TextDocumentContentChangeEvent) {
		t.Helper()
		if err := h.srv.DidChange(h.ctx(), &protocol.DidChangeTextDocumentParams{
			TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: v},
			ContentChanges: cs,
		}); err != nil {
			t.Fatal(err)
		}
		h.sync()
	}
	rng := func(l1, c1, l2, c2 uint32) protocol.Range {
		return protocol.Range{Start: protocol.Position{Line: l1, Character: c1}, End: protocol.Position{Line: l2, Character: c2}}
	}
	// 𝄞 is two UTF-16 units: character 8 is after it.
	change(2, &protocol.TextDocumentContentChangePartial{Range: rng(0, 8, 0, 8), Text: "é"})
	if got := h.doc(u).Text; got != "x := \"𝄞é\"\n" {
		t.Fatalf("after a UTF-16 insert: %q", got)
	}
	change(3, &protocol.TextDocumentContentChangeWholeDocument{Text: "package a\n"})
	if got := h.doc(u).Text; got != "package a\n" {
		t.Fatalf("after a full change: %q", got)
	}
	change(4, &protocol.TextDocumentContentChangePartial{Range: rng(40, 0, 41, 0), Text: "// end\n"})
	if got := h.doc(u).Text; got != "package a\n// end\n" {
		t.Fatalf("after an out-of-range change: %q", got)
	}
	h.client.waitFor(t, "a warning about the clamped range", 10*time.Second, func(c *recClient) bool {
		return c.logWith(protocol.MessageTypeWarning, "clamped")
	})
	if err := h.srv.DidClose(h.ctx(), &protocol.DidCloseTextDocumentParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}}); err != nil {
		t.Fatal(err)
	}
	h.sync()
	if _, ok := h.s.docs.get(u); ok {
		t.Fatal("the document is still open after didClose")
	}
}

// TestInvalidRequests: bad positions, ranges, URIs and arguments are
// answered with InvalidParams and a message saying what to send; the
// connection stays up.
func TestInvalidRequests(t *testing.T) {
	h := newHarness(t, harnessOpts{})
	dir := writeModule(t, map[string]string{"a.go": "package a\n\nfunc F() int { return 1 }\n"})
	u := h.open(dir+"/a.go", "package a\n\nfunc F() int { return 1 }\n")
	hover := func(u uri.URI, l, c uint32) error {
		_, err := h.srv.Hover(h.ctx(), &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: protocol.Position{Line: l, Character: c}}})
		return err
	}
	action := func(r protocol.Range) error {
		_, err := h.srv.CodeAction(h.ctx(), &protocol.CodeActionParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}, Range: r})
		return err
	}
	tests := []struct {
		name string
		call func() error
		want string
	}{
		{"hover past the end", func() error { return hover(u, 99, 0) }, "outside"},
		{"hover on a non-file URI", func() error { return hover("untitled:Untitled-1", 0, 0) }, "files on disk"},
		{"hover on a file that is neither open nor on disk", func() error { return hover(uri.File(dir+"/nope.go"), 0, 0) }, "couldn't be read"},
		{"reversed range", func() error {
			return action(protocol.Range{Start: protocol.Position{Line: 2, Character: 5}, End: protocol.Position{Line: 0}})
		}, "ends before it starts"},
		{"range past the end", func() error {
			return action(protocol.Range{Start: protocol.Position{Line: 50}, End: protocol.Position{Line: 51}})
		}, "outside"},
		{"unknown command", func() error { _, err := h.exec(h.ctx(), "lessonl.nope", nil); return err }, "unknown command"},
		{"optimize without arguments", func() error { _, err := h.exec(h.ctx(), "lessonl.optimize", nil); return err }, "takes one argument"},
		{"optimize with a bad argument", func() error { _, err := h.exec(h.ctx(), "lessonl.optimize", nil, 42); return err }, "bad argument"},
		{"optimize without a position", func() error {
			_, err := h.exec(h.ctx(), "lessonl.optimize", nil, map[string]any{"uri": string(u)})
			return err
		}, "position or a range"},
		{"apply before any run", func() error {
			_, err := h.exec(h.ctx(), "lessonl.apply", nil, map[string]any{"uri": string(u), "func": "F"})
			return err
		}, "has not been optimized yet"},
		{"show lessons of a missing function", func() error {
			_, err := h.exec(h.ctx(), "lessonl.showLessons", nil, map[string]any{"uri": string(u), "func": "G"})
			return err
		}, "not found"},
		{"cancel with a relative URI", func() error {
			_, err := h.exec(h.ctx(), "lessonl.cancel", nil, map[string]any{"uri": "a.go", "func": "F"})
			return err
		}, "bad document URI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if rpcCode(err) != jsonrpc2.InvalidParams || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v (code %d), want InvalidParams saying %q", err, rpcCode(err), tt.want)
			}
		})
	}
	// Still serving.
	if err := hover(u, 2, 6); err != nil {
		t.Fatalf("hover after the bad requests: %v", err)
	}
}

// TestCodeActionsAndLenses without any run: "Optimize with lessons" inside
// functions only; the only filter; lenses above every function with the
// codeLens setting.
func TestCodeActionsAndLenses(t *testing.T) {
	h := newHarness(t, harnessOpts{initOpts: map[string]any{"codeLens": true}})
	src := "package a\n\n// F is one.\nfunc F() int { return 1 }\n\nvar x = 2\n\nfunc (t *T) M() {}\n\ntype T struct{}\n"
	dir := writeModule(t, map[string]string{"a.go": src})
	u := h.open(dir+"/a.go", src)
	actions := func(line uint32, only ...protocol.CodeActionKind) []string {
		t.Helper()
		res, err := h.srv.CodeAction(h.ctx(), &protocol.CodeActionParams{
			TextDocument: protocol.TextDocumentIdentifier{URI: u},
			Range:        protocol.Range{Start: protocol.Position{Line: line, Character: 1}, End: protocol.Position{Line: line, Character: 1}},
			Context:      protocol.CodeActionContext{Only: only},
		})
		if err != nil {
			t.Fatal(err)
		}
		var titles []string
		for _, a := range res {
			ca := a.(*protocol.CodeAction)
			titles = append(titles, ca.Title)
			if ca.Command.Command != "lessonl.optimize" || len(ca.Command.Arguments) != 1 {
				t.Errorf("action %q runs %q %s", ca.Title, ca.Command.Command, ca.Command.Arguments)
			}
		}
		return titles
	}
	for _, tt := range []struct {
		line uint32
		only []protocol.CodeActionKind
		want []string
	}{
		{3, nil, []string{"Optimize with lessons"}},
		{2, nil, []string{"Optimize with lessons"}}, // its doc comment
		{5, nil, nil},
		{7, []protocol.CodeActionKind{protocol.CodeActionKindRefactor}, []string{"Optimize with lessons"}},
		{3, []protocol.CodeActionKind{protocol.CodeActionKindQuickFix}, nil},
	} {
		if got := actions(tt.line, tt.only...); !slices.Equal(got, tt.want) {
			t.Errorf("line %d only %v: actions %q, want %q", tt.line, tt.only, got, tt.want)
		}
	}
	lenses, err := h.srv.CodeLens(h.ctx(), &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})
	if err != nil {
		t.Fatal(err)
	}
	var at []uint32
	for _, l := range lenses {
		if l.Command.Title != "Optimize with lessons" {
			t.Errorf("lens %q, want Optimize with lessons", l.Command.Title)
		}
		at = append(at, l.Range.Start.Line)
	}
	if !slices.Equal(at, []uint32{3, 7}) {
		t.Errorf("lenses on lines %v, want [3 7]", at)
	}
}

// TestMalformedJSONRPC speaks raw bytes: bad JSON, an invalid request, an
// unknown method and a notification with bad params are answered (or
// ignored) and the connection keeps serving.
func TestMalformedJSONRPC(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sc, cc := net.Pipe()
	s := newServer(ctx, Options{Store: t.TempDir()})
	served := make(chan error, 1)
	go func() { served <- s.serve(sc) }()
	defer func() {
		cc.Close()
		<-served
	}()
	stream := jsonrpc2.NewHeaderStream(cc)
	resps := make(chan *jsonrpc2.Response, 16)
	go func() {
		for {
			msg, _, err := stream.Read(context.Background())
			if err != nil {
				close(resps)
				return
			}
			if r, ok := msg.(*jsonrpc2.Response); ok {
				resps <- r
			}
		}
	}()
	raw := func(body string) {
		t.Helper()
		if _, err := fmt.Fprintf(cc, "Content-Length: %d\r\n\r\n%s", len(body), body); err != nil {
			t.Fatal(err)
		}
	}
	next := func() *jsonrpc2.Response {
		t.Helper()
		select {
		case r, ok := <-resps:
			if !ok {
				t.Fatal("the server closed the connection")
			}
			return r
		case <-time.After(20 * time.Second):
			t.Fatal("no response")
		}
		return nil
	}
	expectErr := func(what string, code jsonrpc2.Code, id jsonrpc2.ID) {
		t.Helper()
		r := next()
		if rpcCode(r.Err()) != code || r.ID() != id {
			t.Fatalf("%s: got id %v err %v, want id %v code %d", what, r.ID(), r.Err(), id, code)
		}
	}
	raw(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":`)
	expectErr("truncated JSON", jsonrpc2.ParseError, jsonrpc2.ID{})
	raw(`{"jsonrpc":"2.0","id":2,"method":"x","result":1}`)
	expectErr("method and result", jsonrpc2.InvalidRequest, jsonrpc2.ID{})
	raw(`{"jsonrpc":"2.0","id":3,"method":"initialize","params":{"capabilities":{}}}`)
	if r := next(); r.Err() != nil || r.ID() != jsonrpc2.NewNumberID(3) {
		t.Fatalf("initialize after garbage: %v %v", r.ID(), r.Err())
	}
	raw(`{"jsonrpc":"2.0","method":"textDocument/didChange","params":"not an object"}`)
	raw(`{"jsonrpc":"2.0","method":"lessonl/unknownNotification","params":{}}`)
	raw(`{"jsonrpc":"2.0","id":"four","method":"lessonl/unknown","params":{}}`)
	expectErr("unknown method", jsonrpc2.MethodNotFound, jsonrpc2.NewStringID("four"))
	raw(`{"jsonrpc":"2.0","id":5,"method":"textDocument/hover","params":[1,2]}`)
	expectErr("hover with array params", jsonrpc2.ParseError, jsonrpc2.NewNumberID(5))
	raw(`{"jsonrpc":"2.0","id":6,"method":"shutdown"}`)
	if r := next(); r.Err() != nil || r.ID() != jsonrpc2.NewNumberID(6) {
		t.Fatalf("shutdown after the bad messages: %v %v", r.ID(), r.Err())
	}
}

func TestSettingsLayers(t *testing.T) {
	t.Setenv("LESSONL_MODELS", "env:1b,other:3b")
	t.Setenv("OLLAMA_HOST", "127.0.0.1:7")
	h := newHarness(t, harnessOpts{initOpts: map[string]any{"lessonl": map[string]any{"rounds": 2, "bogus": true}}})
	h.client.waitFor(t, "a warning naming the unknown key", 10*time.Second, func(c *recClient) bool { return c.messageWith(`unknown key "bogus"`) })
	c := h.s.cfg.get()
	if c.Rounds != 2 || !slices.Equal(c.Models, []string{"env:1b", "other:3b"}) || c.Host != "127.0.0.1:7" || c.Store != h.store {
		t.Fatalf("after initializationOptions: %+v", c)
	}
	// The pull model: the client answers workspace/configuration.
	h.client.mu.Lock()
	h.client.config = map[string]any{"lessons": 1, "codeLens": true}
	h.client.mu.Unlock()
	if err := h.srv.DidChangeConfiguration(h.ctx(), &protocol.DidChangeConfigurationParams{Settings: []byte("null")}); err != nil {
		t.Fatal(err)
	}
	h.client.waitFor(t, "the pulled settings", 10*time.Second, func(*recClient) bool { return h.s.cfg.get().CodeLens })
	if c := h.s.cfg.get(); c.Lessons != 1 || c.Rounds != 2 {
		t.Fatalf("after the pull: %+v (init's rounds must stay)", c)
	}
	// Pushed settings of another tool are not ours.
	h.s.mu.Lock()
	h.s.configPull = false
	h.s.mu.Unlock()
	if err := h.srv.DidChangeConfiguration(h.ctx(), &protocol.DidChangeConfigurationParams{Settings: []byte(`{"gopls": {"x": 1}}`)}); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.DidChangeConfiguration(h.ctx(), &protocol.DidChangeConfigurationParams{Settings: []byte(`{"lessonl": {"rounds": 5}}`)}); err != nil {
		t.Fatal(err)
	}
	h.sync()
	if c := h.s.cfg.get(); c.Rounds != 5 || c.CodeLens {
		t.Fatalf("after a push: %+v (the push replaces the client layer)", c)
	}
	h.client.mu.Lock()
	defer h.client.mu.Unlock()
	if h.client.messageWith("gopls") {
		t.Error("another tool's settings were reported as unknown keys")
	}
}

// TestShowLessonsAnswers: a client that cannot open documents gets the
// lessons and their Markdown in the answer; one that can gets null and a
// document.
func TestShowLessonsAnswers(t *testing.T) {
	src := "package a\n\nfunc F() int { return 1 }\n"
	for _, canShow := range []bool{false, true} {
		caps := fullCaps()
		caps.Window.ShowDocument.Support = canShow
		h := newHarness(t, harnessOpts{caps: caps})
		dir := writeModule(t, map[string]string{"a.go": src})
		u := h.open(dir+"/a.go", src)
		raw, err := h.exec(h.ctx(), "lessonl.showLessons", nil, map[string]any{"uri": string(u), "func": "F"})
		if err != nil {
			t.Fatal(err)
		}
		if canShow {
			h.client.mu.Lock()
			shown := len(h.client.shown)
			h.client.mu.Unlock()
			if len(raw) != 0 && string(raw) != "null" || shown != 1 {
				t.Errorf("with showDocument: answer %s, %d documents shown", raw, shown)
			}
			continue
		}
		var ans struct {
			Markdown string `json:"markdown"`
			Lessons  []any  `json:"lessons"`
		}
		if err := json.Unmarshal(raw, &ans); err != nil || !strings.Contains(ans.Markdown, "No lessons yet") || ans.Lessons == nil {
			t.Errorf("without showDocument: %s (%v)", raw, err)
		}
	}
}
