package ollamatest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

func chatOpts(ctx context.Context, c *api.Client, model string, opts map[string]any, keep time.Duration, truncate *bool, user string) ([]api.ChatResponse, error) {
	req := &api.ChatRequest{Model: model, Options: opts, Truncate: truncate,
		Messages: []api.Message{{Role: "user", Content: user}}}
	if keep > 0 {
		req.KeepAlive = &api.Duration{Duration: keep}
	}
	var out []api.ChatResponse
	err := c.Chat(ctx, req, func(r api.ChatResponse) error { out = append(out, r); return nil })
	return out, err
}

// Ollama's repeat guard: the 32nd identical token ends the stream cleanly,
// with no done line and no error; the client returns nil.
func TestRepeatGuardEndsTheStreamWithoutDone(t *testing.T) {
	reply := "start " + strings.Repeat("x ", 40) + "end"
	_, c := start(t, models(map[string]*ollamatest.Model{"m": {Replies: []string{reply}}}))
	chunks, err := chat(ctxT(t), c, "m", true, "s", "u")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := content(chunks), "start "+strings.Repeat("x ", 31); got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
	for _, ch := range chunks {
		if ch.Done {
			t.Errorf("a done chunk came after the repeat guard: %+v", ch)
		}
	}
	// Repeats below the limit stream to the end.
	_, c = start(t, models(map[string]*ollamatest.Model{"m": {Replies: []string{strings.Repeat("y ", 31) + "z"}}}))
	chunks, err = chat(ctxT(t), c, "m", true, "s", "u")
	if err != nil || !chunks[len(chunks)-1].Done {
		t.Errorf("31 repeats: done missing (%v)", err)
	}
}

// A prompt longer than num_ctx loses its start silently (rules then see
// only the rest); with truncate false it is an error instead.
func TestSilentContextTruncation(t *testing.T) {
	srv, c := start(t, models(map[string]*ollamatest.Model{"m": {
		Rules:   []ollamatest.Rule{{Contains: []string{"BEGIN"}, Reply: "saw the start"}},
		Replies: []string{"start lost"},
	}}))
	ctx := ctxT(t)
	long := "BEGIN " + strings.Repeat("word ", 100)
	chunks, err := chatOpts(ctx, c, "m", map[string]any{"num_ctx": 50}, 0, nil, long)
	if err != nil {
		t.Fatal(err)
	}
	last := chunks[len(chunks)-1]
	if content(chunks) != "start lost" || last.PromptEvalCount != 50 {
		t.Errorf("answer %q, prompt_eval_count %d: want the start dropped and 50 tokens read", content(chunks), last.PromptEvalCount)
	}
	if r := srv.Requests()[0]; r.Truncated != 51 || !strings.HasPrefix(r.Messages[0].Content, "BEGIN") {
		t.Errorf("recorded truncated=%d, message %.20q: want 51 and the message as sent", r.Truncated, r.Messages[0].Content)
	}
	chunks, err = chatOpts(ctx, c, "m", map[string]any{"num_ctx": 500}, 0, nil, long)
	if err != nil || content(chunks) != "saw the start" {
		t.Errorf("prompt within num_ctx: %q, %v", content(chunks), err)
	}
	no := false
	if _, err := chatOpts(ctx, c, "m", map[string]any{"num_ctx": 50}, 0, &no, long); err == nil || !strings.Contains(err.Error(), "exceeds the context length") {
		t.Errorf("truncate false: err = %v, want the input-too-long error", err)
	}
}

// The loaded-model limit: a fourth model evicts the idle one with the
// shortest keep_alive; a changed num_ctx reloads; /api/ps lists what is
// loaded; /api/show reports capabilities and the context length.
func TestLoadedModelsEvictionsAndReloads(t *testing.T) {
	srv, c := start(t, models(map[string]*ollamatest.Model{
		"a": {Replies: []string{"a"}, ContextLength: 2048}, "b": {Replies: []string{"b"}}, "c": {Replies: []string{"c"}},
		"e": {Embed: true},
	}))
	ctx := ctxT(t)
	ctx8k := map[string]any{"num_ctx": 8192}
	for _, m := range []string{"a", "b", "c"} {
		if _, err := chatOpts(ctx, c, m, ctx8k, 30*time.Minute, nil, "hi"); err != nil {
			t.Fatal(err)
		}
	}
	// To load the embedder, one of the three (all idle, all 30m) goes, the
	// first by digest, as Ollama orders by model path.
	if _, err := c.Embed(ctx, &api.EmbedRequest{Model: "e", Input: "x"}); err != nil {
		t.Fatal(err)
	}
	if _, err := chatOpts(ctx, c, "a", ctx8k, 30*time.Minute, nil, "hi"); err != nil {
		t.Fatal(err)
	}
	if _, err := chatOpts(ctx, c, "a", map[string]any{"num_ctx": 4096}, 30*time.Minute, nil, "hi"); err != nil {
		t.Fatal(err)
	}
	loads := srv.Loads()
	if len(loads) < 5 || loads[3].Model != "e" || loads[3].Evicted == "" {
		t.Fatalf("loads = %+v: want a, b, c, then e evicting one", loads)
	}
	lastLoad := loads[len(loads)-1]
	if lastLoad.Reason != "reload: num_ctx 8192 -> 4096" || lastLoad.Model != "a" {
		t.Errorf("last load = %+v, want a reloaded for the new num_ctx", lastLoad)
	}
	ps, err := c.ListRunning(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps.Models) != 3 {
		t.Errorf("/api/ps lists %d models, want the limit 3: %+v", len(ps.Models), ps.Models)
	}
	show, err := c.Show(ctx, &api.ShowRequest{Model: "a"})
	if err != nil {
		t.Fatal(err)
	}
	if show.ModelInfo["llama.context_length"] != float64(2048) || len(show.Capabilities) != 1 || show.Capabilities[0] != "completion" {
		t.Errorf("show: context %v, capabilities %v", show.ModelInfo["llama.context_length"], show.Capabilities)
	}
	if _, err := ollamatest.Parse([]byte(`{"models": {}, "max_loaded": -1}`)); err == nil {
		t.Error("negative max_loaded accepted")
	}
}
