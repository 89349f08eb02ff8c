package realollama

import (
	"context"
	"fmt"

	"github.com/lessonl/lessonl/internal/gguf"
)

// Answers of the deterministic team on team/testdata/maxof's Max.
const (
	ScanVariant   = "Here:\n```go\nfunc Max(xs []int) int {\n\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\tm := xs[0]\n\tfor _, x := range xs[1:] {\n\t\tif x > m {\n\t\t\tm = x\n\t\t}\n\t}\n\treturn m\n}\n```\n"
	ZeroVariant   = "```go\nfunc Max(xs []int) int {\n\tm := 0\n\tfor _, x := range xs {\n\t\tif x > m {\n\t\t\tm = x\n\t\t}\n\t}\n\treturn m\n}\n```\n"
	BrokenVariant = "```go\nfunc Max(xs []int) int {\n\treturn maxOf(xs...)\n}\n```\n"
	// Unfinished never closes the function: it alternates two lines until
	// num_predict cuts it.
	Unfinished = "```go\nfunc Max(xs []int) int {\n\tm := 0\n\tm += 1\n\tm -= 1\n"

	ScanLesson   = "A single pass that keeps the running maximum needs no copy and no sort, so it runs in linear time."
	ZeroLesson   = "Starting the running maximum at zero is wrong when every element is negative."
	BrokenLesson = "The variant called an undefined helper maxOf, so it did not compile."
)

// systemThreshold tells the two system prompts of the team apart: the code
// prompt's is longer than 150 bytes, the lesson prompt's shorter.
const systemThreshold = 150

// TeamModel is a deterministic agent: code answers a code prompt, lesson a
// lesson prompt; end says how the code answer ends.
func TeamModel(name, code, lesson string, end gguf.End) gguf.Llama {
	return gguf.Llama{Name: name, Answers: []gguf.Answer{
		{Marker: "<|code|>", Text: code, End: end},
		{Marker: "<|lesson|>", Text: lesson},
	}}
}

// TeamTemplate is the chat template of TeamModel.
var TeamTemplate = gguf.Template(systemThreshold, "<|code|>", "<|lesson|>")

// CreateTeam creates fast:1b (faster), wrong:1b (incorrect), broken:1b
// (does not build) and, with embedder, emb (an embedding model).
func (s *Server) CreateTeam(ctx context.Context, embedder bool) error {
	for _, m := range []struct{ name, code, lesson string }{
		{"fast:1b", ScanVariant, ScanLesson},
		{"wrong:1b", ZeroVariant, ZeroLesson},
		{"broken:1b", BrokenVariant, BrokenLesson},
	} {
		if err := s.Create(ctx, m.name, TeamModel(m.name, m.code, m.lesson, gguf.Stop), TeamTemplate, nil); err != nil {
			return err
		}
	}
	if embedder {
		if err := s.Create(ctx, "emb", gguf.Llama{Name: "emb", Embedding: true}, "{{ .Prompt }}", nil); err != nil {
			return fmt.Errorf("embedding model: %w", err)
		}
	}
	return nil
}
