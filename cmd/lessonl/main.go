// Command lessonl makes functions faster with a team of small local models
// that learn from each other (the LessonL method). See README.md.
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
)

// A command is one subcommand. Each lives in its own file and registers itself
// in init, so the subcommands can grow independently.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

var commands = map[string]*command{}

func register(c *command) { commands[c.name] = c }

// usageError makes main exit 2: the call's words were wrong.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

// exitCode lets a command choose its exit status without printing an error.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		printUsage(stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	if args[0] == "version" || args[0] == "--version" {
		fmt.Fprintln(stdout, "lessonl", version)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "lessonl: unknown command %q; run 'lessonl help' for the list\n", args[0])
		return 2
	}
	err := c.run(ctx, args[1:], stdout, stderr)
	var ue usageError
	var ec exitCode
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ec):
		return int(ec)
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "lessonl %s: %v\n", c.name, err)
		return 2
	default:
		fmt.Fprintf(stderr, "lessonl %s: %v\n", c.name, err)
		return 1
	}
}

const version = "0.1.0-dev"

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: lessonl COMMAND [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
	fmt.Fprintf(w, "  %-10s %s\n", "version", "print lessonl's version")
	fmt.Fprintln(w, "\nRun 'lessonl COMMAND -h' for a command's flags.")
}

// newFlags makes a FlagSet that reports errors instead of exiting, so every
// subcommand's usage errors exit 2 the same way.
func newFlags(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("lessonl "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: lessonl %s %s\n", name, usageLine(fs, usage))
		fs.PrintDefaults()
	}
	return fs
}

// usageLine is usage with every flag of fs it does not show yet, after its
// last bracketed flag: the usage line always shows all the flags.
func usageLine(fs *flag.FlagSet, usage string) string {
	var extra []string
	fs.VisitAll(func(f *flag.Flag) {
		if strings.Contains(usage, "--"+f.Name+" ") || strings.Contains(usage, "--"+f.Name+"]") || strings.Contains(usage, "--"+f.Name+"|") {
			return
		}
		if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
			extra = append(extra, "[--"+f.Name+"]")
			return
		}
		name, _ := flag.UnquoteUsage(f)
		extra = append(extra, "[--"+f.Name+" "+strings.ToUpper(cmp.Or(name, "value"))+"]")
	})
	if len(extra) == 0 {
		return usage
	}
	first, rest, _ := strings.Cut(usage, "\n")
	at := strings.LastIndex(first, "]") + 1
	line := strings.Join(extra, " ") + " " + first
	if at > 0 {
		line = first[:at] + " " + strings.Join(extra, " ") + first[at:]
	}
	if rest != "" {
		line += "\n" + rest
	}
	return line
}

// parseFlags parses args, allowing flags after positional arguments
// (`lessonl measure f.go:F v.go --json`), which scripts write either way.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError{err.Error()}
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}
