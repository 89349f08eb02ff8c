package ollamatest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"math"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// embedRequest is the part of api.EmbedRequest the server reads.
type embedRequest struct {
	Model      string          `json:"model"`
	Input      any             `json:"input"`
	KeepAlive  json.RawMessage `json:"keep_alive"`
	Dimensions int             `json:"dimensions"`
	Options    map[string]any  `json:"options"`
}

// embedResponse is api.EmbedResponse on the wire.
type embedResponse struct {
	Model           string        `json:"model"`
	Embeddings      [][]float32   `json:"embeddings"`
	TotalDuration   time.Duration `json:"total_duration,omitempty"`
	LoadDuration    time.Duration `json:"load_duration,omitempty"`
	PromptEvalCount int           `json:"prompt_eval_count,omitempty"`
}

func (s *Server) handleEmbed(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	var req embedRequest
	rec := Request{Method: r.Method, Path: r.URL.Path, Time: arrived, Rule: -1}
	fail := func(status int, msg string) {
		rec.Status, rec.Error = status, msg
		s.record(rec)
		writeError(w, status, msg)
	}
	if status, msg := readBody(w, r, &req); status != 0 {
		fail(status, msg)
		return
	}
	setLog(w, req.Model, "")
	rec.Model, rec.Options, rec.KeepAlive = req.Model, req.Options, rawString(req.KeepAlive)
	// Ollama accepts one string or a list of strings; an empty string is no input.
	var input []string
	switch in := req.Input.(type) {
	case string:
		if in != "" {
			input = append(input, in)
		}
	case []any:
		for _, v := range in {
			str, ok := v.(string)
			if !ok {
				fail(http.StatusBadRequest, "invalid input type")
				return
			}
			input = append(input, str)
		}
	case nil:
	default:
		fail(http.StatusBadRequest, "invalid input type")
		return
	}
	rec.Input = input
	if strings.TrimSpace(req.Model) == "" {
		fail(http.StatusBadRequest, "model is required")
		return
	}

	dim, mb, present := s.embedModel(req.Model)
	if !present {
		fail(http.StatusNotFound, notFound(req.Model))
		return
	}
	recordEmbedStatus(&rec, mb)
	defer s.loadForEmbed(&rec, req.Model, req.Options, req.KeepAlive)()
	s.record(rec)
	if !s.beforeAnswer(w, r, mb, req.Model) {
		return
	}

	resp := embedResponse{Model: req.Model, Embeddings: [][]float32{}}
	for _, text := range input {
		v := Embedding(text, dim)
		if req.Dimensions > 0 && req.Dimensions < len(v) {
			v = normalize(v[:req.Dimensions], text)
		}
		resp.Embeddings = append(resp.Embeddings, v)
		resp.PromptEvalCount += len(words(text))
	}
	if len(input) > 0 {
		resp.LoadDuration = max(time.Since(arrived), time.Nanosecond)
		resp.TotalDuration = max(time.Since(arrived), time.Nanosecond)
	}
	body, err := json.Marshal(resp)
	if err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Sprintf("ollamatest: couldn't encode embeddings: %v", err))
		return
	}
	writeBroken(w, body, mb)
}

// embedModel looks up a model for embedding: its vector length, its
// misbehaviour, and whether it is present.
func (s *Server) embedModel(name string) (dim int, mb *Misbehave, present bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, m, present := s.lookup(name)
	if !present {
		return 0, nil, false
	}
	return cmp.Or(m.m.EmbedDim, defaultEmbedDim), m.m.Misbehave, true
}

// loadForEmbed loads an embedding call's model and notes it in rec; the
// returned func releases it.
func (s *Server) loadForEmbed(rec *Request, name string, opts map[string]any, keepAlive json.RawMessage) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	key, m, present := s.lookup(name)
	if !present || m == nil {
		return func() {}
	}
	load, evicted, release := s.load(key, name, numCtxOf(opts), keepAliveOf(keepAlive))
	rec.Load, rec.Evicted = load, evicted
	return release
}

// recordEmbedStatus sets the status a misbehaving embedding call will answer.
func recordEmbedStatus(rec *Request, mb *Misbehave) {
	rec.Status = http.StatusOK
	switch {
	case mb != nil && mb.Hang:
		rec.Status = 0
	case mb != nil && mb.Status != 0:
		rec.Status, rec.Error = mb.Status, misbehaveMessage(mb, rec.Model)
	}
}

// handleEmbeddings is the legacy /api/embeddings (one prompt, float64
// vector), which chromem-go's built-in Ollama embedder still calls.
func (s *Server) handleEmbeddings(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model     string          `json:"model"`
		Prompt    string          `json:"prompt"`
		KeepAlive json.RawMessage `json:"keep_alive"`
		Options   map[string]any  `json:"options"`
	}
	rec := Request{Method: r.Method, Path: r.URL.Path, Time: time.Now(), Rule: -1}
	fail := func(status int, msg string) {
		rec.Status, rec.Error = status, msg
		s.record(rec)
		writeError(w, status, msg)
	}
	if status, msg := readBody(w, r, &req); status != 0 {
		fail(status, msg)
		return
	}
	setLog(w, req.Model, "")
	rec.Model, rec.Options, rec.KeepAlive = req.Model, req.Options, rawString(req.KeepAlive)
	if req.Prompt != "" {
		rec.Input = []string{req.Prompt}
	}
	if strings.TrimSpace(req.Model) == "" {
		fail(http.StatusBadRequest, "model is required")
		return
	}
	dim, mb, present := s.embedModel(req.Model)
	if !present {
		fail(http.StatusNotFound, notFound(req.Model))
		return
	}
	recordEmbedStatus(&rec, mb)
	defer s.loadForEmbed(&rec, req.Model, req.Options, req.KeepAlive)()
	s.record(rec)
	if !s.beforeAnswer(w, r, mb, req.Model) {
		return
	}
	vec := []float64{}
	if req.Prompt != "" { // an empty prompt only loads the model, as in Ollama
		for _, x := range Embedding(req.Prompt, dim) {
			vec = append(vec, float64(x))
		}
	}
	body, _ := json.Marshal(map[string][]float64{"embedding": vec})
	writeBroken(w, body, mb)
}

// Embedding is the vector the server answers for text: signed feature
// hashing of lower-cased words and word pairs, L2-normalised. It is
// deterministic, so texts sharing words are closer (higher cosine) than
// unrelated ones, which is enough for tests of relevance ranking.
func Embedding(text string, dim int) []float32 {
	if dim <= 0 {
		dim = defaultEmbedDim
	}
	v := make([]float32, dim)
	ws := words(text)
	add := func(feature string, weight float32) {
		h := fnv.New64a()
		h.Write([]byte(feature))
		x := h.Sum64()
		sign := float32(1)
		if x>>63 == 1 {
			sign = -1
		}
		v[int(x%uint64(dim))] += sign * weight
	}
	for i, w := range ws {
		add(w, 1)
		if i > 0 {
			add(ws[i-1]+" "+w, 0.5)
		}
	}
	return normalize(v, text)
}

// normalize scales v to unit length. A zero vector (no words, or features
// that cancel out) gets one hashed component instead, so every answer has
// length 1 and cosine similarity is always defined.
func normalize(v []float32, text string) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	if sum == 0 {
		h := fnv.New64a()
		h.Write([]byte(text))
		v[int(h.Sum64()%uint64(len(v)))] = 1
		return v
	}
	n := float32(1 / math.Sqrt(sum))
	for i := range v {
		v[i] *= n
	}
	return v
}

func words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}
