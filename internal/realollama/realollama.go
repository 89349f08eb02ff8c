// Package realollama runs a real Ollama server for tests, on models the
// tests write with internal/gguf. The server binary comes from
// scripts/ollama-build.sh (LESSONL_OLLAMA_BIN names it); tests skip with a
// message saying so when it is not set.
package realollama

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/internal/gguf"
)

// EnvBin names the environment variable holding the server binary's path.
const EnvBin = "LESSONL_OLLAMA_BIN"

// Server is one running `ollama serve` with its own model directory.
type Server struct {
	URL    string
	Client *api.Client
	cmd    *exec.Cmd
	log    *syncBuffer
	done   chan struct{}
}

// Bin returns the server binary or skips the test.
func Bin(t testing.TB) string {
	t.Helper()
	bin := os.Getenv(EnvBin)
	if bin == "" {
		t.Skipf("%s is not set: build the real Ollama with scripts/ollama-build.sh and set %s to the path it prints (scripts/test.sh does both)", EnvBin, EnvBin)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("%s=%s: %v", EnvBin, bin, err)
	}
	return bin
}

// Start runs the server on a free port with an empty model directory under
// t.TempDir(); env adds variables (e.g. OLLAMA_MAX_LOADED_MODELS=2). The
// server stops when the test ends; its log is printed if the test failed.
func Start(t testing.TB, env ...string) *Server {
	t.Helper()
	bin := Bin(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	home := t.TempDir()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(),
		"OLLAMA_HOST="+addr, "HOME="+home, "OLLAMA_MODELS="+filepath.Join(home, "models"),
		"OLLAMA_NOPRUNE=1", "OLLAMA_DEBUG=1")
	cmd.Env = append(cmd.Env, env...)
	s := &Server{URL: "http://" + addr, cmd: cmd, log: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.log, s.log
	if err := cmd.Start(); err != nil {
		t.Fatalf("couldn't start %s serve: %v", bin, err)
	}
	go func() { cmd.Wait(); close(s.done) }() //nolint:errcheck // the exit is seen through done
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("ollama serve log (tail):\n%s", tail(s.log.String(), 60))
		}
	})
	u, _ := url.Parse(s.URL)
	s.Client = api.NewClient(u, http.DefaultClient)
	deadline := time.Now().Add(60 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_, err := s.Client.Version(ctx)
		cancel()
		if err == nil {
			return s
		}
		select {
		case <-s.done:
			t.Fatalf("ollama serve exited at start:\n%s", tail(s.log.String(), 40))
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("ollama serve did not answer within 60s: %v\n%s", err, tail(s.log.String(), 40))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Stop ends the server (SIGTERM, then SIGKILL after 10s). Safe to call twice.
func (s *Server) Stop() {
	select {
	case <-s.done:
		return
	default:
	}
	s.cmd.Process.Signal(os.Interrupt) //nolint:errcheck // it may be gone already
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill() //nolint:errcheck // last resort
		<-s.done
	}
}

// Log is what the server printed so far.
func (s *Server) Log() string { return s.log.String() }

// Create uploads the model's GGUF and creates it under name with template
// and parameters (num_thread 1 unless given: two threads spin on a busy
// 2-core machine).
func (s *Server) Create(ctx context.Context, name string, m gguf.Llama, template string, params map[string]any) error {
	f, err := m.File()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	digest := "sha256:" + hex.EncodeToString(sum[:])
	if err := s.Client.CreateBlob(ctx, digest, bytes.NewReader(buf.Bytes())); err != nil {
		return fmt.Errorf("couldn't upload %s's GGUF: %w", name, err)
	}
	p := map[string]any{"num_thread": 1}
	for k, v := range params {
		p[k] = v
	}
	stream := false
	req := &api.CreateRequest{Model: name, Files: map[string]string{"model.gguf": digest}, Template: template, Parameters: p, Stream: &stream}
	if err := s.Client.Create(ctx, req, func(api.ProgressResponse) error { return nil }); err != nil {
		return fmt.Errorf("couldn't create model %s: %w", name, err)
	}
	return nil
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
