package ollamatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// DefaultMaxLoaded is how many models the server keeps loaded unless the
// script says otherwise: Ollama's default (OLLAMA_MAX_LOADED_MODELS unset).
const DefaultMaxLoaded = 3

// defaultNumCtx is the context a model loads with when a call sends no num_ctx.
const defaultNumCtx = 4096

// defaultKeepAlive is Ollama's keep_alive when a call sends none.
const defaultKeepAlive = 5 * time.Minute

// loadedModel is a model the server holds in memory, as Ollama's scheduler does.
type loadedModel struct {
	name      string
	numCtx    int
	keepAlive time.Duration
	digest    string
	expires   time.Time
	busy      int
}

// load makes a model resident for a call, as Ollama's scheduler does: a
// model loaded with another num_ctx reloads; a new one evicts, when the
// limit is reached, the idle model with the shortest keep_alive, ties broken
// by digest (Ollama orders by model path, which is the digest). It returns
// what happened, for the request log, and a release func. Call with s.mu held.
func (s *Server) load(key, name string, numCtx int, keepAlive time.Duration) (load, evicted string, release func()) {
	f := factsOf(name, s.script.models[key].m)
	lm := s.loaded[key]
	switch {
	case lm == nil:
		load = "load"
	case lm.numCtx != numCtx:
		load = fmt.Sprintf("reload: num_ctx %d -> %d", lm.numCtx, numCtx)
	}
	if lm == nil {
		limit := s.script.maxLoaded
		if len(s.loaded) >= limit {
			var cands []*loadedModel
			for k, o := range s.loaded {
				if k != key {
					cands = append(cands, o)
				}
			}
			sort.Slice(cands, func(i, j int) bool {
				a, b := cands[i], cands[j]
				if (a.busy == 0) != (b.busy == 0) {
					return a.busy == 0
				}
				if a.keepAlive != b.keepAlive {
					return a.keepAlive < b.keepAlive
				}
				return a.digest < b.digest
			})
			if len(cands) > 0 {
				evicted = cands[0].name
				delete(s.loaded, normalizeName(cands[0].name))
			}
		}
		lm = &loadedModel{name: name, digest: f.digest}
		s.loaded[key] = lm
	}
	if load != "" {
		s.loads = append(s.loads, ModelLoad{Model: name, NumCtx: numCtx, Reason: load, Evicted: evicted})
	}
	lm.numCtx, lm.keepAlive = numCtx, keepAlive
	lm.expires = time.Now().Add(keepAlive)
	lm.busy++
	return load, evicted, func() {
		s.mu.Lock()
		lm.busy--
		s.mu.Unlock()
	}
}

// ModelLoad is one model load (or reload) the server performed.
type ModelLoad struct {
	Model   string `json:"model"`
	NumCtx  int    `json:"num_ctx"`
	Reason  string `json:"reason"`            // "load" or "reload: num_ctx A -> B"
	Evicted string `json:"evicted,omitempty"` // the model unloaded to make room
}

// Loads returns every model load so far, in order.
func (s *Server) Loads() []ModelLoad {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]ModelLoad(nil), s.loads...)
}

// keepAliveOf reads keep_alive as Ollama does: a duration string, a number
// of seconds, or negative for forever; absent means Ollama's default.
func keepAliveOf(raw json.RawMessage) time.Duration {
	s := rawString(raw)
	if s == "" {
		return defaultKeepAlive
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d < 0 {
			return time.Duration(1<<63 - 1)
		}
		return d
	}
	if n, err := strconv.ParseFloat(s, 64); err == nil {
		if n < 0 {
			return time.Duration(1<<63 - 1)
		}
		return time.Duration(n * float64(time.Second))
	}
	return defaultKeepAlive
}

func numCtxOf(opts map[string]any) int {
	if n, ok := numOption(opts, "num_ctx"); ok && n > 0 {
		return n
	}
	return defaultNumCtx
}

// psModel is api.ProcessModelResponse on the wire.
type psModel struct {
	Name          string       `json:"name"`
	Model         string       `json:"model"`
	Size          int64        `json:"size"`
	Digest        string       `json:"digest"`
	Details       modelDetails `json:"details"`
	ExpiresAt     time.Time    `json:"expires_at"`
	SizeVRAM      int64        `json:"size_vram"`
	ContextLength int          `json:"context_length"`
}

// handlePs lists the loaded models, as GET /api/ps does.
func (s *Server) handlePs(w http.ResponseWriter, r *http.Request) {
	s.record(plainRequest(r, http.StatusOK))
	s.mu.Lock()
	models := []psModel{}
	for key, lm := range s.loaded {
		m := s.script.models[key]
		if m == nil {
			continue
		}
		f := factsOf(m.name, m.m)
		models = append(models, psModel{Name: key, Model: key, Size: f.size, Digest: f.digest, Details: f.details,
			ExpiresAt: lm.expires, ContextLength: lm.numCtx})
	}
	s.mu.Unlock()
	sort.Slice(models, func(i, j int) bool { return models[i].Name < models[j].Name })
	writeJSON(w, http.StatusOK, map[string]any{"models": models})
}

// truncatePrompt drops the start of a prompt longer than numCtx tokens, as
// Ollama does without a word when the request allows truncation: the
// messages keep only their last numCtx tokens. It returns the messages the
// model reads and how many tokens were dropped.
func truncatePrompt(msgs []Message, numCtx int) ([]Message, int) {
	total := 0
	for _, m := range msgs {
		total += len(splitTokens(m.Content + "\n"))
	}
	drop := total - numCtx
	if drop <= 0 {
		return msgs, 0
	}
	out := make([]Message, len(msgs))
	left := drop
	for i, m := range msgs {
		toks := splitTokens(m.Content + "\n")
		n := min(left, len(toks))
		left -= n
		out[i] = Message{Role: m.Role, Content: strings.TrimSuffix(strings.Join(toks[n:], ""), "\n")}
	}
	return out, drop
}
