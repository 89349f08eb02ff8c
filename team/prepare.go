package team

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/ollama/ollama/api"
)

// DefaultMaxLoaded is how many models Ollama keeps loaded when
// OLLAMA_MAX_LOADED_MODELS is not set (3 per GPU, 3 on CPU).
const DefaultMaxLoaded = 3

// modelInfo is what /api/show says about one model, as the run uses it.
type modelInfo struct {
	contextLen int      // the model's trained context length; 0 when unknown
	caps       []string // capabilities; empty when the server does not say
}

// show asks a host about a model.
func show(ctx context.Context, c *api.Client, model string) (modelInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := c.Show(ctx, &api.ShowRequest{Model: model})
	if err != nil {
		return modelInfo{}, err
	}
	var mi modelInfo
	for k, v := range resp.ModelInfo {
		if strings.HasSuffix(k, ".context_length") {
			if f, ok := v.(float64); ok {
				mi.contextLen = int(f)
			}
		}
	}
	for _, c := range resp.Capabilities {
		mi.caps = append(mi.caps, string(c))
	}
	return mi, nil
}

// lacks reports whether a model's known capabilities miss want.
func (mi modelInfo) lacks(want string) bool {
	return len(mi.caps) > 0 && !slices.Contains(mi.caps, want)
}

// capabilityError says a model cannot play the part it was given.
func capabilityError(model, host, want string, caps []string) error {
	if want == "completion" {
		return fmt.Errorf("model %s at %s cannot write code: its capabilities are %s, not completion (an embedding model?); pick a chat or code model for the team", model, host, strings.Join(caps, ", "))
	}
	return fmt.Errorf("model %s at %s cannot embed lessons: its capabilities are %s, not embedding; pick an embedding model (e.g. ollama:nomic-embed-text) or --embedder hash", model, host, strings.Join(caps, ", "))
}

// prepare is the run's own pre-run check: each agent's context length and
// capabilities, the embedder's model, and whether the team and embedder fit
// in what each host keeps loaded. Problems with an agent make only that
// agent fail; a broken embedder stops the run before any model is called.
func (r *runner) prepare(ctx context.Context) error {
	r.info = map[string]modelInfo{}
	r.agentErr = map[string]error{}
	models := map[string][]string{} // host -> distinct models this run loads there
	use := func(host, model string) {
		if !slices.Contains(models[host], model) {
			models[host] = append(models[host], model)
		}
	}
	for _, a := range r.cfg.Agents {
		host := hostOf(a)
		use(host, a.Model)
		cl, err := r.clients.get(host)
		if err != nil {
			r.agentErr[a.String()] = err
			continue
		}
		mi, err := show(ctx, cl, a.Model)
		if err != nil {
			continue // the model call reports it, with what to do
		}
		r.info[a.String()] = mi
		if mi.lacks("completion") {
			r.agentErr[a.String()] = capabilityError(a.Model, host, "completion", mi.caps)
		}
	}
	if name, _ := r.bank.Embedder(); strings.HasPrefix(name, "ollama:") {
		model := strings.TrimPrefix(name, "ollama:")
		host := hostOf(Agent{Host: r.cfg.EmbedHost})
		use(host, model)
		if err := r.checkEmbedder(ctx, host, model); err != nil {
			return err
		}
	}
	for host, ms := range models {
		limit := r.cfg.MaxLoaded
		if limit <= 0 {
			limit = DefaultMaxLoaded
			if cl, err := r.clients.get(host); err == nil {
				pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				if ps, err := cl.ListRunning(pctx); err == nil && len(ps.Models) > limit {
					limit = len(ps.Models) // evidently the server keeps more
				}
				cancel()
			}
		}
		if len(ms) > limit {
			r.sequential = true
			r.warn(-1, fmt.Sprintf("%s keeps %d models loaded (Ollama's default; OLLAMA_MAX_LOADED_MODELS raises it) but this run uses %d there (%s): the agents take turns, so each round reloads as few models as it can",
				host, limit, len(ms), strings.Join(ms, ", ")))
		}
	}
	return nil
}

// checkEmbedder makes sure an Ollama embedder's model is there and embeds.
func (r *runner) checkEmbedder(ctx context.Context, host, model string) error {
	cl, err := r.clients.get(host)
	if err != nil {
		return err
	}
	mi, err := show(ctx, cl, model)
	var se api.StatusError
	switch {
	case errors.As(err, &se) && se.StatusCode == http.StatusNotFound:
		return fmt.Errorf("the lesson embedder's model %s is not available at %s: run `ollama pull %s`, or use --embedder hash", model, host, model)
	case err != nil:
		return fmt.Errorf("couldn't check the lesson embedder's model %s at %s (is Ollama running there? or use --embedder hash): %w", model, host, err)
	case mi.lacks("embedding"):
		return capabilityError(model, host, "embedding", mi.caps)
	}
	return nil
}

// numCtx is the context window an agent's calls use: the model's own,
// capped by the run's setting.
func (r *runner) numCtx(a Agent) int {
	n := r.cfg.NumCtx
	if mi := r.info[a.String()]; mi.contextLen > 0 && mi.contextLen < n {
		n = mi.contextLen
	}
	return n
}
