package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
)

// TestHelp: the top-level help lists every subcommand (and version), and
// every usage line shows all of its command's flags.
func TestHelp(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"help"}, &out, &out); code != 0 {
		t.Fatalf("help exited %d", code)
	}
	for name := range commands {
		if !regexp.MustCompile(`(?m)^  ` + name + ` +\S`).MatchString(out.String()) {
			t.Errorf("the help does not list %s:\n%s", name, out.String())
		}
	}
	if !strings.Contains(out.String(), "  version ") {
		t.Errorf("the help does not list version:\n%s", out.String())
	}

	calls := [][]string{{"bench", "compare", "-h"}}
	for name := range commands {
		if name != "lessons" {
			calls = append(calls, []string{name, "-h"})
		}
	}
	for _, s := range lessonsSubs {
		calls = append(calls, []string{"lessons", s.name, "-h"})
	}
	flagRE := regexp.MustCompile(`(?m)^  -(\S+)`)
	for _, args := range calls {
		var stdout, stderr bytes.Buffer
		if code := run(context.Background(), args, &stdout, &stderr); code != 0 {
			t.Errorf("%v exited %d: %s", args, code, stderr.String())
			continue
		}
		usage, _, _ := strings.Cut(stderr.String(), "\n")
		if !strings.HasPrefix(usage, "usage: lessonl ") {
			t.Errorf("%v: no usage line: %q", args, stderr.String())
			continue
		}
		flags := flagRE.FindAllStringSubmatch(stderr.String(), -1)
		if len(flags) == 0 {
			t.Errorf("%v lists no flags", args)
		}
		for _, m := range flags {
			if !regexp.MustCompile(`--` + regexp.QuoteMeta(m[1]) + `[ \]|]|--` + regexp.QuoteMeta(m[1]) + `$`).MatchString(usage) {
				t.Errorf("%v: the usage line does not show --%s: %s", args, m[1], usage)
			}
		}
		if strings.Contains(stderr.String(), "-store") && !strings.Contains(args[0], "bench") &&
			!strings.Contains(stderr.String(), "$LESSONL_HOME, else $XDG_DATA_HOME/lessonl, else ~/.local/share/lessonl") {
			t.Errorf("%v: --store does not give the full fallback chain:\n%s", args, stderr.String())
		}
	}
}
