package ollamatest_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"
	"github.com/ollama/ollama/types/model"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

func tagNames(t *testing.T, c *api.Client) []string {
	t.Helper()
	list, err := c.List(ctxT(t))
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	var names []string
	for _, m := range list.Models {
		names = append(names, m.Name)
	}
	return names
}

func TestTagsListsPresentModels(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{
		"qwen2.5-coder:7b": {Replies: []string{"x"}},
		"nomic-embed-text": {Embed: true},
		"absent:3b":        {Missing: true},
	}))
	list, err := c.List(ctxT(t))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tagNames(t, c), []string{"nomic-embed-text:latest", "qwen2.5-coder:7b"}; !slices.Equal(got, want) {
		t.Errorf("tags = %v, want %v (missing models are not listed)", got, want)
	}
	for _, m := range list.Models {
		if m.Model != m.Name || m.Size <= 0 || len(m.Digest) != 64 || m.ModifiedAt.IsZero() || m.Details.Format != "gguf" || m.Details.ParameterSize == "" {
			t.Errorf("listed model %+v lacks the fields Ollama fills", m)
		}
	}
	if list.Models[1].Details.ParameterSize != "7.0B" {
		t.Errorf("qwen2.5-coder:7b parameter size = %q, want 7.0B from its tag", list.Models[1].Details.ParameterSize)
	}
	_, empty := start(t, models(nil))
	if l, err := empty.List(ctxT(t)); err != nil || l.Models == nil || len(l.Models) != 0 {
		t.Errorf("no models: %+v, %v; want an empty list", l, err)
	}
}

func TestShow(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{
		"qwen2.5-coder:7b": {Replies: []string{"x"}},
		"nomic-embed-text": {Embed: true, EmbedDim: 768},
		"absent":           {Missing: true},
	}))
	ctx := ctxT(t)
	chatModel, err := c.Show(ctx, &api.ShowRequest{Model: "qwen2.5-coder:7b"})
	if err != nil {
		t.Fatalf("Show: %v", err)
	}
	if !slices.Equal(chatModel.Capabilities, []model.Capability{model.CapabilityCompletion}) || chatModel.Details.Family == "" ||
		chatModel.ModelInfo["general.architecture"] == nil || !strings.Contains(chatModel.Modelfile, "FROM qwen2.5-coder:7b") {
		t.Errorf("Show(chat model) = %+v", chatModel)
	}
	emb, err := c.Show(ctx, &api.ShowRequest{Model: "nomic-embed-text"})
	if err != nil {
		t.Fatal(err)
	}
	arch := emb.ModelInfo["general.architecture"].(string)
	if !slices.Equal(emb.Capabilities, []model.Capability{model.CapabilityEmbedding}) || emb.ModelInfo[arch+".embedding_length"] != float64(768) {
		t.Errorf("Show(embedding model) capabilities %v, model_info %v; want embedding and embedding_length 768", emb.Capabilities, emb.ModelInfo)
	}
	for _, name := range []string{"absent", "nobody"} {
		_, err := c.Show(ctx, &api.ShowRequest{Model: name})
		wantStatus(404, "not found, try pulling it first")(t, err)
	}
}

func pull(t *testing.T, c *api.Client, name string, stream bool) ([]api.ProgressResponse, error) {
	t.Helper()
	var got []api.ProgressResponse
	err := c.Pull(ctxT(t), &api.PullRequest{Model: name, Stream: &stream}, func(p api.ProgressResponse) error {
		got = append(got, p)
		return nil
	})
	return got, err
}

func TestPullMakesAMissingModelPresentWithProgress(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"qwen2.5-coder:1.5b": {Missing: true, Replies: []string{"pulled and ready"}}}))
	ctx := ctxT(t)
	if _, err := chat(ctx, c, "qwen2.5-coder:1.5b", true, "", "x"); err == nil {
		t.Fatal("chat before pull succeeded; want 404")
	}
	steps, err := pull(t, c, "qwen2.5-coder:1.5b", true)
	if err != nil {
		t.Fatalf("Pull: %v", err)
	}
	if steps[0].Status != "pulling manifest" || steps[len(steps)-1].Status != "success" {
		t.Errorf("pull went %q ... %q, want \"pulling manifest\" ... \"success\"", steps[0].Status, steps[len(steps)-1].Status)
	}
	// The weights layer downloads in steps up to its total.
	var weights []api.ProgressResponse
	for _, p := range steps {
		if p.Digest != "" && p.Total > 1_000_000 {
			weights = append(weights, p)
		}
	}
	if len(weights) < 3 {
		t.Fatalf("weights layer reported %d times, want several progress steps; steps: %+v", len(weights), steps)
	}
	for i, p := range weights {
		if !strings.HasPrefix(p.Status, "pulling ") || !strings.HasPrefix(p.Digest, "sha256:") || p.Total != weights[0].Total ||
			(i > 0 && p.Completed <= weights[i-1].Completed) {
			t.Errorf("weights step %d = %+v, want \"pulling <digest>\" with a fixed total and growing completed", i, p)
		}
	}
	if last := weights[len(weights)-1]; last.Completed != last.Total {
		t.Errorf("weights ended at %d of %d", last.Completed, last.Total)
	}
	if ch, err := chat(ctx, c, "qwen2.5-coder:1.5b", true, "", "x"); err != nil || content(ch) != "pulled and ready" {
		t.Errorf("chat after pull = %q, %v", content(ch), err)
	}
	if got := tagNames(t, c); !slices.Equal(got, []string{"qwen2.5-coder:1.5b"}) {
		t.Errorf("tags after pull = %v", got)
	}
}

func TestPullNotStreamedAnswersTheLastStatus(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"m": {Missing: true, Replies: []string{"x"}}, "offline": {Missing: true, PullFails: true}}))
	steps, err := pull(t, c, "m", false)
	if err != nil || len(steps) != 1 || steps[0].Status != "success" {
		t.Errorf("Pull(stream=false) = %+v, %v; want one \"success\"", steps, err)
	}
	_, err = pull(t, c, "offline", false)
	wantStatus(500, "registry.ollama.ai")(t, err)
}

func TestPullFailures(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"qwen2.5-coder:7b": {Missing: true, PullFails: true, Replies: []string{"x"}}}))
	tests := []struct{ model, msg string }{
		{"qwen2.5-coder:7b", `pull model manifest: Get "https://registry.ollama.ai/v2/library/qwen2.5-coder/manifests/7b": dial tcp: lookup registry.ollama.ai: no such host`},
		{"nobody:1b", "pull model manifest: file does not exist"},
	}
	for _, tt := range tests {
		steps, err := pull(t, c, tt.model, true)
		// Ollama streams the error after "pulling manifest" in a 200 answer:
		// the client returns it as a plain error, not a StatusError.
		var se api.StatusError
		if err == nil || errors.As(err, &se) || err.Error() != tt.msg {
			t.Errorf("Pull(%q) error = %v (%T), want plain %q", tt.model, err, err, tt.msg)
		}
		if len(steps) != 1 || steps[0].Status != "pulling manifest" {
			t.Errorf("Pull(%q) progress = %+v, want only \"pulling manifest\"", tt.model, steps)
		}
	}
	if _, err := chat(ctxT(t), c, "qwen2.5-coder:7b", true, "", "x"); err == nil {
		t.Error("chat after a failed pull succeeded; the model must stay missing")
	}
}
