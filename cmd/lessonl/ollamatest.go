package main

import (
	"context"
	"errors"
	"io"
	"os"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

// ollamatest runs the scripted Ollama-compatible server that the
// language-server and editor tests (and contributors without Ollama) use,
// from the one binary they already have.
func init() {
	register(&command{
		name:    "ollamatest",
		summary: "run a scripted Ollama-compatible server (for tests)",
		run:     runOllamatest,
	})
}

func runOllamatest(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("ollamatest", "--script FILE [--addr 127.0.0.1:0] [--exit-on-stdin-close]", stderr)
	f := ollamatest.RegisterFlags(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %q; the script is given with --script FILE", pos)
	}
	err = ollamatest.Serve(ctx, f, os.Stdin, stdout, stderr)
	if errors.Is(err, ollamatest.ErrNoScript) {
		return usagef("%v", err)
	}
	return err
}
