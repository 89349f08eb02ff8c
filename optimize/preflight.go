package optimize

import (
	"context"
	"errors"
	"fmt"
	"os"
	osexec "os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/internal/ollamahost"
	"github.com/lessonl/lessonl/team"
)

// Check refuses, before any model is called, a function the runner cannot
// measure here: an unsupported file, a function that is not there, a Go
// file outside a module, a missing compiler. The error says why and what to
// do. It returns the located function.
func Check(t exec.Target, measure exec.Options) (*exec.Func, error) {
	lang, ok := exec.LangOf(t.File)
	if !ok {
		return nil, fmt.Errorf("can't optimize %s: lessonl measures Go (.go) and C/C++ (.c, .h, .cc, .cpp, .cxx, .hpp) files; open one of those", t.File)
	}
	if t.Source == nil {
		if _, err := os.Stat(t.File); err != nil {
			return nil, fmt.Errorf("can't optimize %s: %w; check the path", t.File, err)
		}
	}
	f, err := exec.Locate(t)
	if err != nil {
		return nil, err
	}
	switch lang {
	case "go":
		if _, err := osexec.LookPath("go"); err != nil {
			return nil, fmt.Errorf("can't optimize %s: no Go toolchain (`go` is not on PATH); install Go 1.26 or later (https://go.dev/dl) and put its bin directory on PATH", t.File)
		}
		if os.Getenv("GO111MODULE") != "off" && moduleRoot(t.File) == "" {
			dir := filepath.Dir(t.File)
			return nil, fmt.Errorf("can't optimize %s: it is not in a Go module (no go.mod in its directory or above), so no variant could be built; run `go mod init example.com/%s` in %s, then optimize again",
				t.File, filepath.Base(dir), dir)
		}
	case "c", "cpp":
		compiler, err := exec.CompilerFor(t.File, measure)
		if err != nil {
			return nil, fmt.Errorf("can't optimize %s: %w", t.File, err)
		}
		if _, err := osexec.LookPath(compiler); err != nil {
			pkg := map[string]string{"c": "gcc", "cpp": "g++"}[lang]
			return nil, fmt.Errorf("can't optimize %s: the compiler %s is not on PATH; install it (e.g. `apt-get install %s`) or name another in lessonl.toml's [%s] compiler", t.File, compiler, pkg, lang)
		}
	}
	return f, nil
}

// moduleRoot is the directory of the go.mod above file, or "".
func moduleRoot(file string) string {
	abs, err := filepath.Abs(file)
	if err != nil {
		return ""
	}
	for d := filepath.Dir(abs); ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return ""
		}
	}
}

// UnreachableError says no Ollama answered at Host.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("Ollama is not reachable at %s (%v): install it (https://ollama.com/download), start it with `ollama serve`, "+
		"or point --host / OLLAMA_HOST (the \"ollamaHost\" setting in an editor) at a running one", e.Host, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// MissingError names every model of the team that its host does not have.
type MissingError struct{ Missing []string } // MODEL@HOST

func (e *MissingError) Error() string {
	var pulls []string
	for _, m := range e.Missing {
		name, _, _ := strings.Cut(m, "@")
		pulls = append(pulls, "`ollama pull "+name+"`")
	}
	return fmt.Sprintf("models not available: %s; run %s (or pass --pull)", strings.Join(e.Missing, ", "), strings.Join(pulls, " and "))
}

// HostStatus is what one Ollama host answered.
type HostStatus struct {
	Host    string
	Version string   // "" when it did not answer
	Err     error    // why it did not answer, or couldn't list
	Missing []string // the team's models it lacks
	Models  []string // the team's models it serves
}

// Survey asks every host of agents (and extra hosts) for its version and
// its models, each request bounded by timeout. doctor and CheckModels read
// the same answers.
func Survey(ctx context.Context, agents []team.Agent, extra []string, timeout time.Duration) []HostStatus {
	byHost := map[string][]string{}
	for _, h := range extra {
		byHost[h] = byHost[h]
	}
	for _, a := range agents {
		byHost[a.Host] = append(byHost[a.Host], a.Model)
	}
	hosts := make([]string, 0, len(byHost))
	for h := range byHost {
		hosts = append(hosts, h)
	}
	sort.Strings(hosts)
	var out []HostStatus
	for _, h := range hosts {
		st := HostStatus{Host: h}
		out = append(out, surveyHost(ctx, st, byHost[h], timeout))
	}
	return out
}

func surveyHost(ctx context.Context, st HostStatus, models []string, timeout time.Duration) HostStatus {
	c, err := ollamahost.NewClient(st.Host)
	if err != nil {
		st.Err = err
		return st
	}
	vctx, cancel := context.WithTimeout(ctx, timeout)
	v, err := c.Version(vctx)
	cancel()
	if err != nil {
		st.Err = err
		return st
	}
	st.Version = v
	if len(models) == 0 {
		return st
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	list, err := c.List(lctx)
	cancel()
	if err != nil {
		st.Err = fmt.Errorf("couldn't list models: %w", err)
		return st
	}
	have := map[string]bool{}
	for _, m := range list.Models {
		have[m.Name], have[m.Model] = true, true
	}
	for _, m := range models {
		if have[m] || !strings.Contains(m, ":") && have[m+":latest"] {
			st.Models = append(st.Models, m)
		} else {
			st.Missing = append(st.Missing, m+"@"+st.Host)
		}
	}
	return st
}

// CheckModels checks that every agent's host answers and has its model,
// naming every missing model at once. A missing model is pulled when pull
// says so (progress to onPull).
func CheckModels(ctx context.Context, agents []team.Agent, pull func(model, host string) bool, onPull func(team.PullProgress)) error {
	var missing []string
	want := map[string]bool{}
	for _, st := range Survey(ctx, agents, nil, 5*time.Second) {
		if ctx.Err() != nil {
			return ctx.Err() // interrupted, not unreachable
		}
		if st.Version == "" {
			return &UnreachableError{Host: st.Host, Err: st.Err}
		}
		if st.Err != nil {
			return fmt.Errorf("couldn't ask %s about its models: %w", st.Host, st.Err)
		}
		for _, m := range st.Missing {
			name, host, _ := strings.Cut(m, "@")
			if pull != nil && pull(name, host) {
				want[m] = true
			} else {
				missing = append(missing, m)
			}
		}
	}
	if len(missing) > 0 {
		return &MissingError{Missing: missing}
	}
	// team checks each model's capabilities (an embedding model cannot be
	// an agent) and pulls what was agreed to, with progress.
	err := team.Preflight(ctx, agents, func(model, host string) bool { return want[model+"@"+host] }, onPull)
	var ue *team.UnreachableError
	if errors.As(err, &ue) {
		return &UnreachableError{Host: ue.Host, Err: ue.Err}
	}
	return err
}
