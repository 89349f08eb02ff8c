package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/lessonl/lessonl/team/ollamatest"
	"golang.org/x/tools/txtar"
)

// TestLessonsScripts runs the txtar scripts in testdata/lessons: each is a
// `lessonl lessons` session on a fresh store, its files extracted into $WORK.
//
// Scripts run in $WORK. Script lines (# starts a comment; '...' quotes words; $WORK, $OLLAMA and
// variables set by env expand):
//
//	[!] lessonl ARGS...   run the CLI in process; ! expects a non-zero exit
//	status N              the last run exited with N
//	[!] stdout REGEXP     the last run's stdout matches (multi-line mode)
//	[!] stderr REGEXP     likewise for stderr
//	cmp stdout|stderr F   the last output equals file F ($WORK written as $WORK)
//	env K=V               set an environment variable for the rest of the script
//	append F TEXT         append TEXT and a newline to file F
//	[!] exists F          file F exists
//	ollama MODEL DIM      start a scripted Ollama serving an embedding model; sets $OLLAMA
var updateScripts = flag.Bool("update-scripts", false, "rewrite the cmp files of testdata/lessons scripts with the actual output")

func TestLessonsScripts(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "lessons", "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata/lessons: %v", err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txtar"), func(t *testing.T) {
			runLessonsScript(t, file)
		})
	}
}

func runLessonsScript(t *testing.T, file string) {
	file, err := filepath.Abs(file) // the script runs in $WORK
	if err != nil {
		t.Fatal(err)
	}
	ar, err := txtar.ParseFile(file)
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	for _, f := range ar.Files {
		p := filepath.Join(work, f.Name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	vars := map[string]string{"WORK": work}
	t.Chdir(work)
	// A fresh machine: no store, no Ollama, the default store under $WORK.
	t.Setenv("HOME", filepath.Join(work, "home"))
	t.Setenv("XDG_DATA_HOME", "")
	t.Setenv("LESSONL_HOME", filepath.Join(work, "default-store"))
	t.Setenv("OLLAMA_HOST", "127.0.0.1:1")

	var stdout, stderr bytes.Buffer
	status := -1
	updated := false
	defer func() {
		if updated {
			if err := os.WriteFile(file, txtar.Format(ar), 0o644); err != nil {
				t.Error(err)
			}
		}
	}()
	for n, raw := range strings.Split(string(ar.Comment), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		where := fmt.Sprintf("%s:%d: %s", filepath.Base(file), n+1, line)
		neg := false
		if rest, ok := strings.CutPrefix(line, "! "); ok {
			neg, line = true, rest
		}
		words := splitScriptWords(line, func(k string) string { return vars[k] })
		if len(words) == 0 {
			continue
		}
		switch cmd, args := words[0], words[1:]; cmd {
		case "lessonl":
			stdout.Reset()
			stderr.Reset()
			status = run(context.Background(), args, &stdout, &stderr)
			if (status != 0) != neg {
				t.Fatalf("%s\nexit status %d\nstdout:\n%s\nstderr:\n%s", where, status, &stdout, &stderr)
			}
		case "status":
			if want, _ := strconv.Atoi(args[0]); status != want {
				t.Fatalf("%s\nexit status %d, want %d\nstderr:\n%s", where, status, want, &stderr)
			}
		case "stdout", "stderr":
			out := stdout.String()
			if cmd == "stderr" {
				out = stderr.String()
			}
			re, err := regexp.Compile("(?m)" + args[0])
			if err != nil {
				t.Fatalf("%s\n%v", where, err)
			}
			if re.MatchString(out) == neg {
				t.Fatalf("%s\n%s does not match as expected:\n%s", where, cmd, out)
			}
		case "cmp":
			out := stdout.String()
			if args[0] == "stderr" {
				out = stderr.String()
			}
			out = strings.ReplaceAll(out, work, "$WORK")
			want, err := os.ReadFile(filepath.Join(work, args[1]))
			if err != nil {
				t.Fatalf("%s\n%v", where, err)
			}
			if *updateScripts {
				for i := range ar.Files {
					if ar.Files[i].Name == args[1] {
						ar.Files[i].Data = []byte(out)
						updated = true
					}
				}
				continue
			}
			if out != string(want) {
				t.Fatalf("%s\n%s differs from %s\n--- got\n%s--- want\n%s", where, args[0], args[1], out, want)
			}
		case "env":
			k, v, _ := strings.Cut(args[0], "=")
			vars[k] = v
			t.Setenv(k, v)
		case "append":
			f, err := os.OpenFile(abs(work, args[0]), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
			if err == nil {
				_, err = f.WriteString(strings.Join(args[1:], " ") + "\n")
				f.Close()
			}
			if err != nil {
				t.Fatalf("%s\n%v", where, err)
			}
		case "exists":
			_, err := os.Stat(abs(work, args[0]))
			if (err == nil) == neg {
				t.Fatalf("%s\nexists: %v", where, err)
			}
		case "ollama":
			dim, _ := strconv.Atoi(args[1])
			srv := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{args[0]: {Embed: true, EmbedDim: dim}}})
			t.Cleanup(srv.Close)
			vars["OLLAMA"] = srv.URL()
		default:
			t.Fatalf("%s\nunknown script command %q", where, cmd)
		}
	}
}

func abs(work, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(work, p)
}

// splitScriptWords splits on spaces, keeps '...' together, and expands $VAR.
func splitScriptWords(line string, lookup func(string) string) []string {
	var words []string
	var cur strings.Builder
	inWord, quoted := false, false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\'':
			quoted = !quoted
			inWord = true
		case c == ' ' && !quoted:
			if inWord {
				words = append(words, os.Expand(cur.String(), lookup))
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, os.Expand(cur.String(), lookup))
	}
	return words
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
