package team

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/internal/ollamahost"
)

// DefaultHost is Ollama's address when neither the agent nor OLLAMA_HOST names one.
const DefaultHost = "http://127.0.0.1:11434"

// DefaultModels is the default team: three small code models that run on a
// laptop. The paper's team is deepseek-coder:6.7b, qwen2.5-coder:7b and
// qwen2.5-coder:14b.
var DefaultModels = []string{"qwen2.5-coder:1.5b", "deepseek-coder:1.3b", "qwen2.5-coder:3b"}

// ParseAgents parses the comma syntax of --models and the models setting:
// MODEL or MODEL@HOST, separated by commas. host fills agents without one.
func ParseAgents(spec, host string) ([]Agent, error) {
	var out []Agent
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, err := ParseAgent(part, host)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no models in %q: give MODEL or MODEL@HOST, comma-separated, e.g. qwen2.5-coder:7b,deepseek-coder:6.7b@http://gpu2:11434", spec)
	}
	return out, nil
}

// ParseAgent parses one MODEL or MODEL@HOST.
func ParseAgent(s, host string) (Agent, error) {
	model, h, found := strings.Cut(s, "@")
	model = strings.TrimSpace(model)
	if model == "" {
		return Agent{}, fmt.Errorf("agent %q has no model name: write MODEL or MODEL@HOST", s)
	}
	if !found {
		h = host
	}
	if h != "" {
		norm, err := NormalizeHost(h)
		if err != nil {
			return Agent{}, fmt.Errorf("agent %q: %w", s, err)
		}
		h = norm
	}
	return Agent{Model: model, Host: h}, nil
}

// NormalizeHost accepts what OLLAMA_HOST accepts (host, host:port, URL) and
// returns a URL with scheme and port, by ollamahost's one rule (Ollama's).
func NormalizeHost(h string) (string, error) { return ollamahost.Normalize(h) }

// hostOf resolves an agent's host: its own, else OLLAMA_HOST, else the default.
func hostOf(a Agent) string {
	if a.Host != "" {
		return a.Host
	}
	if env := os.Getenv("OLLAMA_HOST"); env != "" {
		if h, err := NormalizeHost(env); err == nil {
			return h
		}
	}
	return DefaultHost
}

// clients keeps one api.Client per host. The ollama client has no HTTP
// timeout of its own: every call here is bounded by its context.
type clients struct {
	mu sync.Mutex
	m  map[string]*api.Client
}

func (c *clients) get(host string) (*api.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cl, ok := c.m[host]; ok {
		return cl, nil
	}
	u, err := url.Parse(host)
	if err != nil {
		return nil, fmt.Errorf("bad Ollama host %q: %w", host, err)
	}
	if c.m == nil {
		c.m = map[string]*api.Client{}
	}
	cl := api.NewClient(u, http.DefaultClient)
	c.m[host] = cl
	return cl, nil
}

// chatOpts are the per-call knobs. Per model, num_ctx and keep_alive stay
// identical across a run's calls so Ollama never reloads the model mid-run.
type chatOpts struct {
	numPredict int
	numCtx     int
	seed       int
	onToken    func(tokens int, elapsed time.Duration)
}

// chatResult is a finished answer with its speed. Truncated answers (cut at
// num_predict, or a stream Ollama ended without its final message) keep
// their text: the caller decides what of it is usable.
type chatResult struct {
	Text         string
	Tokens       int
	TokensPerS   float64
	PromptTokens int    // prompt_eval_count: what the model really read
	Truncated    string // why the answer is incomplete; "" when it ended by itself
}

// errTooLong means the server refused a prompt longer than num_ctx (we send
// truncate: false, so it never drops the prompt's start silently).
var errTooLong = errors.New("the prompt is longer than the model's context")

