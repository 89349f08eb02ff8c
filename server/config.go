package server

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.lsp.dev/protocol"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

// Config is the server's view of the one configuration: editor settings
// (initializationOptions, workspace/configuration section "lessonl",
// didChangeConfiguration) over the --store flag, the environment
// (LESSONL_MODELS, OLLAMA_HOST, LESSONL_HOME) and the defaults.
type Config struct {
	Models     []string         // MODEL or MODEL@HOST
	OllamaHost string           // host for models without @HOST; "" = OLLAMA_HOST or the default
	Rounds     int              // T
	Lessons    int              // k; 0 runs without lessons
	Scope      vectorbank.Scope // where lessons come from
	Store      string           // lesson store directory; "" = LESSONL_HOME or the default
	Timeout    time.Duration    // bound on measuring one variant
	Floor      float64          // noise floor of the faster verdict
	Sandbox    bool             // run variants in bubblewrap
	CodeLens   bool             // "Optimize with lessons" above every function
}

// Setting keys: a contract with the editors and their users' settings.
var settingKeys = []string{"models", "ollamaHost", "rounds", "lessons", "scope", "store", "timeout", "floor", "sandbox", "codeLens"}

// DefaultTimeout bounds measuring one variant, as the CLI's --timeout does.
const DefaultTimeout = 2 * time.Minute

// defaultConfig is the layer under every editor setting.
func defaultConfig(storeFlag string, getenv func(string) string) Config {
	c := Config{
		Models:     team.DefaultModels,
		OllamaHost: getenv("OLLAMA_HOST"),
		Rounds:     team.DefaultRounds,
		Lessons:    team.DefaultLessons,
		Scope:      vectorbank.ScopeAll,
		Store:      storeFlag,
		Timeout:    DefaultTimeout,
		Floor:      0.05,
		Sandbox:    true,
	}
	if env := getenv("LESSONL_MODELS"); env != "" {
		var ms []string
		for _, m := range strings.Split(env, ",") {
			if m = strings.TrimSpace(m); m != "" {
				ms = append(ms, m)
			}
		}
		if len(ms) > 0 {
			c.Models = ms
		}
	}
	return c
}

// storeDir is the lesson store: the setting, else LESSONL_HOME, else the
// shared default.
func (c Config) storeDir() string {
	if c.Store != "" {
		return c.Store
	}
	return vectorbank.DefaultDir()
}

// agents parses the models into the team.
func (c Config) agents() ([]team.Agent, error) {
	var out []team.Agent
	for _, m := range c.Models {
		a, err := team.ParseAgent(m, c.OllamaHost)
		if err != nil {
			return nil, fmt.Errorf("bad model in the \"models\" setting: %w", err)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no models: set \"models\" to e.g. [\"qwen2.5-coder:7b\"] or LESSONL_MODELS")
	}
	return out, nil
}

// teamConfig maps the settings onto a run's configuration; base has the
// runner options that are not settings.
func (c Config) teamConfig(file string, agents []team.Agent, base exec.Options) team.Config {
	m := base
	m.Floor, m.Timeout, m.NoSandbox = c.Floor, c.Timeout, !c.Sandbox
	return team.Config{
		Agents:    agents,
		Rounds:    c.Rounds,
		Lessons:   c.Lessons,
		NoLessons: c.Lessons == 0,
		Scope:     c.Scope,
		Project:   team.ProjectOf(file),
		Measure:   m,
	}
}

// layers of settings, lowest first.
const (
	layerInit   = iota // initializationOptions
	layerClient        // workspace/configuration or didChangeConfiguration
	nLayers
)

type config struct {
	base   Config
	mu     sync.Mutex
	layers [nLayers]map[string]json.RawMessage
	cur    atomic.Pointer[Config]
	// seq orders settings events: a pull answered after a newer push (or
	// pull) is stale and dropped.
	seq     atomic.Int64
	applied int64
}

func (c *config) init(storeFlag string) {
	c.base = defaultConfig(storeFlag, os.Getenv)
	cur := c.base
	c.cur.Store(&cur)
}

func (c *config) get() Config { return *c.cur.Load() }

// set replaces one layer and recomputes the configuration. It returns the
// problems found: unknown keys and bad values, which are ignored.
func (c *config) set(layer int, obj map[string]json.RawMessage) []string {
	problems, _ := c.setAt(layer, obj, c.seq.Add(1))
	return problems
}

