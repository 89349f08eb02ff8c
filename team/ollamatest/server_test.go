package ollamatest_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/team/ollamatest"
)

// start runs a server for the test and returns the real Ollama client on it.
func start(t *testing.T, s ollamatest.Script) (*ollamatest.Server, *api.Client) {
	t.Helper()
	srv := ollamatest.New(s)
	t.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return srv, api.NewClient(u, http.DefaultClient)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// chat runs one chat call and returns every chunk the client handed back.
func chat(ctx context.Context, c *api.Client, model string, stream bool, msgs ...string) ([]api.ChatResponse, error) {
	req := &api.ChatRequest{Model: model, Stream: &stream, Options: map[string]any{"temperature": 0.2, "seed": 42, "num_ctx": 8192}}
	for _, m := range msgs {
		req.Messages = append(req.Messages, api.Message{Role: "user", Content: m})
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

func TestChatStreamsChunksAndFinalMetrics(t *testing.T) {
	reply := "Here it is:\n```go\nfunc Sum(xs []int) int {\n\treturn 0\n}\n```\n"
	_, c := start(t, ollamatest.Script{Models: map[string]*ollamatest.Model{
		"coder:7b": {Replies: []string{reply}},
	}})
	chunks, err := chat(ctxT(t), c, "coder:7b", true, "make it faster")
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if len(chunks) < 4 {
		t.Fatalf("got %d chunks, want the reply split into several word chunks plus a final one", len(chunks))
	}
	if got := content(chunks); got != reply {
		t.Errorf("streamed content = %q, want %q", got, reply)
	}
	for i, ch := range chunks[:len(chunks)-1] {
		if ch.Done || ch.Message.Role != "assistant" || ch.Model != "coder:7b" {
			t.Errorf("chunk %d = %+v, want an assistant chunk of coder:7b not done", i, ch)
		}
	}
	last := chunks[len(chunks)-1]
	if !last.Done || last.DoneReason != "stop" {
		t.Errorf("last chunk done=%v reason=%q, want done with reason stop", last.Done, last.DoneReason)
	}
	if last.EvalCount != len(chunks)-1 || last.EvalDuration <= 0 || last.PromptEvalCount <= 0 || last.TotalDuration <= 0 {
		t.Errorf("final metrics = %+v, want eval_count %d and positive durations", last.Metrics, len(chunks)-1)
	}
}