// chat sends one conversation and streams the answer.
func (r *runner) chat(ctx context.Context, a Agent, msgs []api.Message, o chatOpts) (chatResult, error) {
	host := hostOf(a)
	cl, err := r.clients.get(host)
	if err != nil {
		return chatResult{}, err
	}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, r.cfg.CallTimeout)
	defer cancel()
	stream, no := true, false
	keep := api.Duration{Duration: r.cfg.KeepAlive}
	req := &api.ChatRequest{
		Model:     a.Model,
		Messages:  msgs,
		Stream:    &stream,
		KeepAlive: &keep,
		// Neither drop the prompt's start nor shift the context mid-answer:
		// prompts are fitted here, and an answer that fills the context is
		// cut with done_reason "length".
		Truncate: &no,
		Shift:    &no,
		Options: map[string]any{
			"temperature": 0.2,
			"seed":        o.seed,
			"num_ctx":     o.numCtx,
			"num_predict": o.numPredict,
		},
	}
	var (
		b      strings.Builder
		done   bool
		reason string
		chunks int
		res    chatResult
		start  = time.Now()
	)
	err = cl.Chat(ctx, req, func(resp api.ChatResponse) error {
		b.WriteString(resp.Message.Content)
		if resp.Message.Content != "" {
			chunks++
			if o.onToken != nil {
				o.onToken(chunks, time.Since(start))
			}
		}
		if resp.Done {
			done, reason = true, resp.DoneReason
			res.Tokens, res.PromptTokens = resp.EvalCount, resp.PromptEvalCount
			if resp.EvalDuration > 0 {
				res.TokensPerS = float64(resp.EvalCount) / resp.EvalDuration.Seconds()
			}
		}
		return nil
	})
	// The client swallows a read error mid-stream (it returns nil after a
	// partial answer), so a deadline is recognised by the context, not err.
	if !done && parent.Err() == nil && errors.Is(ctx.Err(), context.DeadlineExceeded) {
		msg := fmt.Sprintf("%s at %s did not answer within %s (raise the call timeout if the model is slow)", a.Model, host, r.cfg.CallTimeout)
		if chunks > 0 {
			msg = fmt.Sprintf("%s at %s did not finish its answer within %s (%d tokens so far; raise the call timeout if the model is slow)", a.Model, host, r.cfg.CallTimeout, chunks)
		}
		return chatResult{}, &TimeoutError{msg: msg}
	}
	switch {
	case err != nil:
		if strings.Contains(err.Error(), "exceeds the context length") {
			return chatResult{}, fmt.Errorf("%s at %s: %w (num_ctx %d): %v", a.Model, host, errTooLong, o.numCtx, err)
		}
		return chatResult{}, describeModelError(a.Model, host, err)
	case !done && chunks == 0:
		return chatResult{}, fmt.Errorf("%s at %s: the answer stream was cut before any token (did the server stop?)", a.Model, host)
	case !done:
		// Ollama's repeat guard ends a stream this way after 31 identical tokens.
		res.Truncated = fmt.Sprintf("the stream ended after %d tokens without Ollama's final message (its repeat guard stops a model that repeats one token)", chunks)
		res.Tokens = chunks
	case reason == "length":
		res.Truncated = fmt.Sprintf("cut at num_predict (%d tokens)", o.numPredict)
	}
	if res.Tokens == 0 {
		res.Tokens = chunks
	}
	res.Text = b.String()
	return res, nil
}

// TimeoutError is a model call that ran out of its time.
type TimeoutError struct{ msg string }

func (e *TimeoutError) Error() string { return e.msg }

// describeModelError turns transport and status errors into what to do.
func describeModelError(model, host string, err error) error {
	var se api.StatusError
	if errors.As(err, &se) {
		if se.StatusCode == http.StatusNotFound {
			return fmt.Errorf("model %s is not available at %s: run `ollama pull %s` (or pass --pull): %w", model, host, model, err)
		}
		return fmt.Errorf("%s at %s answered HTTP %d: %w", model, host, se.StatusCode, err)
	}
	if isConnRefused(err) {
		return fmt.Errorf("Ollama is not reachable at %s: start it with `ollama serve`, or point OLLAMA_HOST/--host at a running one: %w", host, err)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "connection reset") {
		return fmt.Errorf("Ollama at %s closed the connection during %s's answer (did the server stop or crash? check its log, restart it with `ollama serve`): %w", host, model, err)
	}
	return fmt.Errorf("%s at %s: %w", model, host, err)
}

func isConnRefused(err error) bool {
	s := err.Error()
	return strings.Contains(s, "connection refused") || strings.Contains(s, "no such host") || strings.Contains(s, "connect: ")
}
