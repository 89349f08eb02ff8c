package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/lessonl/lessonl/exec/sandbox"
	"github.com/lessonl/lessonl/optimize"
	"github.com/lessonl/lessonl/settings"
)

func init() {
	register(&command{
		name:    "doctor",
		summary: "check what lessonl needs here (go, compilers, sandbox, store, Ollama) and say how to fix it",
		run:     runDoctor,
	})
}

const doctorUsage = "[--json] [--models m1,m2,m3] [--host URL] [--store DIR]"

// ollamaTimeout bounds each request to an Ollama host: doctor must answer
// quickly even when a host is down or hangs.
const ollamaTimeout = 2 * time.Second

// Check statuses. A failed required check makes doctor exit 1.
const (
	statusOK      = "ok"
	statusWarn    = "warn"
	statusFail    = "fail"
	statusSkipped = "skipped"
)

// doctorCheck is one line of the report. JSON names are a contract.
type doctorCheck struct {
	Name     string `json:"name"`
	Status   string `json:"status"` // ok, warn, fail, skipped
	Required bool   `json:"required"`
	Detail   string `json:"detail"`
	Fix      string `json:"fix,omitempty"`
}

type doctorReport struct {
	OK      bool           `json:"ok"` // no required check failed
	Checks  []doctorCheck  `json:"checks"`
	Sandbox sandbox.Status `json:"sandbox"`
}

func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("doctor", doctorUsage, stderr)
	asJSON := fs.Bool("json", false, "print one JSON object instead of text")
	set := settings.FromEnv()
	settings.AddFlags(fs, &set, "models", "ollamaHost", "store")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected arguments %q; doctor takes only flags", pos)
	}
	store := set.StoreDir()

	// Ollama may take its full timeout per host: ask it while the local
	// checks run.
	remote := make(chan []doctorCheck, 1)
	go func() { remote <- checkOllama(ctx, set) }()

	rep := doctorReport{OK: true}
	rep.Checks = append(rep.Checks, checkGo(ctx))
	rep.Checks = append(rep.Checks, checkTool(ctx, "gcc", "apt-get install gcc"), checkTool(ctx, "g++", "apt-get install g++"))
	// The C driver hides every symbol of the two copies but their entries.
	objcopy := checkTool(ctx, "objcopy", "apt-get install binutils")
	if objcopy.Status != statusOK {
		objcopy.Detail = strings.Replace(objcopy.Detail, "C/C++ functions and cgo packages", "C functions", 1)
	}
	rep.Checks = append(rep.Checks, objcopy)
	sb := sandbox.New(sandbox.Options{})
	rep.Sandbox = sb.Status()
	rep.Checks = append(rep.Checks, checkSandbox(ctx, sb), checkLimits(rep.Sandbox))
	rep.Checks = append(rep.Checks, checkStore(store))
	rep.Checks = append(rep.Checks, <-remote...)
	for _, c := range rep.Checks {
		if c.Required && c.Status == statusFail {
			rep.OK = false
		}
	}

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		printDoctor(stdout, rep)
	}
	if !rep.OK {
		return exitCode(1)
	}
	return nil
}

func printDoctor(w io.Writer, rep doctorReport) {
	warnings := 0
	var failed []string
	for _, c := range rep.Checks {
		fmt.Fprintf(w, "%-7s %-8s %s\n", c.Status, c.Name, c.Detail)
		if c.Fix != "" && c.Status != statusOK {
			fmt.Fprintf(w, "%-7s %-8s fix: %s\n", "", "", c.Fix)
		}
		switch {
		case c.Status == statusWarn, c.Status == statusFail && !c.Required:
			warnings++
		case c.Status == statusFail:
			failed = append(failed, c.Name)
		}
	}
	switch {
	case len(failed) > 0:
		fmt.Fprintf(w, "\nlessonl cannot work here: fix %s (see above)\n", strings.Join(failed, ", "))
	case warnings > 0:
		fmt.Fprintf(w, "\nlessonl can work here, with %d warning(s) above\n", warnings)
	default:
		fmt.Fprintln(w, "\nlessonl is ready")
	}
}

