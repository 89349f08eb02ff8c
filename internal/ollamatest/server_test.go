package ollamatest_test

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

// start runs a server for the test and returns the real Ollama client on it.
func start(t *testing.T, s ollamatest.Script) (*ollamatest.Server, *api.Client) {
	t.Helper()
	srv := ollamatest.New(s)
	t.Cleanup(srv.Close)
	return srv, client(t, srv.URL())
}

func client(t testing.TB, base string) *api.Client {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	return api.NewClient(u, http.DefaultClient)
}

// ctxT bounds a test's calls generously: the machine is shared and slow, and
// no assertion depends on how fast an answer comes.
func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func models(m map[string]*ollamatest.Model) ollamatest.Script {
	return ollamatest.Script{Models: m}
}

var teamOptions = map[string]any{"temperature": 0.2, "seed": 42, "num_ctx": 8192}

// chat runs one chat call with a system and a user message and returns every
// chunk the client handed back.
func chat(ctx context.Context, c *api.Client, model string, stream bool, system, user string) ([]api.ChatResponse, error) {
	req := &api.ChatRequest{
		Model: model, Stream: &stream, Options: teamOptions,
		Messages: []api.Message{{Role: "system", Content: system}, {Role: "user", Content: user}},
	}
	var out []api.ChatResponse
	err := c.Chat(ctx, req, func(r api.ChatResponse) error {
		out = append(out, r)
		return nil
	})
	return out, err
}

func content(chunks []api.ChatResponse) string {
	var b strings.Builder
	for _, c := range chunks {
		b.WriteString(c.Message.Content)
	}
	return b.String()
}

func statusError(t *testing.T, err error) api.StatusError {
	t.Helper()
	var se api.StatusError
	if !errors.As(err, &se) {
		t.Fatalf("error = %v (%T), want an api.StatusError", err, err)
	}
	return se
}

func TestRootVersionAndHeartbeat(t *testing.T) {
	srv, c := start(t, ollamatest.Script{Models: map[string]*ollamatest.Model{}, Version: "0.9.1"})
	ctx := ctxT(t)
	if err := c.Heartbeat(ctx); err != nil {
		t.Errorf("Heartbeat (HEAD /): %v", err)
	}
	v, err := c.Version(ctx)
	if err != nil || v != "0.9.1" {
		t.Errorf("Version = %q, %v; want the scripted 0.9.1", v, err)
	}
	resp, err := http.Get(srv.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	if body := readBody(t, resp); resp.StatusCode != 200 || body != "Ollama is running" {
		t.Errorf("GET / = %d %q, want 200 \"Ollama is running\"", resp.StatusCode, body)
	}

	_, c2 := start(t, models(nil))
	if v, err := c2.Version(ctx); err != nil || v != ollamatest.DefaultVersion {
		t.Errorf("default Version = %q, %v; want %q", v, err, ollamatest.DefaultVersion)
	}
}

func TestUnknownPathIs404(t *testing.T) {
	srv, _ := start(t, models(nil))
	resp, err := http.Post(srv.URL()+"/api/generate", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /api/generate = %d, want 404 (not implemented)", resp.StatusCode)
	}
	resp, err = http.Get(srv.URL() + "/api/chat")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET /api/chat = %d, want 405", resp.StatusCode)
	}
}

func TestCloseIsIdempotentAndRefusesLaterCalls(t *testing.T) {
	srv, c := start(t, models(map[string]*ollamatest.Model{"m": {Replies: []string{"x"}}}))
	srv.Close()
	srv.Close()
	if _, err := chat(ctxT(t), c, "m", true, "", "hi"); err == nil {
		t.Error("Chat after Close succeeded; want a connection error")
	}
}

func TestListenReportsBadScriptAndBusyAddress(t *testing.T) {
	if _, err := ollamatest.Listen("127.0.0.1:0", models(map[string]*ollamatest.Model{"m": {Rules: []ollamatest.Rule{{Regex: "("}}}})); err == nil || !strings.Contains(err.Error(), "bad regex") {
		t.Errorf("Listen with a bad regex: %v; want an error naming the bad regex", err)
	}
	srv := ollamatest.New(models(nil))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL(), "http://")
	if _, err := ollamatest.Listen(addr, models(nil)); err == nil || !strings.Contains(err.Error(), "--addr") {
		t.Errorf("Listen on a busy address: %v; want an error that suggests another --addr", err)
	}
}
