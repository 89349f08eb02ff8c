package main

import (
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
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			runScript(t, file, inProcessCLI, func(work string) { freshMachine(t, work) })
		})
	}
}
