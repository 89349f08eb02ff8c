package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// The help lists ollamatest (README's "Try it without Ollama" runs it):
// TestHelp checks that; here, its words.
func TestOllamatestCommandChecksItsWords(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"ollamatest"}, "--script FILE is required"},
		{[]string{"ollamatest", "--script", "x.json", "extra"}, "unexpected arguments"},
		{[]string{"ollamatest", "--adr", "x"}, "flag provided but not defined"},
	}
	for _, tt := range tests {
		var stderr bytes.Buffer
		if code := run(context.Background(), tt.args, io.Discard, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("lessonl %v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr.String(), tt.want)
		}
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"ollamatest", "--script", "testdata/none.json"}, io.Discard, &stderr); code != 1 || !strings.Contains(stderr.String(), "couldn't read script") {
		t.Errorf("missing script file: exit %d, stderr %q; want 1 and the read error", code, stderr.String())
	}
}

// TestOllamatestCommandServesUntilCancelled runs the subcommand the way the
// editor tests do: read the URL from the first stdout line, talk to it, stop it.
func TestOllamatestCommandServesUntilCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdoutR, stdoutW := io.Pipe()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, []string{"ollamatest", "--script", "../../internal/ollamatest/testdata/example.json"}, stdoutW, io.Discard)
		stdoutW.Close()
	}()
	line, err := bufio.NewReader(stdoutR).ReadString('\n')
	if err != nil {
		t.Fatalf("first stdout line: %v", err)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "ollamatest listening on ")
	if !ok {
		t.Fatalf("first line = %q", line)
	}
	go io.Copy(io.Discard, stdoutR) //nolint:errcheck // nothing more is expected
	resp, err := http.Get(url + "/api/tags")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"qwen2.5-coder:7b"`) {
		t.Errorf("/api/tags = %s, want the example's models", body)
	}
	cancel() // what SIGTERM/SIGINT do through main's signal context
	select {
	case c := <-code:
		if c != 0 {
			t.Errorf("exit %d after cancel, want 0", c)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("lessonl ollamatest did not stop when its context ended")
	}
}
