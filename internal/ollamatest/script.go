package ollamatest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
)

// Script is what the server plays: one entry per model name ("name:tag"; a
// name without a tag means ":latest", as in Ollama).
type Script struct {
	Models map[string]*Model `json:"models"`
	// Version is what /api/version answers; default DefaultVersion.
	Version string `json:"version,omitempty"`
	// MaxLoaded is how many models stay loaded at once (a new one evicts
	// one, see Server.Loads); default DefaultMaxLoaded, Ollama's default.
	MaxLoaded int `json:"max_loaded,omitempty"`
}

// DefaultVersion is the Ollama version the server claims to be: the one whose
// client the project uses.
const DefaultVersion = "0.17.4"

// Model is one scripted model.
type Model struct {
	// Rules are checked in order against a chat request; the first match answers.
	Rules []Rule `json:"rules,omitempty"`
	// Replies answer in order when no rule matches; the last one repeats.
	Replies []string `json:"replies,omitempty"`
	// Embed makes an embedding-only model: chat is refused with HTTP 400 like
	// Ollama does, and /api/show lists the "embedding" capability. Any present
	// model answers /api/embed, as in Ollama.
	Embed bool `json:"embed,omitempty"`
	// EmbedDim is the length of the vectors /api/embed returns; default 64.
	EmbedDim int `json:"embed_dim,omitempty"`
	// Missing means not pulled yet: /api/show, /api/chat and /api/embed answer
	// 404 until /api/pull makes it present (unless PullFails).
	Missing bool `json:"missing,omitempty"`
	// PullFails makes /api/pull fail like an Ollama with no network.
	PullFails bool `json:"pull_fails,omitempty"`
	// Misbehave applies to every chat and embed call of this model; a matching
	// rule's own Misbehave replaces it for that call.
	Misbehave *Misbehave `json:"misbehave,omitempty"`
	// ContextLength is the trained context /api/show reports; default 32768.
	ContextLength int `json:"context_length,omitempty"`
	// TokensPerSecond paces streaming and sets the reported eval_duration;
	// 0 answers at once (eval_duration is then the real, tiny elapsed time).
	TokensPerSecond float64 `json:"tokens_per_second,omitempty"`
}

// Rule answers a chat request whose messages match it. A rule with neither
// Contains nor Regex matches every request (useful with Times: "fail the
// first call, then behave").
type Rule struct {
	// Contains: every substring must occur in one of the request's messages
	// (any role).
	Contains []string `json:"contains,omitempty"`
	// Regex (Go syntax) must match one of the request's messages.
	Regex string `json:"regex,omitempty"`
	// Reply is the assistant's message content.
	Reply string `json:"reply"`
	// Times: 0 = unlimited; else the rule is used up after that many matches.
	Times int `json:"times,omitempty"`
	// Misbehave, when set, replaces the model's Misbehave for matching calls.
	Misbehave *Misbehave `json:"misbehave,omitempty"`
}

// Misbehave is a failure on demand. The steps apply in this order: Latency,
// Hang, Status; then the answer streams and CutAfter/Garbage break it.
type Misbehave struct {
	// Latency waits before the first byte ("250ms" in JSON).
	Latency Duration `json:"latency,omitempty"`
	// Status answers this HTTP status (400-599) with an error body
	// {"error": Message}.
	Status int `json:"status,omitempty"`
	// Message is the error text for Status; default names the scripted failure.
	Message string `json:"message,omitempty"`
	// CutAfter streams this many complete chunks, then half of the next line,
	// then drops the connection; -1 drops it right after the headers. A
	// non-streamed answer (or an embedding) gets half its body, then the drop.
	CutAfter int `json:"cut_after,omitempty"`
	// Garbage answers bytes that are not JSON (after CutAfter chunks, if set,
	// for a streamed answer), then ends the response cleanly.
	Garbage bool `json:"garbage,omitempty"`
	// Hang never answers until the client gives up or the server closes.
	Hang bool `json:"hang,omitempty"`
}

