package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/lessonl/lessonl/exec/sandbox"
	"github.com/lessonl/lessonl/internal/ollamatest"
)

// TestDoctor runs the real checks of `lessonl doctor` against this machine,
// with the environment of each case changed the way a user's could be: tools
// missing from PATH, Ollama down or hanging or lacking a model, a store that
// cannot be written. Each case runs with --json (statuses asserted) and as
// text (the fix lines and the verdict a person reads).
func TestDoctor(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the real checks (go, compilers, bwrap)")
	}
	realPath := os.Getenv("PATH")
	tools := []string{"go", "gcc", "g++", "objcopy", "bwrap", "prlimit"}
	// pathWithout makes a PATH directory of symlinks to every tool but the
	// named ones.
	pathWithout := func(t *testing.T, drop ...string) string {
		dir := t.TempDir()
		for _, tool := range tools {
			if slices.Contains(drop, tool) {
				continue
			}
			if p, err := osexec.LookPath(tool); err == nil {
				if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
					t.Fatal(err)
				}
			}
		}
		return dir
	}
	// What this machine has, so expectations hold wherever the test runs.
	has := func(tool string) bool { _, err := osexec.LookPath(tool); return err == nil }
	okIf := func(b bool) string {
		if b {
			return "ok"
		}
		return "warn"
	}
	sandboxWorks := sandbox.New(sandbox.Options{}).Enabled()

	ollama := ollamatest.New(ollamatest.Script{Version: "0.17.4", Models: map[string]*ollamatest.Model{
		"coder-a:1b":      {Replies: []string{"x"}},
		"coder-b:3b":      {Replies: []string{"x"}},
		"untagged:latest": {Replies: []string{"x"}},
	}})
	t.Cleanup(ollama.Close)
	closedPort := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return addr
	}
	hangingOllama := func(t *testing.T) string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var conns []net.Conn
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				conns = append(conns, c) // accepted, never answered
			}
		}()
		t.Cleanup(func() {
			ln.Close()
			<-done
			for _, c := range conns {
				c.Close()
			}
		})
		return ln.Addr().String()
	}
	fileAsParent := func(t *testing.T) string {
		f := filepath.Join(t.TempDir(), "a-file")
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(f, "store")
	}

	cases := []struct {
		name string
		env  func(t *testing.T) map[string]string
		args []string
		exit int
		want map[string]string // check name -> status
		text []string          // substrings of the text output
	}{
		{
			name: "everything here, Ollama with the team's models",
			env: func(t *testing.T) map[string]string {
				return map[string]string{"OLLAMA_HOST": ollama.URL(), "LESSONL_MODELS": "coder-a:1b,coder-b:3b,untagged", "LESSONL_HOME": t.TempDir()}
			},
			want: map[string]string{"go": "ok", "gcc": okIf(has("gcc")), "g++": okIf(has("g++")), "objcopy": okIf(has("objcopy")), "sandbox": okIf(sandboxWorks), "store": "ok", "ollama": "ok", "models": "ok"},
			text: []string{"Ollama 0.17.4 at " + ollama.URL(), "pulled: coder-a:1b, coder-b:3b, untagged", "(writable)"},
		},
		{
			name: "a model not pulled",
			env: func(t *testing.T) map[string]string {
				return map[string]string{"OLLAMA_HOST": ollama.URL(), "LESSONL_MODELS": "coder-a:1b,coder-c:7b"}
			},
			want: map[string]string{"go": "ok", "ollama": "ok", "models": "warn"},
			text: []string{"not pulled: coder-c:7b@" + ollama.URL(), "fix: ollama pull coder-c:7b", "can work here"},
		},
		{
			name: "a model on a host of its own that is down",
			env: func(t *testing.T) map[string]string {
				return map[string]string{"OLLAMA_HOST": ollama.URL(), "LESSONL_MODELS": "coder-a:1b,coder-b:3b@" + closedPort(t)}
			},
			want: map[string]string{"go": "ok", "ollama": "warn", "models": "skipped"},
			text: []string{"reachable: Ollama 0.17.4 at " + ollama.URL(), "connection refused"},
		},
		{
			name: "Ollama not running",
			env: func(t *testing.T) map[string]string {
				return map[string]string{"OLLAMA_HOST": closedPort(t)}
			},
			want: map[string]string{"go": "ok", "ollama": "warn", "models": "skipped"},
			text: []string{"not reachable", "fix: start it with `ollama serve`", "measure works without it"},
		},
		{
			name: "Ollama hangs",
			env: func(t *testing.T) map[string]string {
				return map[string]string{"OLLAMA_HOST": hangingOllama(t)}
			},
			want: map[string]string{"ollama": "warn"},
			text: []string{"no answer within 2s"},
		},
		{
			name: "no go on PATH",
			env: func(t *testing.T) map[string]string {
				return map[string]string{"PATH": pathWithout(t, "go"), "OLLAMA_HOST": closedPort(t)}
			},
			exit: 1,
			want: map[string]string{"go": "fail", "store": "ok"},
			text: []string{"go not found on PATH", "fix: install Go from https://go.dev/dl/", "lessonl cannot work here: fix go"},
		},
		{
			name: "no bwrap on PATH: not sandboxed, still usable",
			env: func(t *testing.T) map[string]string {
				return map[string]string{"PATH": pathWithout(t, "bwrap"), "OLLAMA_HOST": closedPort(t)}
			},
			want: map[string]string{"go": "ok", "sandbox": "warn"},
			text: []string{"not sandboxed: bwrap not found", "fix: apt-get install bubblewrap", "can work here"},
		},
		{
			name: "no compilers on PATH",
			env: func(t *testing.T) map[string]string {
				return map[string]string{"PATH": pathWithout(t, "gcc", "g++", "objcopy"), "OLLAMA_HOST": closedPort(t)}
			},
			want: map[string]string{"go": "ok", "gcc": "warn", "g++": "warn", "objcopy": "warn"},
			text: []string{"fix: apt-get install g++", "objcopy not found: C functions cannot be measured", "fix: apt-get install binutils"},
		},
		{
			name: "store cannot be created",
			env: func(t *testing.T) map[string]string {
				return map[string]string{"LESSONL_HOME": fileAsParent(t), "OLLAMA_HOST": closedPort(t)}
			},
			exit: 1,
			want: map[string]string{"go": "ok", "store": "fail"},
			text: []string{"is not a directory", "fix: set LESSONL_HOME", "cannot work here: fix store"},
		},
		{
			name: "--store overrides LESSONL_HOME",
			env: func(t *testing.T) map[string]string {
				return map[string]string{"LESSONL_HOME": fileAsParent(t), "OLLAMA_HOST": closedPort(t)}
			},
			args: []string{"--store", "STORE"}, // replaced by a fresh directory
			want: map[string]string{"store": "ok"},
			text: []string{"will be created on first use"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("PATH", realPath)
			t.Setenv("LESSONL_MODELS", "")
			for k, v := range tc.env(t) {
				t.Setenv(k, v)
			}
			args := append([]string{"doctor"}, tc.args...)
			for i, a := range args {
				if a == "STORE" {
					args[i] = filepath.Join(t.TempDir(), "new", "store")
				}
			}

			var out, errb bytes.Buffer
			if code := run(context.Background(), append(args, "--json"), &out, &errb); code != tc.exit {
				t.Errorf("exit %d, want %d; stderr: %s", code, tc.exit, errb.String())
			}
			var rep doctorReport
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("--json output does not parse: %v\n%s", err, out.String())
			}
			if rep.OK != (tc.exit == 0) {
				t.Errorf("ok = %v with exit %d", rep.OK, tc.exit)
			}
			got := map[string]doctorCheck{}
			var names []string
			for _, c := range rep.Checks {
				got[c.Name] = c
				names = append(names, c.Name)
				if c.Status != "ok" && c.Status != "skipped" && c.Fix == "" {
					t.Errorf("check %s is %s with no fix: %s", c.Name, c.Status, c.Detail)
				}
			}
			if want := "go gcc g++ objcopy sandbox limits store ollama models"; strings.Join(names, " ") != want {
				t.Errorf("checks %v, want %s", names, want)
			}
			for name, status := range tc.want {
				if got[name].Status != status {
					t.Errorf("%s: status %q (%s), want %q", name, got[name].Status, got[name].Detail, status)
				}
			}

			out.Reset()
			if code := run(context.Background(), args, &out, &errb); code != tc.exit {
				t.Errorf("text: exit %d, want %d", code, tc.exit)
			}
			for _, s := range tc.text {
				if !strings.Contains(out.String(), s) {
					t.Errorf("text output lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
}

func TestDoctorUsage(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"doctor", "extra"}, &out, &errb); code != 2 {
		t.Errorf("doctor extra: exit %d, want 2 (usage)", code)
	}
	if code := run(context.Background(), []string{"doctor", "--bogus"}, &out, &errb); code != 2 {
		t.Errorf("doctor --bogus: exit %d, want 2 (usage)", code)
	}
}
