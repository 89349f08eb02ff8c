package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestLessonsScripts runs the txtar scripts in testdata/lessons (the
// language is in script_test.go): each is a `lessonl lessons` session on a
// fresh machine, the CLI run in process.
func TestLessonsScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "lessons", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata/lessons: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			runScript(t, file, inProcessCLI, func(work string) { freshMachine(t, work) })
		})
	}
}

// inProcessCLI runs lessonl in this process, with the script's environment.
func inProcessCLI(t *testing.T, work string, env map[string]string, args []string) (string, string, int) {
	for k, v := range env {
		t.Setenv(k, v)
	}
	var stdout, stderr bytes.Buffer
	status := run(context.Background(), args, &stdout, &stderr)
	return stdout.String(), stderr.String(), status
}

// freshMachine moves into work and makes it a fresh machine: no store, no
// Ollama (a closed port), no team in the environment, the default store
// under work.
func freshMachine(t *testing.T, work string) {
	t.Chdir(work)
	t.Setenv("HOME", filepath.Join(work, "home"))
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("LESSONL_HOME", filepath.Join(work, "default-store"))
	t.Setenv("LESSONL_MODELS", "")
	t.Setenv("OLLAMA_HOST", "127.0.0.1:1")
}

// Exporting to a pipe or device writes through it: it must not be replaced
// by a regular file (as root, a rename would even replace /dev/null).
func TestLessonsExportToFIFO(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("no FIFOs here: %v", err)
	}
	got := make(chan []byte, 1)
	go func() {
		data, _ := os.ReadFile(fifo)
		got <- data
	}()
	var stdout, stderr bytes.Buffer
	store := filepath.Join(dir, "store")
	if code := run(context.Background(), []string{"lessons", "export", "--store", store, fifo}, &stdout, &stderr); code != 0 {
		t.Fatalf("export to a FIFO: exit %d: %s", code, &stderr)
	}
	<-got
	fi, err := os.Lstat(fifo)
	if err != nil || fi.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("the FIFO was replaced: %v, %v", fi.Mode(), err)
	}
	if !strings.Contains(stdout.String(), "exported 0 lessons") {
		t.Errorf("stdout %q", &stdout)
	}
}

// printable drops control characters (C0 but newline and tab, DEL, C1) and
// keeps every other character whole, even one split across two writes.
func TestPrintable(t *testing.T) {
	for _, tt := range []struct {
		writes []string
		want   string
	}{
		{[]string{"plain\ttext\n"}, "plain\ttext\n"},
		{[]string{"a\x1b]0;title\x07b\rc"}, "a]0;titlebc"},
		{[]string{"csi \u009b2J del \x7f."}, "csi 2J del ."},
		{[]string{"caf\xc3", "\xa9 \xe2\x82", "\xac"}, "café €"},
		{[]string{"C1 split \xc2", "\x9bJ"}, "C1 split J"},
		{[]string{"bad \xff byte"}, "bad \uFFFD byte"},
	} {
		var out strings.Builder
		p := &printable{w: &out}
		for _, w := range tt.writes {
			if n, err := p.Write([]byte(w)); err != nil || n != len(w) {
				t.Fatalf("Write(%q) = %d, %v", w, n, err)
			}
		}
		if out.String() != tt.want {
			t.Errorf("printable(%q) = %q, want %q", tt.writes, out.String(), tt.want)
		}
	}
}
