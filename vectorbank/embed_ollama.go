package vectorbank

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ollama/ollama/api"
)

// DefaultEmbedTimeout bounds one embedding call to Ollama. The api client has
// no timeout of its own, and a local model loading on a busy laptop is slow.
const DefaultEmbedTimeout = 2 * time.Minute

// OllamaKeepAlive is the keep_alive of every Ollama call of a run, the
// embedder's and the team's alike: with one value, Ollama's eviction order
// is least recently used, and no model unloads mid-run.
const OllamaKeepAlive = 30 * time.Minute

// OllamaOption configures NewOllamaEmbedder.
type OllamaOption func(*ollamaEmbedder)

// WithEmbedTimeout bounds each embedding call (default DefaultEmbedTimeout).
func WithEmbedTimeout(d time.Duration) OllamaOption {
	return func(o *ollamaEmbedder) {
		if d > 0 {
			o.timeout = d
		}
	}
}

type ollamaEmbedder struct {
	model   string
	host    string
	client  *api.Client
	cerr    error
	timeout time.Duration

	mu  sync.Mutex
	dim int
}

// NewOllamaEmbedder embeds through an Ollama server's /api/embed with an
// embedding model (e.g. nomic-embed-text). host is a URL or host:port; empty
// means OLLAMA_HOST, else Ollama's default. The dimension is learned from the
// first call, so Dim is 0 until then. Errors surface at the first Embed.
func NewOllamaEmbedder(host, model string, opts ...OllamaOption) Embedder {
	o := &ollamaEmbedder{model: model, host: host, timeout: DefaultEmbedTimeout}
	for _, opt := range opts {
		opt(o)
	}
	if host == "" {
		o.client, o.cerr = api.ClientFromEnvironment()
	} else {
		u, err := parseHost(host)
		if err != nil {
			o.cerr = err
		} else {
			o.client = api.NewClient(u, http.DefaultClient)
		}
	}
	return o
}

func parseHost(host string) (*url.URL, error) {
	if !strings.Contains(host, "://") {
		host = "http://" + host
	}
	u, err := url.Parse(host)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("bad Ollama host %q: want a URL like http://127.0.0.1:11434 (set --ollama-host or OLLAMA_HOST)", host)
	}
	return u, nil
}

func (o *ollamaEmbedder) Name() string { return "ollama:" + o.model }

func (o *ollamaEmbedder) Dim() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.dim
}

func (o *ollamaEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if o.cerr != nil {
		return nil, o.cerr
	}
	if len(texts) == 0 {
		return nil, nil
	}
	ctx, cancel := context.WithTimeout(ctx, o.timeout)
	defer cancel()
	truncate := true
	keep := api.Duration{Duration: OllamaKeepAlive}
	resp, err := o.client.Embed(ctx, &api.EmbedRequest{Model: o.model, Input: texts, Truncate: &truncate, KeepAlive: &keep})
	if err != nil {
		return nil, o.explain(ctx, err)
	}
	if len(resp.Embeddings) != len(texts) {
		return nil, fmt.Errorf("ollama embedding model %s returned %d vectors for %d texts (is it an embedding model?)", o.model, len(resp.Embeddings), len(texts))
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, v := range resp.Embeddings {
		if len(v) == 0 {
			return nil, fmt.Errorf("ollama embedding model %s returned an empty vector (is it an embedding model?)", o.model)
		}
		if o.dim == 0 {
			o.dim = len(v)
		}
		if len(v) != o.dim {
			return nil, fmt.Errorf("ollama embedding model %s returned %d dims after %d (was the model replaced?)", o.model, len(v), o.dim)
		}
	}
	return resp.Embeddings, nil
}

// explain turns the usual failures into what to do about them.
func (o *ollamaEmbedder) explain(ctx context.Context, err error) error {
	var se api.StatusError
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return fmt.Errorf("ollama embedding with %s took longer than %s: %w (is the server overloaded? raise the timeout)", o.model, o.timeout, err)
	case errors.As(err, &se) && se.StatusCode == http.StatusNotFound:
		return fmt.Errorf("ollama has no model %s: %w (run `ollama pull %s`, or use --embedder hash)", o.model, err, o.model)
	case errors.As(err, &se):
		return fmt.Errorf("ollama embedding with %s failed: %w", o.model, err)
	default:
		return fmt.Errorf("couldn't reach ollama at %s for embeddings: %w (start it with `ollama serve`, set --ollama-host/OLLAMA_HOST, or use --embedder hash)", o.where(), err)
	}
}

func (o *ollamaEmbedder) where() string {
	if o.host != "" {
		return o.host
	}
	if h := os.Getenv("OLLAMA_HOST"); h != "" {
		return h
	}
	return "the default host"
}

// EmbedderByName makes an embedder from its name on the command line and in
// settings: "hash" (the default, also for "") or "ollama:MODEL".
func EmbedderByName(name, ollamaHost string) (Embedder, error) {
	switch {
	case name == "" || name == "hash":
		return NewHashEmbedder(), nil
	case strings.HasPrefix(name, "ollama:") && len(name) > len("ollama:"):
		return NewOllamaEmbedder(ollamaHost, strings.TrimPrefix(name, "ollama:")), nil
	default:
		return nil, fmt.Errorf("unknown embedder %q: use hash (built in, offline) or ollama:MODEL (e.g. ollama:nomic-embed-text)", name)
	}
}
