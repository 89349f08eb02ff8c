package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/lessonl/lessonl/server"
)

func init() {
	register(&command{
		name:    "serve",
		summary: "run the language server on stdin/stdout (point any LSP client at it)",
		run:     runServe,
	})
}

const serveUsage = "[--stdio] [--store DIR] [--log-level debug|info|warn|error]"

func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", serveUsage, stderr)
	store := fs.String("store", "", "lesson store directory when the editor's settings name none (default $LESSONL_HOME, else $XDG_DATA_HOME/lessonl, else ~/.local/share/lessonl)")
	level := fs.String("log-level", "info", "lowest level logged to stderr and to the editor's log: debug, info, warn or error")
	// LSP clients name the transport on the command line (vscode-languageclient
	// adds --stdio for TransportKind.stdio). stdio is the only one served; the
	// others are refused by name rather than as unknown flags.
	fs.Bool("stdio", true, "speak LSP on stdin/stdout (the only transport; accepted because LSP clients pass it)")
	pipe := fs.String("pipe", "", "not supported: the server speaks LSP on stdin/stdout only")
	socket := fs.String("socket", "", "not supported: the server speaks LSP on stdin/stdout only")
	fs.String("clientProcessId", "", "accepted and ignored: the server ends when the editor closes its stdin")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	for name, v := range map[string]string{"pipe": *pipe, "socket": *socket} {
		if v != "" {
			return usagef("--%s=%s: lessonl serve speaks LSP on stdin/stdout only; start it with --stdio (or no transport flag) and connect the editor to its stdin and stdout", name, v)
		}
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %q; the server speaks LSP on stdin/stdout", pos)
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(strings.ToLower(*level))); err != nil {
		return usagef("--log-level %q: want debug, info, warn or error", *level)
	}
	// stdout carries the protocol: logs go to stderr only.
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: lv}))
	slog.SetDefault(log)
	err = server.Serve(ctx, stdio{}, server.Options{Store: *store, Log: log, LogLevel: lv, Version: version})
	if errors.Is(err, server.ErrExitWithoutShutdown) {
		return exitCode(1)
	}
	return err
}

// stdio is the server's end of the pipe to the editor.
type stdio struct{}

func (stdio) Read(p []byte) (int, error)  { return os.Stdin.Read(p) }
func (stdio) Write(p []byte) (int, error) { return os.Stdout.Write(p) }
func (stdio) Close() error {
	os.Stdin.Close()
	return os.Stdout.Close()
}
