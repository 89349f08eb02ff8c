package ollamatest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// chatRequest is the part of api.ChatRequest the server reads.
type chatRequest struct {
	Model     string          `json:"model"`
	Messages  []Message       `json:"messages"`
	Stream    *bool           `json:"stream"`
	Format    json.RawMessage `json:"format"`
	KeepAlive json.RawMessage `json:"keep_alive"`
	Options   map[string]any  `json:"options"`
	Truncate  *bool           `json:"truncate"`
}

// chatChunk is api.ChatResponse on the wire, field for field (with its
// embedded Metrics), so the real client decodes it unchanged.
type chatChunk struct {
	Model      string      `json:"model"`
	CreatedAt  time.Time   `json:"created_at"`
	Message    chatMessage `json:"message"`
	Done       bool        `json:"done"`
	DoneReason string      `json:"done_reason,omitempty"`

	TotalDuration      time.Duration `json:"total_duration,omitempty"`
	LoadDuration       time.Duration `json:"load_duration,omitempty"`
	PromptEvalCount    int           `json:"prompt_eval_count,omitempty"`
	PromptEvalDuration time.Duration `json:"prompt_eval_duration,omitempty"`
	EvalCount          int           `json:"eval_count,omitempty"`
	EvalDuration       time.Duration `json:"eval_duration,omitempty"`
}

type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// chatPlan is what a chat call will answer, decided under the lock.
type chatPlan struct {
	key       string
	status    int // error status, 0 when answering
	errMsg    string
	reply     string
	rule      int
	misbehave *Misbehave
	tps       float64
}

func (s *Server) handleChat(w http.ResponseWriter, r *http.Request) {
	arrived := time.Now()
	var req chatRequest
	rec := Request{Method: r.Method, Path: r.URL.Path, Time: arrived, Rule: -1, Stream: true}
	if status, msg := readBody(w, r, &req); status != 0 {
		rec.Status, rec.Error = status, msg
		s.record(rec)
		writeError(w, status, msg)
		return
	}
	stream := req.Stream == nil || *req.Stream
	rec.Model, rec.Messages, rec.Options, rec.Stream = req.Model, req.Messages, req.Options, stream
	rec.KeepAlive, rec.Format = rawString(req.KeepAlive), rawString(req.Format)

	// A prompt longer than num_ctx loses its start without a word, unless
	// the request forbids truncation: then it is an error, as in Ollama.
	numCtx := numCtxOf(req.Options)
	read, dropped := truncatePrompt(req.Messages, numCtx)
	if dropped > 0 && req.Truncate != nil && !*req.Truncate {
		rec.Status, rec.Error = http.StatusInternalServerError, errInputTooLong
		s.record(rec)
		writeError(w, http.StatusInternalServerError, errInputTooLong)
		return
	}
	rec.Truncated = dropped
	planned := req
	planned.Messages = read
	plan := s.planChat(planned)
	if plan.status == 0 {
		s.mu.Lock()
		load, evicted, release := s.load(plan.key, req.Model, numCtx, keepAliveOf(req.KeepAlive))
		s.mu.Unlock()
		defer release()
		rec.Load, rec.Evicted = load, evicted
	}
	rec.Rule, rec.Reply = plan.rule, plan.reply
	rec.Status, rec.Error = http.StatusOK, plan.errMsg
	switch {
	case plan.status != 0:
		rec.Status = plan.status
	case plan.misbehave != nil && plan.misbehave.Hang:
		rec.Status = 0 // never answered
	case plan.misbehave != nil && plan.misbehave.Status != 0:
		rec.Status, rec.Error = plan.misbehave.Status, misbehaveMessage(plan.misbehave, req.Model)
	}
	s.record(rec)
	setLog(w, req.Model, plan.describe())

	if plan.status != 0 {
		writeError(w, plan.status, plan.errMsg)
		return
	}
	if !s.beforeAnswer(w, r, plan.misbehave, req.Model) {
		return
	}
	loaded := time.Now()

	tokens := splitTokens(plan.reply)
	doneReason := "stop"
	if n, ok := numOption(req.Options, "num_predict"); ok && n > 0 && n < len(tokens) {
		tokens, doneReason = tokens[:n], "length"
	}
	final := chatChunk{
		Model: req.Model, Message: chatMessage{Role: "assistant"}, Done: true, DoneReason: doneReason,
		LoadDuration:    loaded.Sub(arrived),
		PromptEvalCount: len(splitTokens(joinMessages(read))),
		EvalCount:       len(tokens),
	}
	if stream {
		s.streamChat(w, r, req.Model, tokens, plan, final, arrived)
	} else {
		s.answerChat(w, r, req.Model, tokens, plan, final, arrived)
	}
}