// Duration is a time.Duration written as a Go duration string ("250ms") in JSON.
type Duration time.Duration

// MarshalJSON writes the duration as a string such as "250ms".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads a duration string such as "250ms" or "2s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration must be a string such as \"250ms\" or \"2s\", not %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("bad duration %q: write it like \"250ms\" or \"2s\"", s)
	}
	if v < 0 {
		return fmt.Errorf("negative duration %q: latencies must be 0 or more", s)
	}
	*d = Duration(v)
	return nil
}

// Load reads a script from a JSON file. Unknown fields are an error that names
// the field and where it is, so a typo never silently changes a test.
func Load(path string) (Script, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Script{}, fmt.Errorf("couldn't read script: %w", err)
	}
	s, err := Parse(data)
	if err != nil {
		return Script{}, fmt.Errorf("couldn't load script %s: %w", path, err)
	}
	return s, nil
}

// Parse reads a script from JSON, with the same checks as Load.
func Parse(data []byte) (Script, error) {
	var raw any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&raw); err != nil {
		return Script{}, fmt.Errorf("not valid JSON: %w", jsonErrorWithLine(data, err))
	}
	if dec.More() {
		return Script{}, fmt.Errorf("not valid JSON: more than one value; a script is one object {\"models\": {...}}")
	}
	if err := checkFields(raw, reflect.TypeFor[Script](), "script"); err != nil {
		return Script{}, err
	}
	var s Script
	if err := json.Unmarshal(data, &s); err != nil {
		return Script{}, fmt.Errorf("wrong value: %w", jsonErrorWithLine(data, err))
	}
	if _, err := compile(s); err != nil {
		return Script{}, err
	}
	return s, nil
}

