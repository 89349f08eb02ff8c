package ollamatest

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
)

// Flags are the standalone server's flags, those of `lessonl ollamatest`.
type Flags struct {
	Script           string
	Addr             string
	ExitOnStdinClose bool
}

// RegisterFlags declares the flags on fs.
func RegisterFlags(fs *flag.FlagSet) *Flags {
	f := &Flags{}
	fs.StringVar(&f.Script, "script", "", "the JSON script to play (required), e.g. internal/ollamatest/testdata/example.json")
	fs.StringVar(&f.Addr, "addr", "127.0.0.1:0", "address to listen on; port 0 picks a free one (127.0.0.1:11434 stands in for a real Ollama)")
	fs.BoolVar(&f.ExitOnStdinClose, "exit-on-stdin-close", false, "exit when stdin closes, so a parent test process that dies takes the server with it")
	return f
}

// ErrNoScript is returned by Serve when --script is missing.
var ErrNoScript = errors.New("--script FILE is required, e.g. --script internal/ollamatest/testdata/example.json")

// Serve runs the server until ctx ends (SIGTERM/SIGINT in the commands) or,
// with ExitOnStdinClose, until stdin closes. Its first line on stdout is
// "ollamatest listening on URL", which tests read to find the port; each
// request is logged to stderr.
func Serve(ctx context.Context, f *Flags, stdin io.Reader, stdout, stderr io.Writer) error {
	if f.Script == "" {
		return ErrNoScript
	}
	sc, err := Load(f.Script)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	srv, err := Listen(f.Addr, sc, WithLogger(log))
	if err != nil {
		return err
	}
	defer srv.Close()
	if _, err := fmt.Fprintf(stdout, "ollamatest listening on %s\n", srv.URL()); err != nil {
		return fmt.Errorf("couldn't announce the address on stdout: %w", err)
	}
	log.Info("serving", "url", srv.URL(), "script", f.Script, "models", len(sc.Models))

	stdinClosed := make(chan struct{})
	if f.ExitOnStdinClose && stdin != nil {
		go func() {
			// Whatever arrives on stdin is ignored; only its end matters.
			r := bufio.NewReader(stdin)
			for {
				if _, err := r.ReadByte(); err != nil {
					close(stdinClosed)
					return
				}
			}
		}()
	}
	select {
	case <-ctx.Done():
		log.Info("stopping", "reason", "signal")
	case <-stdinClosed:
		log.Info("stopping", "reason", "stdin closed")
	}
	return nil
}
