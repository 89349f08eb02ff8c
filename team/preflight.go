package team

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/vectorbank"
)

// PullProgress reports a model download.
type PullProgress struct {
	Model, Host, Status string
	Completed, Total    int64
}

// Preflight checks that every agent's host answers and has its model, and
// that the model can chat (an embedding model cannot be an agent). A
// missing model is pulled when pull is non-nil and returns true for it
// (progress goes to onPull); otherwise the error names the `ollama pull`
// command. Errors say which host and what to do.
func Preflight(ctx context.Context, agents []Agent, pull func(model, host string) bool, onPull func(PullProgress)) error {
	var cl clients
	seen := map[string]bool{}
	for _, a := range agents {
		host := hostOf(a)
		c, err := cl.get(host)
		if err != nil {
			return err
		}
		if !seen[host] {
			seen[host] = true
			vctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			_, err := c.Version(vctx)
			cancel()
			if err != nil {
				return &UnreachableError{Host: host, Err: err}
			}
		}
		mi, err := show(ctx, c, a.Model)
		if err == nil {
			if mi.lacks("completion") {
				return capabilityError(a.Model, host, "completion", mi.caps)
			}
			continue
		}
		var se api.StatusError
		if !errors.As(err, &se) || se.StatusCode != http.StatusNotFound {
			return fmt.Errorf("couldn't ask %s about model %s: %w", host, a.Model, err)
		}
		if pull == nil || !pull(a.Model, host) {
			return fmt.Errorf("model %s is not available at %s: run `ollama pull %s` (or pass --pull)", a.Model, host, a.Model)
		}
		err = c.Pull(ctx, &api.PullRequest{Model: a.Model}, func(p api.ProgressResponse) error {
			if onPull != nil {
				onPull(PullProgress{Model: a.Model, Host: host, Status: p.Status, Completed: p.Completed, Total: p.Total})
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("couldn't pull %s at %s (is that machine offline? pull it there with `ollama pull %s`): %w", a.Model, host, a.Model, err)
		}
	}
	return nil
}

// UnreachableError says no Ollama answered at Host.
type UnreachableError struct {
	Host string
	Err  error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("Ollama is not reachable at %s: start it with `ollama serve` (or set OLLAMA_HOST / --host to a running one): %v", e.Host, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

func sortLessons(ls []vectorbank.Lesson) {
	sort.Slice(ls, func(i, j int) bool { return ls[i].ID < ls[j].ID })
}
