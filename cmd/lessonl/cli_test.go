package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLIScripts runs testdata/cli: the CLI as a new user meets it (its
// vocabulary, its help, where its Ollama host leads), in-process on a fresh
// machine: no store, no Ollama unless a script starts a scripted one.
func TestCLIScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "cli", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata/cli: %v", err)
	}
	cli := func(t *testing.T, work string, env map[string]string, args []string) (string, string, int) {
		for k, v := range env {
			t.Setenv(k, v)
		}
		var stdout, stderr bytes.Buffer
		status := run(context.Background(), args, &stdout, &stderr)
		return stdout.String(), stderr.String(), status
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			runScript(t, file, cli, func(work string) {
				t.Chdir(work)
				t.Setenv("HOME", filepath.Join(work, "home"))
				t.Setenv("XDG_DATA_HOME", "")
				t.Setenv("LESSONL_HOME", filepath.Join(work, "default-store"))
				t.Setenv("LESSONL_MODELS", "")
				t.Setenv("OLLAMA_HOST", "127.0.0.1:1")
			})
		})
	}
}
