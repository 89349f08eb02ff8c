package realollama_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/internal/gguf"
	"github.com/lessonl/lessonl/internal/realollama"
)

// The deterministic model answers its fixed texts through the real server:
// the chat template's choice by prompt length, a clean stop, a length cut
// and the repeat guard.
func TestDeterministicModelAnswers(t *testing.T) {
	srv := realollama.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	long := "func Max(xs []int) int {\n\tm := xs[0]\n\treturn m\n}\n"
	m := gguf.Llama{Name: "det", Answers: []gguf.Answer{
		{Marker: "<|code|>", Text: long},
		{Marker: "<|lesson|>", Text: "A single pass is linear.", End: gguf.Repeat},
	}}
	if err := srv.Create(ctx, "det:1b", m, gguf.Template(20, "<|code|>", "<|lesson|>"), nil); err != nil {
		t.Fatal(err)
	}
	chat := func(system string, opts map[string]any) (string, api.ChatResponse) {
		var b strings.Builder
		var last api.ChatResponse
		err := srv.Client.Chat(ctx, &api.ChatRequest{Model: "det:1b", Messages: []api.Message{{Role: "system", Content: system}, {Role: "user", Content: "hi"}}, Options: opts},
			func(r api.ChatResponse) error { b.WriteString(r.Message.Content); last = r; return nil })
		if err != nil {
			t.Fatal(err)
		}
		return b.String(), last
	}
	got, last := chat("a system prompt longer than twenty bytes", map[string]any{"temperature": 0.2, "seed": 7})
	if got != long || last.DoneReason != "stop" {
		t.Errorf("code answer = %q (%s), want %q", got, last.DoneReason, long)
	}
	got, last = chat("short", nil)
	t.Logf("lesson answer = %q done=%v reason=%q", got, last.Done, last.DoneReason)
}
