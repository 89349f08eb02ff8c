package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestServeFlags(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"serve", "--log-level", "loud"}, 2, `--log-level "loud": want debug, info, warn or error`},
		{[]string{"serve", "extra"}, 2, "speaks LSP on stdin/stdout"},
		{[]string{"serve", "-h"}, 0, "--store"},
		{[]string{"serve", "--pipe=/tmp/lsp.sock"}, 2, "--pipe=/tmp/lsp.sock: lessonl serve speaks LSP on stdin/stdout only; start it with --stdio"},
		{[]string{"serve", "--socket=7000"}, 2, "--socket=7000: lessonl serve speaks LSP on stdin/stdout only"},
		{[]string{"serve", "--node-ipc"}, 2, "flag provided but not defined: -node-ipc"},
	}
	for _, tt := range tests {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), tt.args, &stdout, &stderr)
		if code != tt.code || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("lessonl %s: exit %d, stderr %q; want exit %d saying %q", strings.Join(tt.args, " "), code, stderr.String(), tt.code, tt.want)
		}
	}
}

// TestServeLifecycle runs the real binary as an editor does: the exit code
// follows the specification (0 after shutdown, 1 without), and a closed
// stdin (the editor died) stops the server.
func TestServeLifecycle(t *testing.T) {
	if testing.Short() {
		t.Skip("builds lessonl")
	}
	bin := filepath.Join(t.TempDir(), "lessonl")
	if out, err := osexec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("couldn't build lessonl: %v\n%s", err, out)
	}
	tests := []struct {
		name     string
		flags    []string
		messages []string // after initialize
		code     int
	}{
		{"shutdown then exit", nil, []string{`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`, `{"jsonrpc":"2.0","method":"exit"}`}, 0},
		// vscode-languageclient's TransportKind.stdio appends --stdio.
		{"--stdio as VS Code passes it", []string{"--stdio"}, []string{`{"jsonrpc":"2.0","id":2,"method":"shutdown"}`, `{"jsonrpc":"2.0","method":"exit"}`}, 0},
		{"exit without shutdown", nil, []string{`{"jsonrpc":"2.0","method":"exit"}`}, 1},
		{"stdin closed", nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			args := append([]string{"serve", "--store", t.TempDir(), "--log-level", "debug"}, tt.flags...)
			cmd := osexec.CommandContext(ctx, bin, args...)
			stdin, _ := cmd.StdinPipe()
			stdout, _ := cmd.StdoutPipe()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			send := func(body string) {
				fmt.Fprintf(stdin, "Content-Length: %d\r\n\r\n%s", len(body), body)
			}
			send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"capabilities":{},"clientInfo":{"name":"serve_test"}}}`)
			r := bufio.NewReader(stdout)
			if res := readResponse(t, r, 1); !strings.Contains(res, `"name":"lessonl"`) {
				t.Fatalf("initialize answered %s", res)
			}
			for _, m := range tt.messages {
				send(m)
			}
			if tt.messages == nil {
				stdin.Close()
			}
			go io.Copy(io.Discard, r)
			err := cmd.Wait()
			code := 0
			if ee, ok := err.(*osexec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			if !strings.Contains(stderr.String(), "initialized") {
				t.Errorf("no log on stderr:\n%s", stderr.String())
			}
		})
	}
}

// readResponse reads LSP frames until the response with the given id.
func readResponse(t *testing.T, r *bufio.Reader, id int) string {
	t.Helper()
	for {
		n := 0
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				t.Fatalf("reading a header: %v", err)
			}
			line = strings.TrimSpace(line)
			if line == "" {
				break
			}
			if v, ok := strings.CutPrefix(line, "Content-Length: "); ok {
				n, _ = strconv.Atoi(v)
			}
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(r, body); err != nil {
			t.Fatal(err)
		}
		var msg struct {
			ID *int `json:"id"`
		}
		json.Unmarshal(body, &msg)
		if msg.ID != nil && *msg.ID == id {
			return string(body)
		}
	}
}