// jsonErrorWithLine adds the line number to a JSON syntax or type error,
// which encoding/json reports only as a byte offset.
func jsonErrorWithLine(data []byte, err error) error {
	var off int64 = -1
	switch e := err.(type) {
	case *json.SyntaxError:
		off = e.Offset
	case *json.UnmarshalTypeError:
		off = e.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	return fmt.Errorf("line %d: %w", line, err)
}

// checkFields walks decoded JSON against the Go type and reports the first
// object key that the type has no field for, with its path and the known
// fields (encoding/json names the key but not where it is).
func checkFields(v any, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[Duration]() {
		// Checked here rather than in UnmarshalJSON, whose errors lose the path.
		raw, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		var d Duration
		if err := d.UnmarshalJSON(raw); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil // a type mismatch; json.Unmarshal reports it with more detail
		}
		fields := map[string]reflect.Type{}
		var names []string
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			fields[name] = f.Type
			names = append(names, name)
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			ft, ok := fields[k]
			if !ok {
				return fmt.Errorf("%s: unknown field %q; the fields are %s", path, k, strings.Join(names, ", "))
			}
			if err := checkFields(obj[k], ft, path+"."+k); err != nil {
				return err
			}
		}
	case reflect.Map:
		obj, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if err := checkFields(obj[k], t.Elem(), fmt.Sprintf("%s[%q]", path, k)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		arr, ok := v.([]any)
		if !ok {
			return nil
		}
		for i, e := range arr {
			if err := checkFields(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// compiled is a validated script, ready to serve: names normalised, regexes
// compiled.
type compiled struct {
	version   string
	maxLoaded int
	models    map[string]*compiledModel // by normalised name
	names     []string                  // normalised names, sorted
}

type compiledModel struct {
	name  string // as written in the script
	m     Model
	rules []compiledRule
}

type compiledRule struct {
	Rule
	re *regexp.Regexp
}

const defaultEmbedDim = 64

// maxEmbedDim bounds vectors so a typo cannot make the server allocate gigabytes.
const maxEmbedDim = 1 << 16

// compile validates s and prepares it for serving. Errors name the model and
// rule and say how to fix them.
func compile(s Script) (*compiled, error) {
	c := &compiled{version: s.Version, models: map[string]*compiledModel{}}
	if c.version == "" {
		c.version = DefaultVersion
	}
	c.maxLoaded = s.MaxLoaded
	if c.maxLoaded < 0 {
		return nil, fmt.Errorf("max_loaded %d is negative; use 0 (Ollama's default, %d) or a count", s.MaxLoaded, DefaultMaxLoaded)
	}
	if c.maxLoaded == 0 {
		c.maxLoaded = DefaultMaxLoaded
	}
	names := make([]string, 0, len(s.Models))
	for name := range s.Models {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		m := s.Models[name]
		where := fmt.Sprintf("model %q", name)
		if strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("a model has an empty name; name it like \"qwen2.5-coder:7b\"")
		}
		if m == nil {
			return nil, fmt.Errorf("%s is null; give it an object such as {\"replies\": [\"...\"]}", where)
		}
		key := normalizeName(name)
		if prev, ok := c.models[key]; ok {
			return nil, fmt.Errorf("models %q and %q are the same model to Ollama (no tag means :latest); keep one", prev.name, name)
		}
		if m.EmbedDim < 0 || m.EmbedDim > maxEmbedDim {
			return nil, fmt.Errorf("%s: embed_dim %d is out of range; use 1..%d (or 0 for %d)", where, m.EmbedDim, maxEmbedDim, defaultEmbedDim)
		}
		if m.TokensPerSecond < 0 {
			return nil, fmt.Errorf("%s: tokens_per_second %v is negative; use 0 (instant) or a positive rate", where, m.TokensPerSecond)
		}
		if m.Embed && (len(m.Rules) > 0 || len(m.Replies) > 0) {
			return nil, fmt.Errorf("%s is an embedding model (embed: true) but has rules or replies, which it can never answer (Ollama refuses chat for embedding models); remove them or set embed to false", where)
		}
		if err := checkMisbehave(m.Misbehave); err != nil {
			return nil, fmt.Errorf("%s: misbehave: %w", where, err)
		}
		cm := &compiledModel{name: name, m: *m}
		cm.m.Rules = slices.Clone(m.Rules)
		cm.m.Replies = slices.Clone(m.Replies)
		for i, r := range m.Rules {
			rw := fmt.Sprintf("%s rule %d", where, i)
			if r.Times < 0 {
				return nil, fmt.Errorf("%s: times %d is negative; use 0 (unlimited) or a count", rw, r.Times)
			}
			if err := checkMisbehave(r.Misbehave); err != nil {
				return nil, fmt.Errorf("%s: misbehave: %w", rw, err)
			}
			cr := compiledRule{Rule: r}
			if r.Regex != "" {
				re, err := regexp.Compile(r.Regex)
				if err != nil {
					return nil, fmt.Errorf("%s: bad regex (Go RE2 syntax; escape backslashes in JSON): %w", rw, err)
				}
				cr.re = re
			}
			cm.rules = append(cm.rules, cr)
		}
		c.models[key] = cm
		c.names = append(c.names, key)
	}
	sort.Strings(c.names)
	return c, nil
}

func checkMisbehave(m *Misbehave) error {
	if m == nil {
		return nil
	}
	if m.Status != 0 && (m.Status < 400 || m.Status > 599) {
		return fmt.Errorf("status %d is not an error status; use 400..599 (or 0 for none)", m.Status)
	}
	if m.CutAfter < -1 {
		return fmt.Errorf("cut_after %d: use a chunk count, or -1 to drop the connection before any chunk", m.CutAfter)
	}
	return nil
}

// normalizeName gives the name Ollama resolves: no tag means ":latest", and
// names are case-insensitive.
func normalizeName(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	last := name[strings.LastIndex(name, "/")+1:]
	if !strings.Contains(last, ":") {
		name += ":latest"
	}
	return name
}