// planChat picks the answer: errors for unknown, missing and embedding
// models, else the first matching rule with uses left, else the next reply.
func (s *Server) planChat(req chatRequest) chatPlan {
	p := chatPlan{rule: -1}
	if strings.TrimSpace(req.Model) == "" {
		p.status, p.errMsg = http.StatusBadRequest, "model is required"
		return p
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key, m, present := s.lookup(req.Model)
	switch {
	case !present:
		p.status, p.errMsg = http.StatusNotFound, notFound(req.Model)
		return p
	case m.m.Embed:
		p.status, p.errMsg = http.StatusBadRequest, fmt.Sprintf("%q does not support chat", req.Model)
		return p
	}
	p.key, p.misbehave, p.tps = key, m.m.Misbehave, m.m.TokensPerSecond
	uses := s.ruleUses[key]
	if uses == nil {
		uses = make([]int, len(m.rules))
		s.ruleUses[key] = uses
	}
	for i, rule := range m.rules {
		if rule.Times > 0 && uses[i] >= rule.Times {
			continue
		}
		if !rule.matches(req.Messages) {
			continue
		}
		uses[i]++
		p.rule, p.reply = i, rule.Reply
		if rule.Misbehave != nil {
			p.misbehave = rule.Misbehave
		}
		return p
	}
	if len(m.m.Replies) == 0 {
		if mb := m.m.Misbehave; mb != nil && (mb.Hang || mb.Status != 0) {
			return p // the misbehaviour is the whole answer: no text is needed
		}
		p.status = http.StatusInternalServerError
		p.errMsg = fmt.Sprintf("ollamatest: no rule of model %q matched and it has no replies; add a rule without contains/regex (it matches everything) or a replies list to the script", req.Model)
		return p
	}
	i := min(s.nextRep[key], len(m.m.Replies)-1)
	s.nextRep[key]++
	p.reply = m.m.Replies[i]
	return p
}

// describe says, for the log, what the script chose.
func (p chatPlan) describe() string {
	var parts []string
	switch {
	case p.status != 0:
		return ""
	case p.rule >= 0:
		parts = append(parts, fmt.Sprintf("rule %d", p.rule))
	default:
		parts = append(parts, "replies")
	}
	if mb := p.misbehave; mb != nil {
		if mb.Latency > 0 {
			parts = append(parts, "latency "+time.Duration(mb.Latency).String())
		}
		if mb.Hang {
			parts = append(parts, "hang")
		}
		if mb.Status != 0 {
			parts = append(parts, fmt.Sprintf("status %d", mb.Status))
		}
		if mb.CutAfter != 0 {
			parts = append(parts, fmt.Sprintf("cut_after %d", mb.CutAfter))
		}
		if mb.Garbage {
			parts = append(parts, "garbage")
		}
	}
	return strings.Join(parts, ", ")
}

func (r *compiledRule) matches(msgs []Message) bool {
	for _, sub := range r.Contains {
		found := false
		for _, m := range msgs {
			if strings.Contains(m.Content, sub) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	if r.re != nil {
		for _, m := range msgs {
			if r.re.MatchString(m.Content) {
				return true
			}
		}
		return false
	}
	return true
}

// streamChat writes one NDJSON line per token and a final line with done,
// done_reason and the metrics, pacing tokens at the model's rate.
func (s *Server) streamChat(w http.ResponseWriter, r *http.Request, model string, tokens []string, p chatPlan, final chatChunk, arrived time.Time) {
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.WriteHeader(http.StatusOK)
	flush(w)
	mb := p.misbehave
	breakAt := -1 // line index at which the stream breaks
	if mb != nil && (mb.Garbage || mb.CutAfter != 0) {
		breakAt = min(max(mb.CutAfter, 0), len(tokens)) // at most the final line
		if mb.CutAfter == -1 && !mb.Garbage {
			abort(w) // dropped right after the headers
		}
	}
	genStart := time.Now()
	line := func(i int) []byte {
		if i == len(tokens) {
			return s.finalLine(final, genStart, arrived, p.tps)
		}
		b, _ := json.Marshal(chatChunk{Model: model, CreatedAt: time.Now().UTC(), Message: chatMessage{Role: "assistant", Content: tokens[i]}})
		return append(b, '\n')
	}
	last, repeats := "", 0
	for i := 0; i <= len(tokens); i++ {
		if i < len(tokens) {
			// Ollama's repeat guard: more than 30 repeats of one token (spaces
			// aside) end the stream there, cleanly and without a done line.
			if t := strings.TrimSpace(tokens[i]); t == last {
				repeats++
			} else {
				last, repeats = t, 0
			}
			if repeats > repeatLimit {
				return
			}
		}
		if i == breakAt {
			if mb.Garbage {
				w.Write([]byte(garbage))
				return
			}
			// Half of the next line: the client reads a truncated JSON object.
			l := line(i)
			w.Write(l[:len(l)/2])
			abort(w)
		}
		if i > 0 && i < len(tokens) && p.tps > 0 && !s.wait(r.Context(), time.Duration(float64(time.Second)/p.tps)) {
			s.dropIfClosing(w)
			return
		}
		if _, err := w.Write(line(i)); err != nil {
			return // the client went away
		}
		flush(w)
	}
}

// repeatLimit is Ollama's: a stream stops after the 31st identical token.
const repeatLimit = 30

// errInputTooLong is Ollama's error for a prompt longer than num_ctx sent
// with "truncate": false.
const errInputTooLong = "the input length exceeds the context length"

// finalLine is the last NDJSON line: done, done_reason and the metrics.
func (s *Server) finalLine(final chatChunk, genStart, arrived time.Time, tps float64) []byte {
	final.CreatedAt = time.Now().UTC()
	final.EvalDuration = evalDuration(final.EvalCount, tps, time.Since(genStart))
	final.PromptEvalDuration = max(genStart.Sub(arrived)-final.LoadDuration, time.Nanosecond)
	final.LoadDuration = max(final.LoadDuration, time.Nanosecond)
	final.TotalDuration = max(time.Since(arrived), time.Nanosecond)
	b, _ := json.Marshal(final)
	return append(b, '\n')
}

// evalDuration is what the model reports for generating n tokens: n/tps when
// a rate is scripted, else the real (tiny) time, never 0 so that clients
// computing tokens/s do not divide by zero.
func evalDuration(n int, tps float64, elapsed time.Duration) time.Duration {
	if tps > 0 {
		return max(time.Duration(float64(n)/tps*float64(time.Second)), time.Nanosecond)
	}
	return max(elapsed, time.Nanosecond)
}

// answerChat writes the whole reply as one JSON object, after the time the
// model would take to generate it.
func (s *Server) answerChat(w http.ResponseWriter, r *http.Request, model string, tokens []string, p chatPlan, final chatChunk, arrived time.Time) {
	genStart := time.Now()
	if p.tps > 0 && !s.wait(r.Context(), time.Duration(float64(len(tokens))/p.tps*float64(time.Second))) {
		s.dropIfClosing(w)
		return
	}
	final.Message.Content = strings.Join(tokens, "")
	body := s.finalLine(final, genStart, arrived, p.tps)
	body = body[:len(body)-1] // gin's c.JSON writes no newline
	writeBroken(w, body, p.misbehave)
}

// writeBroken writes a one-object JSON answer, broken as mb says: garbage
// instead, or half the body and a dropped connection.
func writeBroken(w http.ResponseWriter, body []byte, mb *Misbehave) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	switch {
	case mb != nil && mb.Garbage:
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(garbage))
	case mb != nil && mb.CutAfter != 0:
		// Promise the whole body, deliver half: the client sees an unexpected EOF.
		w.Header().Set("Content-Length", fmt.Sprint(len(body)))
		w.WriteHeader(http.StatusOK)
		if mb.CutAfter > 0 {
			w.Write(body[:len(body)/2])
		}
		abort(w)
	default:
		w.WriteHeader(http.StatusOK)
		w.Write(body)
	}
}

// splitTokens splits text into word-sized chunks (a word with the spaces
// that follow it) whose concatenation is exactly the text.
func splitTokens(text string) []string {
	var out []string
	start := 0
	inSpace, word := false, false // word: the current chunk has a non-space
	for i, r := range text {
		sp := unicode.IsSpace(r)
		if !sp && inSpace && word {
			out = append(out, text[start:i])
			start, word = i, false
		}
		word = word || !sp
		inSpace = sp
	}
	if start < len(text) {
		out = append(out, text[start:])
	}
	return out
}

func joinMessages(msgs []Message) string {
	var b strings.Builder
	for _, m := range msgs {
		b.WriteString(m.Content)
		b.WriteByte('\n')
	}
	return b.String()
}

// numOption reads an integer option decoded from JSON.
func numOption(opts map[string]any, name string) (int, bool) {
	switch v := opts[name].(type) {
	case float64:
		return int(v), true
	case json.Number:
		n, err := v.Int64()
		return int(n), err == nil
	}
	return 0, false
}

// rawString turns a raw JSON value into the string a test compares against:
// a JSON string's content, or the JSON text of anything else.
func rawString(raw json.RawMessage) string {
	if len(raw) == 0 || string(raw) == "null" {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}
