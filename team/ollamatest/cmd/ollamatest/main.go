// Command ollamatest runs the scripted Ollama-compatible server standalone;
// it is the same code as the hidden `lessonl ollamatest` subcommand.
//
//	go run ./team/ollamatest/cmd/ollamatest --script FILE [--addr 127.0.0.1:11434] [--exit-on-stdin-close]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/lessonl/lessonl/team/ollamatest"
)

func main() {
	fs := flag.NewFlagSet("ollamatest", flag.ContinueOnError)
	f := ollamatest.RegisterFlags(fs)
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "ollamatest: unexpected arguments %q; the script is given with --script FILE\n", fs.Args())
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := ollamatest.Serve(ctx, f, os.Stdin, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "ollamatest:", err)
		if errors.Is(err, ollamatest.ErrNoScript) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