// setAt is set for an event numbered seq; ok is false (and nothing
// changes) when a newer event was applied already.
func (c *config) setAt(layer int, obj map[string]json.RawMessage, seq int64) (problems []string, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if seq < c.applied {
		return nil, false
	}
	c.applied = seq
	c.layers[layer] = obj
	cur := c.base
	for _, l := range c.layers {
		problems = append(problems, applyLayer(&cur, l)...)
	}
	c.cur.Store(&cur)
	return problems, true
}

// settingsObject finds the flat settings object in what a client sent: the
// object itself, or its "lessonl" member. ok is false when there is nothing
// for us (null, or another tool's section).
func settingsObject(raw []byte) (obj map[string]json.RawMessage, ok bool, err error) {
	switch strings.TrimSpace(string(raw)) {
	case "", "null":
		return nil, false, nil
	case "[]", "{}":
		// Nothing set; Neovim encodes an empty Lua table as [].
		return map[string]json.RawMessage{}, true, nil
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, false, fmt.Errorf("settings must be a JSON object with keys %s: %w", strings.Join(settingKeys, ", "), err)
	}
	if inner, found := obj["lessonl"]; found {
		var in map[string]json.RawMessage
		if err := json.Unmarshal(inner, &in); err == nil {
			return in, true, nil
		}
		if string(inner) == "null" {
			return nil, true, nil
		}
		return nil, false, fmt.Errorf("the \"lessonl\" settings must be an object, not %s", clipRaw(inner))
	}
	return obj, true, nil
}

// applyLayer sets the keys present in obj; null means "not set".
func applyLayer(c *Config, obj map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var problems []string
	bad := func(k string, v json.RawMessage, want string) {
		problems = append(problems, fmt.Sprintf("%q: want %s, got %s; ignored", k, want, clipRaw(v)))
	}
	for _, k := range keys {
		v := obj[k]
		if string(v) == "null" {
			continue
		}
		switch k {
		case "models":
			ms, ok := parseModels(v)
			if !ok {
				bad(k, v, `an array of "MODEL" or "MODEL@HOST" strings`)
				continue
			}
			c.Models = ms
		case "ollamaHost":
			var h string
			if json.Unmarshal(v, &h) != nil {
				bad(k, v, "a host like http://127.0.0.1:11434")
				continue
			}
			if h != "" {
				if _, err := team.NormalizeHost(h); err != nil {
					bad(k, v, "a host like http://127.0.0.1:11434")
					continue
				}
			}
			c.OllamaHost = h
		case "rounds":
			n, ok := parseInt(v)
			if !ok || n < 1 || n > 100 {
				bad(k, v, "an integer from 1 to 100")
				continue
			}
			c.Rounds = n
		case "lessons":
			n, ok := parseInt(v)
			if !ok || n < 0 || n > 100 {
				bad(k, v, "an integer from 0 to 100")
				continue
			}
			c.Lessons = n
		case "scope":
			var sc string
			json.Unmarshal(v, &sc)
			switch vectorbank.Scope(sc) {
			case vectorbank.ScopeProblem, vectorbank.ScopeProject, vectorbank.ScopeAll:
				c.Scope = vectorbank.Scope(sc)
			default:
				bad(k, v, `"problem", "project" or "all"`)
			}
		case "store":
			var dir string
			if json.Unmarshal(v, &dir) != nil {
				bad(k, v, "a directory path")
				continue
			}
			c.Store = expandHome(dir)
		case "timeout":
			d, ok := parseDuration(v)
			if !ok || d <= 0 {
				bad(k, v, `a duration like "5m" or "90s" (or seconds as a number)`)
				continue
			}
			c.Timeout = d
		case "floor":
			var f float64
			if json.Unmarshal(v, &f) != nil || f < 0 || f >= 1 || math.IsNaN(f) {
				bad(k, v, "a number from 0 to 1, e.g. 0.05")
				continue
			}
			c.Floor = f
		case "sandbox", "codeLens":
			var b bool
			if json.Unmarshal(v, &b) != nil {
				bad(k, v, "true or false")
				continue
			}
			if k == "sandbox" {
				c.Sandbox = b
			} else {
				c.CodeLens = b
			}
		default:
			problems = append(problems, fmt.Sprintf("unknown key %q ignored (the settings are %s)", k, strings.Join(settingKeys, ", ")))
		}
	}
	return problems
}

