package ollamatest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

// BenchmarkChat measures one chat round trip through the real client: the
// scripted server's own share of a team run's critical path, which the
// orchestration-overhead benchmark of the team must not mistake for its own.
func BenchmarkChat(b *testing.B) {
	reply := "Here it is:\n```go\n" + strings.Repeat("\ts0 += xs[0] + xs[4]\n", 20) + "```\n" // ~100 tokens
	for _, stream := range []bool{true, false} {
		name := "stream"
		if !stream {
			name = "whole"
		}
		b.Run(name, func(b *testing.B) {
			srv := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{"m": {Replies: []string{reply}}}})
			defer srv.Close()
			c := client(b, srv.URL())
			req := &api.ChatRequest{Model: "m", Stream: &stream, Options: teamOptions,
				Messages: []api.Message{{Role: "user", Content: strings.Repeat("make it faster ", 200)}}}
			b.ReportAllocs()
			for b.Loop() {
				if err := c.Chat(context.Background(), req, func(api.ChatResponse) error { return nil }); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEmbed(b *testing.B) {
	srv := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{"e": {Embed: true, EmbedDim: 512}}})
	defer srv.Close()
	c := client(b, srv.URL())
	req := &api.EmbedRequest{Model: "e", Input: "Unrolling the loop into four independent accumulators breaks the dependency chain on one running total."}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.Embed(context.Background(), req); err != nil {
			b.Fatal(err)
		}
	}
}