// firstLine runs a command with a short timeout and returns its first line.
func firstLine(ctx context.Context, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	out, err := osexec.CommandContext(ctx, name, args...).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if err != nil {
		return line, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, line)
	}
	return line, nil
}

func checkGo(ctx context.Context) doctorCheck {
	c := doctorCheck{Name: "go", Required: true}
	p, err := osexec.LookPath("go")
	if err != nil {
		c.Status, c.Detail = statusFail, "go not found on PATH"
		c.Fix = "install Go from https://go.dev/dl/ (or apt-get install golang-go) and put its bin directory on PATH"
		return c
	}
	line, err := firstLine(ctx, p, "version")
	if err != nil {
		c.Status, c.Detail = statusFail, "go does not run: "+err.Error()
		c.Fix = "reinstall Go from https://go.dev/dl/"
		return c
	}
	c.Status = statusOK
	c.Detail = strings.TrimPrefix(line, "go version ") + " (" + p + ")"
	return c
}

// checkTool checks a C/C++ compiler: needed for C and C++ functions and for
// Go packages that use cgo, not for pure Go.
func checkTool(ctx context.Context, name, fix string) doctorCheck {
	c := doctorCheck{Name: name}
	p, err := osexec.LookPath(name)
	if err != nil {
		c.Status, c.Detail = statusWarn, name+" not found: C/C++ functions and cgo packages cannot be measured"
		c.Fix = fix
		return c
	}
	line, err := firstLine(ctx, p, "--version")
	if err != nil {
		c.Status, c.Detail, c.Fix = statusWarn, name+" does not run: "+err.Error(), fix
		return c
	}
	c.Status, c.Detail = statusOK, line+" ("+p+")"
	return c
}

func checkSandbox(ctx context.Context, sb *sandbox.Sandbox) doctorCheck {
	c := doctorCheck{Name: "sandbox"}
	st := sb.Status()
	if !sb.Enabled() {
		c.Status = statusWarn
		c.Detail = "not sandboxed: " + sb.Why() + "; variants run with rlimits and timeouts only"
		c.Fix = st.Fix
		return c
	}
	ver, err := firstLine(ctx, st.Bwrap, "--version")
	if err != nil {
		ver = "bwrap"
	}
	ns := "pid and network namespaces"
	if st.UserNS {
		ns = "user, pid and network namespaces"
	}
	c.Status = statusOK
	c.Detail = fmt.Sprintf("%s (%s): %s, read-only root, private /tmp, home hidden; Go build cache %s", ver, st.Bwrap, ns, st.CacheDir)
	return c
}

func checkLimits(st sandbox.Status) doctorCheck {
	c := doctorCheck{Name: "limits", Status: statusOK}
	c.Detail = st.Rlimits + "; processes: " + st.Processes
	var fixes []string
	if !st.RlimitsEnforced {
		c.Status = statusWarn
		fixes = append(fixes, "apt-get install util-linux (for prlimit)")
	}
	if !st.ProcessesCapped {
		c.Status = statusWarn
		fixes = append(fixes, "run lessonl as a normal user, or from a cgroup with the pids controller it can write")
	}
	c.Fix = strings.Join(fixes, "; ")
	return c
}

