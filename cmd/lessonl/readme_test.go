package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

// TestREADMESample runs README's "Try it without Ollama" as written (the
// scripted server's script, the optimize command's words) and checks that
// the sample output there is what the command prints today: every line of
// it, with lesson IDs, timings and the server's port masked.
func TestREADMESample(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the README's example: three agents, two rounds, real measurements")
	}
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := string(readme)
	start := strings.Index(section, "### Try it without Ollama")
	if start < 0 {
		t.Fatal(`README has no "Try it without Ollama"`)
	}
	section = section[start:]
	blocks := regexp.MustCompile("(?s)```(sh)?\n(.*?)```").FindAllStringSubmatch(section, 2)
	if len(blocks) < 2 {
		t.Fatal("the section lacks its commands and its sample output")
	}
	cmds, sample := strings.Split(strings.TrimSpace(blocks[0][2]), "\n"), blocks[1][2]
	if len(cmds) != 4 || !strings.HasPrefix(cmds[0], "go build -o /tmp/lessonl ./cmd/lessonl") ||
		!strings.HasPrefix(cmds[3], "kill $!") {
		t.Fatalf("the commands do not build once, run the binary and stop it by its PID:\n%s", blocks[0][2])
	}
	serve := strings.Fields(cmds[1])
	if serve[0] != "/tmp/lessonl" || serve[1] != "ollamatest" || serve[2] != "--script" || serve[len(serve)-1] != "&" {
		t.Fatalf("unexpected server command %q", cmds[1])
	}
	sc, err := ollamatest.Load(filepath.Join("..", "..", serve[3]))
	if err != nil {
		t.Fatal(err)
	}
	srv := ollamatest.New(sc)
	defer srv.Close()
	args := strings.Fields(cmds[2])
	if args[0] != "/tmp/lessonl" || args[1] != "optimize" {
		t.Fatalf("unexpected optimize command %q", cmds[2])
	}
	t.Chdir(filepath.Join("..", ".."))
	t.Setenv("LESSONL_HOME", t.TempDir())
	t.Setenv("OLLAMA_HOST", srv.URL())
	t.Setenv("LESSONL_MODELS", "")
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), args[1:], &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	mask := func(s string) string {
		s = strings.ReplaceAll(s, srv.URL(), "http://127.0.0.1:11434")
		s = regexp.MustCompile(`\d+\.\d+`).ReplaceAllString(s, "N")
		s = regexp.MustCompile(`\b[0-9a-f]{8}\b`).ReplaceAllString(s, "ID")
		return strings.TrimRight(s, " ")
	}
	var got []string
	for _, l := range strings.Split(stdout.String(), "\n") {
		got = append(got, mask(l))
	}
	// Agents work at once, so events within a round come in any order:
	// every line must be there, wherever. "..." alone stands for lines
	// left out, a trailing " ..." for a line's end.
	for _, want := range strings.Split(strings.TrimRight(sample, "\n"), "\n") {
		if want == "..." || strings.TrimSpace(want) == "..." {
			continue
		}
		w := mask(want)
		prefix, short := strings.CutSuffix(w, " ...")
		found := false
		for _, g := range got {
			if g == w || short && strings.HasPrefix(g, prefix) {
				found = true
				break
			}
		}
		if !found {
			t.Errorf("README's sample line %q is not in today's output:\n%s", want, stdout.String())
		}
	}
}
