package ollamatest_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

// syncBuffer is a bytes.Buffer safe to read while the server logs into it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// readURL reads the first stdout line and returns the URL it announces.
func readURL(t *testing.T, r io.Reader) string {
	t.Helper()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the first line: %v (got %q)", err, line)
	}
	url, ok := strings.CutPrefix(strings.TrimSpace(line), "ollamatest listening on ")
	if !ok || !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("first line = %q, want \"ollamatest listening on http://127.0.0.1:PORT\"", line)
	}
	return url
}

func TestServeUntilStdinCloses(t *testing.T) {
	fs := flag.NewFlagSet("ollamatest", flag.ContinueOnError)
	f := ollamatest.RegisterFlags(fs)
	if err := fs.Parse([]string{"--script", "testdata/example.json", "--exit-on-stdin-close"}); err != nil {
		t.Fatal(err)
	}
	stdinR, stdinW := io.Pipe()
	stdoutR, stdoutW := io.Pipe()
	var stderr syncBuffer
	done := make(chan error, 1)
	go func() { done <- ollamatest.Serve(context.Background(), f, stdinR, stdoutW, &stderr) }()
	url := readURL(t, stdoutR)
	go io.Copy(io.Discard, stdoutR) //nolint:errcheck // nothing more is expected

	c := client(t, url)
	if _, err := c.Show(ctxT(t), &api.ShowRequest{Model: "qwen2.5-coder:7b"}); err != nil {
		t.Fatalf("Show on the standalone server: %v", err)
	}
	if _, err := chat(ctxT(t), c, "deepseek-coder:6.7b", true, "", "Make this Go function faster."); err != nil {
		t.Fatal(err)
	}
	stdinW.Close()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve = %v after stdin closed, want nil", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Serve did not return after stdin closed")
	}
	log := stderr.String()
	if !strings.Contains(log, "path=/api/show") || !strings.Contains(log, "model=qwen2.5-coder:7b") || !strings.Contains(log, "status=200") ||
		!strings.Contains(log, "model=deepseek-coder:6.7b script=replies") || !strings.Contains(log, "script=replies") {
		t.Errorf("stderr log lacks the request:\n%s", log)
	}
	if err := c.Heartbeat(ctxT(t)); err == nil {
		t.Error("server still answers after Serve returned")
	}
}

func TestServeErrors(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := ollamatest.Serve(context.Background(), &ollamatest.Flags{}, nil, &out, &errOut); !errors.Is(err, ollamatest.ErrNoScript) {
		t.Errorf("no --script: %v, want ErrNoScript", err)
	}
	if err := ollamatest.Serve(context.Background(), &ollamatest.Flags{Script: "testdata/none.json"}, nil, &out, &errOut); err == nil || !strings.Contains(err.Error(), "couldn't read script") {
		t.Errorf("missing script: %v", err)
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q on failure, want nothing (tests read its first line)", out.String())
	}
}

// TestCommandExitsOnSIGTERM runs the real binary the way the language-server
// and editor tests do.
func TestCommandExitsOnSIGTERM(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	bin := filepath.Join(t.TempDir(), "lessonl")
	build := exec.Command("go", "build", "-o", bin, "github.com/lessonl/lessonl/cmd/lessonl")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "ollamatest", "--script", "testdata/example.json")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() //nolint:errcheck // already gone when the test passes
	url := readURL(t, stdout)
	chunks, err := chat(ctxT(t), client(t, url), "deepseek-coder:6.7b", true, "", "Make this Go function faster.")
	if err != nil || !strings.Contains(content(chunks), "func Sum") {
		t.Errorf("chat with the standalone server: %q, %v", content(chunks), err)
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("exit after SIGTERM: %v, want status 0\n%s", err, stderr.String())
	}

	bad := exec.Command(bin, "ollamatest")
	var badErr bytes.Buffer
	bad.Stderr = &badErr
	err = bad.Run()
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) || exitErr.ExitCode() != 2 || !strings.Contains(badErr.String(), "--script FILE is required") {
		t.Errorf("no --script: %v, stderr %q; want exit 2 naming --script", err, badErr.String())
	}
	_ = os.Remove(bin)
}

func TestAdminEndpointsForOtherProcesses(t *testing.T) {
	srv, c := start(t, models(map[string]*ollamatest.Model{"m": {Replies: []string{"before"}}}))
	ctx := ctxT(t)
	if _, err := chat(ctx, c, "m", true, "sys", "hello"); err != nil {
		t.Fatal(err)
	}
	reqs, err := ollamatest.FetchRequests(ctx, srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 || reqs[0].Path != "/api/chat" || reqs[0].Messages[1].Content != "hello" || reqs[0].Reply != "before" || reqs[0].Options["seed"] != float64(42) {
		t.Errorf("FetchRequests = %+v", reqs)
	}
	if err := ollamatest.PutScript(ctx, srv.URL(), models(map[string]*ollamatest.Model{"m": {Replies: []string{"after"}}})); err != nil {
		t.Fatal(err)
	}
	if ch, err := chat(ctx, c, "m", true, "", "x"); err != nil || content(ch) != "after" {
		t.Errorf("after PutScript: %q, %v", content(ch), err)
	}
	err = ollamatest.PutScript(ctx, srv.URL(), models(map[string]*ollamatest.Model{"m": {Rules: []ollamatest.Rule{{Regex: "("}}}}))
	if err == nil || !strings.Contains(err.Error(), "bad regex") {
		t.Errorf("PutScript with a bad regex: %v, want the server's validation error", err)
	}
	if _, err := ollamatest.FetchRequests(ctx, "http://127.0.0.1:1"); err == nil || !strings.Contains(err.Error(), "is `lessonl ollamatest` running") {
		t.Errorf("FetchRequests with nothing listening: %v", err)
	}
	if n := len(srv.Requests()); n != 2 {
		t.Errorf("admin calls were recorded: %d requests, want the 2 chats only", n)
	}
}