// checkStore checks the lesson store is writable, without creating it.
func checkStore(dir string) doctorCheck {
	c := doctorCheck{Name: "store", Required: true}
	fix := "set LESSONL_HOME (or --store) to a writable directory"
	abs, err := filepath.Abs(dir)
	if err != nil {
		c.Status, c.Detail, c.Fix = statusFail, fmt.Sprintf("%s: %v", dir, err), fix
		return c
	}
	fi, err := os.Stat(abs)
	switch {
	case err == nil && !fi.IsDir():
		c.Status, c.Detail, c.Fix = statusFail, abs+" is not a directory", fix
	case err == nil:
		f, err := os.CreateTemp(abs, ".doctor-*")
		if err != nil {
			c.Status, c.Detail, c.Fix = statusFail, abs+" is not writable: "+err.Error(), fix
			return c
		}
		f.Close()
		os.Remove(f.Name())
		c.Status, c.Detail = statusOK, abs+" (writable)"
	case errors.Is(err, os.ErrNotExist), errors.Is(err, syscall.ENOTDIR):
		// It will be created on first use: its nearest existing parent must
		// be a writable directory.
		parent := filepath.Dir(abs)
		for {
			pfi, err := os.Stat(parent)
			if err == nil {
				if !pfi.IsDir() {
					c.Status, c.Detail, c.Fix = statusFail, fmt.Sprintf("%s cannot be created: %s is not a directory", abs, parent), fix
					return c
				}
				break
			}
			if parent == filepath.Dir(parent) {
				break
			}
			parent = filepath.Dir(parent)
		}
		if err := syscall.Access(parent, 0x2 /* W_OK */); err != nil {
			c.Status, c.Detail, c.Fix = statusFail, fmt.Sprintf("%s cannot be created: %s is not writable", abs, parent), fix
			return c
		}
		c.Status, c.Detail = statusOK, abs+" (will be created on first use)"
	default:
		c.Status, c.Detail, c.Fix = statusFail, fmt.Sprintf("%s: %v", abs, err), fix
	}
	return c
}

// checkOllama asks every host of the team (--models, else the environment,
// else the default team, on --host or OLLAMA_HOST unless MODEL@HOST), and
// the default host, for its version and its models, as optimize's own
// preflight does. Ollama is a warning, never a failure: `lessonl measure`
// works without it.
func checkOllama(ctx context.Context, set settings.Settings) []doctorCheck {
	oc := doctorCheck{Name: "ollama"}
	mc := doctorCheck{Name: "models"}
	agents, err := set.Agents()
	if err != nil {
		mc.Status, mc.Detail, mc.Fix = statusWarn, err.Error(), "fix --models, --host, $"+settings.EnvModels+" or $"+settings.EnvHost
		agents = nil
	}
	var extra []string
	if h, err := set.OllamaHost(); err == nil {
		extra = append(extra, h)
	}
	var reached, down, missing []string
	for _, st := range optimize.Survey(ctx, agents, extra, ollamaTimeout) {
		switch {
		case st.Version == "":
			down = append(down, fmt.Sprintf("%s (%v)", st.Host, shortErr(st.Err)))
			continue
		case st.Err != nil:
			down = append(down, fmt.Sprintf("%s: %v", st.Host, shortErr(st.Err)))
			continue
		}
		reached = append(reached, fmt.Sprintf("Ollama %s at %s", st.Version, st.Host))
		missing = append(missing, st.Missing...)
	}

	switch {
	case len(down) == 0:
		oc.Status, oc.Detail = statusOK, strings.Join(reached, "; ")
	default:
		oc.Status = statusWarn
		oc.Detail = "not reachable: " + strings.Join(down, "; ")
		if len(reached) > 0 {
			oc.Detail += "; reachable: " + strings.Join(reached, "; ")
		}
		oc.Detail += " (optimize and serve need it; measure works without it)"
		oc.Fix = "start it with `ollama serve`, or set OLLAMA_HOST to a running one"
	}
	switch {
	case mc.Status != "":
	case len(agents) == 0:
		mc.Status, mc.Detail = statusSkipped, "no models configured"
	case len(missing) > 0:
		mc.Status = statusWarn
		mc.Detail = "not pulled: " + strings.Join(missing, ", ")
		var pulls []string
		for _, m := range missing {
			name, _, _ := strings.Cut(m, "@")
			pulls = append(pulls, "ollama pull "+name)
		}
		mc.Fix = strings.Join(pulls, "; ")
	case len(down) > 0:
		mc.Status, mc.Detail = statusSkipped, "not checked on hosts that are not reachable"
	default:
		names := make([]string, len(agents))
		for i, a := range agents {
			names[i] = a.Model
		}
		mc.Status, mc.Detail = statusOK, "pulled: "+strings.Join(names, ", ")
	}
	return []doctorCheck{oc, mc}
}

// shortErr trims the client's wrapped transport errors to their last part.
func shortErr(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no answer within %v", ollamaTimeout)
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}
