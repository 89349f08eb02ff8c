package vectorbank

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// openT opens a store with the default embedder and closes it after the test.
func openT(t testing.TB, dir string) *Bank {
	t.Helper()
	b, err := Open(dir, NewHashEmbedder())
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// openOllamaT opens a fresh store embedding with a (scripted) Ollama model.
func openOllamaT(t testing.TB, host, model string) *Bank {
	t.Helper()
	b, err := Open(t.TempDir(), NewOllamaEmbedder(host, model))
	if err != nil {
		t.Fatalf("Open with ollama:%s: %v", model, err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// addT adds a lesson; Outcome defaults to faster and Lang to go so that
// fixtures only say what matters to them.
func addT(t testing.TB, b *Bank, l Lesson) Lesson {
	t.Helper()
	if l.Outcome == "" {
		l.Outcome = OutcomeFaster
	}
	if l.Lang == "" {
		l.Lang = "go"
	}
	if l.Created.IsZero() {
		l.Created = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	}
	got, err := b.Add(context.Background(), l)
	if err != nil {
		t.Fatalf("Add(%q): %v", l.Text, err)
	}
	return got
}

// logCapture collects slog output for assertions on warnings. Tests that
// use it must not run in parallel: slog's default logger is global.
type logCapture struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (c *logCapture) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.Write(p)
}

func (c *logCapture) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.buf.String()
}

func captureLogs(t *testing.T) *logCapture {
	t.Helper()
	c := &logCapture{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(c, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(old) })
	return c
}
