package ollamatest_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

func cosine(a, b []float32) float64 {
	var s float64
	for i := range a {
		s += float64(a[i]) * float64(b[i])
	}
	return s
}

func norm(v []float32) float64 { return math.Sqrt(cosine(v, v)) }

func TestEmbedIsDeterministicNormalisedAndRanksRelatedTextsCloser(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"nomic-embed-text": {Embed: true}, "wide": {Embed: true, EmbedDim: 512}}))
	ctx := ctxT(t)
	texts := []string{
		"Unrolling the loop into four independent accumulators breaks the dependency chain.",
		"Four independent accumulators in an unrolled loop break the dependency chain.",
		"B declares the accumulator as int64 but returns an int, so it does not compile.",
		"", // an empty text still gets a unit vector
	}
	resp, err := c.Embed(ctx, &api.EmbedRequest{Model: "nomic-embed-text", Input: texts})
	if err != nil {
		t.Fatalf("Embed: %v", err)
	}
	if resp.Model != "nomic-embed-text" || len(resp.Embeddings) != len(texts) || resp.PromptEvalCount <= 0 || resp.TotalDuration <= 0 {
		t.Fatalf("response model %q, %d embeddings, prompt_eval_count %d, total %v", resp.Model, len(resp.Embeddings), resp.PromptEvalCount, resp.TotalDuration)
	}
	for i, v := range resp.Embeddings {
		if len(v) != 64 || math.Abs(norm(v)-1) > 1e-5 {
			t.Errorf("embedding %d: %d dims, norm %v; want 64 dims (the default), norm 1", i, len(v), norm(v))
		}
		if !reflect.DeepEqual(v, ollamatest.Embedding(texts[i], 64)) {
			t.Errorf("embedding %d differs from ollamatest.Embedding of the same text", i)
		}
	}
	related, unrelated := cosine(resp.Embeddings[0], resp.Embeddings[1]), cosine(resp.Embeddings[0], resp.Embeddings[2])
	if related <= unrelated {
		t.Errorf("cosine(paraphrase) = %.3f <= cosine(unrelated) = %.3f; want related texts closer", related, unrelated)
	}
	again, err := c.Embed(ctx, &api.EmbedRequest{Model: "nomic-embed-text", Input: texts[0]})
	if err != nil || len(again.Embeddings) != 1 || !reflect.DeepEqual(again.Embeddings[0], resp.Embeddings[0]) {
		t.Errorf("one string input: %v, %v; want the same vector as in the list", again, err)
	}
	wide, err := c.Embed(ctx, &api.EmbedRequest{Model: "wide", Input: texts[0]})
	if err != nil || len(wide.Embeddings[0]) != 512 {
		t.Errorf("embed_dim 512: %v", err)
	}
	cut, err := c.Embed(ctx, &api.EmbedRequest{Model: "wide", Input: texts[0], Dimensions: 16})
	if err != nil || len(cut.Embeddings[0]) != 16 || math.Abs(norm(cut.Embeddings[0])-1) > 1e-5 {
		t.Errorf("dimensions 16: %v; want 16 dims renormalised", err)
	}
	empty, err := c.Embed(ctx, &api.EmbedRequest{Model: "nomic-embed-text", Input: ""})
	if err != nil || empty.Embeddings == nil || len(empty.Embeddings) != 0 {
		t.Errorf("empty input: %+v, %v; want an empty list, as Ollama answers", empty, err)
	}
}

func TestEmbedWorksOnChatModelsAsInOllama(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"coder": {Replies: []string{"x"}}}))
	if _, err := c.Embed(ctxT(t), &api.EmbedRequest{Model: "coder", Input: "text"}); err != nil {
		t.Errorf("Embed on a chat model: %v; Ollama embeds with any present model", err)
	}
}

func TestEmbedErrors(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{
		"e":       {Embed: true},
		"absent":  {Embed: true, Missing: true},
		"broken":  {Embed: true, Misbehave: &ollamatest.Misbehave{Status: 500}},
		"garbage": {Embed: true, Misbehave: &ollamatest.Misbehave{Garbage: true}},
		"cut":     {Embed: true, Misbehave: &ollamatest.Misbehave{CutAfter: 1}},
	}))
	tests := []struct {
		model string
		input any
		check func(*testing.T, error)
	}{
		{"nobody", "x", wantStatus(404, `model "nobody" not found, try pulling it first`)},
		{"absent", "x", wantStatus(404, `model "absent" not found`)},
		{"e", 42, wantStatus(400, "invalid input type")},
		{"e", []any{"ok", 1}, wantStatus(400, "invalid input type")},
		{"broken", "x", wantStatus(500, "scripted HTTP 500")},
		{"garbage", "x", func(t *testing.T, err error) {
			if err == nil || !strings.Contains(err.Error(), "invalid character") {
				t.Errorf("garbage: %v, want a JSON decoding error", err)
			}
		}},
		{"cut", "x", func(t *testing.T, err error) {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("cut: %v, want unexpected EOF", err)
			}
		}},
	}
	for _, tt := range tests {
		_, err := c.Embed(ctxT(t), &api.EmbedRequest{Model: tt.model, Input: tt.input})
		tt.check(t, err)
	}
}

func TestEmbedHangEndsWithTheClientsDeadline(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"e": {Embed: true, Misbehave: &ollamatest.Misbehave{Hang: true}}}))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := c.Embed(ctx, &api.EmbedRequest{Model: "e", Input: "x"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
}

func TestBadRequestBodies(t *testing.T) {
	srv, _ := start(t, models(map[string]*ollamatest.Model{"m": {Replies: []string{"x"}}}))
	for _, path := range []string{"/api/chat", "/api/embed", "/api/show", "/api/pull"} {
		for body, want := range map[string]string{"": "missing request body", "{not json": "invalid character"} {
			resp, err := http.Post(srv.URL()+path, "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			got := readBody(t, resp)
			if resp.StatusCode != 400 || !strings.Contains(got, want) || !strings.HasPrefix(got, `{"error":`) {
				t.Errorf("POST %s %q = %d %s, want 400 {\"error\": ...%s...}", path, body, resp.StatusCode, got, want)
			}
		}
	}
}

func TestLegacyEmbeddings(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"e": {Embed: true, EmbedDim: 32}, "absent": {Embed: true, Missing: true}}))
	ctx := ctxT(t)
	resp, err := c.Embeddings(ctx, &api.EmbeddingRequest{Model: "e", Prompt: "reslice to drop bounds checks"})
	if err != nil {
		t.Fatalf("Embeddings: %v", err)
	}
	want := ollamatest.Embedding("reslice to drop bounds checks", 32)
	if len(resp.Embedding) != 32 || float32(resp.Embedding[5]) != want[5] {
		t.Errorf("legacy embedding = %v, want the /api/embed vector as float64", resp.Embedding)
	}
	if empty, err := c.Embeddings(ctx, &api.EmbeddingRequest{Model: "e"}); err != nil || len(empty.Embedding) != 0 {
		t.Errorf("empty prompt: %v, %v; want an empty vector (it only loads the model)", empty, err)
	}
	_, err = c.Embeddings(ctx, &api.EmbeddingRequest{Model: "absent", Prompt: "x"})
	wantStatus(404, "not found")(t, err)
}