func parseModels(v json.RawMessage) ([]string, bool) {
	var list []string
	if json.Unmarshal(v, &list) != nil {
		// LESSONL_MODELS's comma syntax, for settings written by hand.
		var s string
		if json.Unmarshal(v, &s) != nil {
			return nil, false
		}
		list = strings.Split(s, ",")
	}
	var out []string
	for _, m := range list {
		m = strings.TrimSpace(m)
		if m == "" {
			continue
		}
		if _, err := team.ParseAgent(m, ""); err != nil {
			return nil, false
		}
		out = append(out, m)
	}
	return out, len(out) > 0
}

func parseInt(v json.RawMessage) (int, bool) {
	var f float64
	if json.Unmarshal(v, &f) != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return 0, false
	}
	return int(f), true
}

func parseDuration(v json.RawMessage) (time.Duration, bool) {
	var s string
	if json.Unmarshal(v, &s) == nil {
		d, err := time.ParseDuration(strings.TrimSpace(s))
		return d, err == nil
	}
	var secs float64
	if json.Unmarshal(v, &secs) == nil && secs < 1e7 {
		return time.Duration(secs * float64(time.Second)), true
	}
	return 0, false
}

func expandHome(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, p[1:])
		}
	}
	return p
}

func clipRaw(v []byte) string {
	s := string(v)
	if len(s) > 60 {
		s = s[:60] + "…"
	}
	return s
}

// applySettings takes a client's settings object into a layer and tells the
// user about anything ignored; a bad setting never stops the server. seq
// numbers the event (0: now).
func (s *Server) applySettings(layer int, raw []byte, from string, seq int64) {
	obj, ok, err := settingsObject(raw)
	if err != nil {
		s.showMessage(protocol.MessageTypeWarning, "LessonL: ignored the settings from %s: %v", from, err)
		return
	}
	if !ok {
		return
	}
	if seq == 0 {
		seq = s.cfg.seq.Add(1)
	}
	problems, applied := s.cfg.setAt(layer, obj, seq)
	if !applied {
		s.log.Debug("dropped settings overtaken by newer ones", "from", from)
		return
	}
	c := s.cfg.get()
	s.log.Info("settings", "from", from, "models", strings.Join(c.Models, ","), "rounds", c.Rounds, "lessons", c.Lessons,
		"scope", c.Scope, "store", c.storeDir(), "timeout", c.Timeout, "floor", c.Floor, "sandbox", c.Sandbox, "codeLens", c.CodeLens)
	if len(problems) > 0 {
		s.showMessage(protocol.MessageTypeWarning, "LessonL settings (%s): %s", from, strings.Join(problems, "; "))
	}
}

// schedulePull asks the client for the "lessonl" section, off the read
// loop (the answer arrives on it). The event is numbered now, in the order
// of the notifications, so a slow answer cannot undo a later push.
func (s *Server) schedulePull() {
	s.mu.Lock()
	pull := s.configPull
	s.mu.Unlock()
	if !pull {
		return
	}
	seq := s.cfg.seq.Add(1)
	s.goBackground(func(ctx context.Context) { s.pullSettings(ctx, seq) })
}

func (s *Server) pullSettings(ctx context.Context, seq int64) {
	section := "lessonl"
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	res, err := s.client.Configuration(ctx, &protocol.ConfigurationParams{Items: []protocol.ConfigurationItem{{Section: &section}}})
	if err != nil {
		s.log.Warn("couldn't read the client's settings (workspace/configuration)", "err", err)
		return
	}
	if len(res) == 1 {
		s.applySettings(layerClient, res[0], "workspace/configuration", seq)
	}
}

// DidChangeConfiguration takes pushed settings, then pulls the current ones
// when the client can answer (the pull model sends null settings).
func (s *Server) DidChangeConfiguration(ctx context.Context, p *protocol.DidChangeConfigurationParams) error {
	if obj, ok, err := settingsObject(p.Settings); err == nil && ok && (hasLessonlKey(p.Settings) || anyKnown(obj)) {
		s.applySettings(layerClient, p.Settings, "didChangeConfiguration", 0)
	}
	s.schedulePull()
	return nil
}

func hasLessonlKey(raw []byte) bool {
	var obj map[string]json.RawMessage
	_ = json.Unmarshal(raw, &obj)
	_, ok := obj["lessonl"]
	return ok
}

// anyKnown tells our flat settings from another tool's section.
func anyKnown(obj map[string]json.RawMessage) bool {
	for _, k := range settingKeys {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}
