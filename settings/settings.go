// Package settings is LessonL's one configuration: every key of the README's
// settings table, its default and its environment variable, read and
// checked in one place. The front ends only fill it: the CLI from flags
// (AddFlags), the language server from initializationOptions and pulled or
// pushed configuration (Object, Apply), bench from its own flags. The
// optimise flow (package optimize) reads it.
package settings

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/internal/ollamahost"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

// Settings are the knobs of one optimisation. The JSON names are the
// editors' settings keys: a contract.
type Settings struct {
	Models   []string         `json:"models"`     // MODEL or MODEL@HOST
	Host     string           `json:"ollamaHost"` // for models without @HOST; "" = OLLAMA_HOST, else ollamahost.Default
	Rounds   int              `json:"rounds"`     // T
	Lessons  int              `json:"lessons"`    // k; 0 runs without lessons
	Scope    vectorbank.Scope `json:"scope"`      // where lessons come from
	Store    string           `json:"store"`      // lesson store; "" = LESSONL_HOME, else the shared default
	Timeout  time.Duration    `json:"timeout"`    // bound on measuring one variant
	Floor    float64          `json:"floor"`      // noise floor of the faster verdict
	Sandbox  bool             `json:"sandbox"`    // run variants in bubblewrap
	CodeLens bool             `json:"codeLens"`   // "Optimize with lessons" above every function
}

// Keys are the settings' names, in the README's order: a contract with the
// editors and their users' settings.
var Keys = []string{"models", "ollamaHost", "rounds", "lessons", "scope", "store", "timeout", "floor", "sandbox", "codeLens"}

// The environment variables the settings read.
const (
	EnvModels = "LESSONL_MODELS"
	EnvHost   = ollamahost.Env // OLLAMA_HOST
	EnvHome   = "LESSONL_HOME" // read by vectorbank.DefaultDir
)

// Defaults are the settings when nothing sets a key: the environment, then
// the built-in defaults. getenv is os.Getenv outside tests.
func Defaults(getenv func(string) string) Settings {
	s := Settings{
		Models:  team.DefaultModels,
		Host:    strings.TrimSpace(getenv(EnvHost)),
		Rounds:  team.DefaultRounds,
		Lessons: team.DefaultLessons,
		Scope:   vectorbank.ScopeAll,
		Timeout: exec.DefaultTimeout,
		Floor:   exec.DefaultFloor,
		Sandbox: true,
	}
	if ms := splitModels(getenv(EnvModels)); len(ms) > 0 {
		s.Models = ms
	}
	return s
}

// FromEnv is Defaults with the process environment.
func FromEnv() Settings { return Defaults(os.Getenv) }

// ModelsHelp says where the models come from, for help texts.
func ModelsHelp() string {
	return "$" + EnvModels + ", else " + strings.Join(team.DefaultModels, ",")
}

func splitModels(spec string) []string {
	var out []string
	for _, m := range strings.Split(spec, ",") {
		if m = strings.TrimSpace(m); m != "" {
			out = append(out, m)
		}
	}
	return out
}

// StoreDir is the lesson store: the setting, else LESSONL_HOME, else the
// shared default.
func (s Settings) StoreDir() string {
	if s.Store != "" {
		return s.Store
	}
	return vectorbank.DefaultDir()
}

// OllamaHost is the host in effect for agents without @HOST and for
// embedders: the setting, else OLLAMA_HOST, else Ollama's default,
// normalised by ollamahost's one rule.
func (s Settings) OllamaHost() (string, error) {
	h, err := ollamahost.Resolve(s.Host, os.Getenv)
	if err != nil {
		return "", fmt.Errorf("bad Ollama host (--host, \"ollamaHost\" or OLLAMA_HOST): %w", err)
	}
	return h, nil
}

// Agents parses the models into the team, every agent with its host.
func (s Settings) Agents() ([]team.Agent, error) {
	host, err := s.OllamaHost()
	if err != nil {
		return nil, err
	}
	var out []team.Agent
	for _, m := range s.Models {
		a, err := team.ParseAgent(m, host)
		if err != nil {
			return nil, fmt.Errorf("bad model in --models, \"models\" or %s: %w", EnvModels, err)
		}
		out = append(out, a)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no models: set --models, the \"models\" setting (e.g. [\"qwen2.5-coder:7b\"]) or %s", EnvModels)
	}
	return out, nil
}

// Measure puts the settings' runner knobs over base (the options that are
// not settings: input size, tolerance, OpenMP, timing rounds).
func (s Settings) Measure(base exec.Options) exec.Options {
	base.Floor, base.Timeout, base.NoSandbox = s.Floor, s.Timeout, !s.Sandbox
	return base
}

// Validate checks every key; the error names the first bad one and what it
// takes. Apply checks the same rules key by key.
func (s Settings) Validate() error { return s.Check(Keys...) }

// Check is Validate for some keys only: a command that uses only those.
func (s Settings) Check(keys ...string) error {
	var errs []error
	for _, k := range keys {
		if err := s.check(k); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// check is the one rule of key k.
func (s Settings) check(k string) error {
	switch k {
	case "models":
		if len(s.Models) == 0 {
			return fmt.Errorf("models: want at least one MODEL or MODEL@HOST")
		}
		for _, m := range s.Models {
			if _, err := team.ParseAgent(m, ""); err != nil {
				return fmt.Errorf("models: %w", err)
			}
		}
	case "ollamaHost":
		if s.Host != "" {
			if _, err := ollamahost.Parse(s.Host); err != nil {
				return fmt.Errorf("ollamaHost: %w", err)
			}
		}
	case "rounds":
		if s.Rounds < 1 || s.Rounds > 100 {
			return fmt.Errorf("rounds %d: want an integer from 1 to 100", s.Rounds)
		}
	case "lessons":
		if s.Lessons < 0 || s.Lessons > 100 {
			return fmt.Errorf("lessons %d: want an integer from 0 to 100", s.Lessons)
		}
	case "scope":
		switch s.Scope {
		case vectorbank.ScopeProblem, vectorbank.ScopeProject, vectorbank.ScopeAll:
		default:
			return fmt.Errorf("scope %q: want problem, project or all", s.Scope)
		}
	case "timeout":
		if s.Timeout <= 0 {
			return fmt.Errorf("timeout %v: want a positive duration like 5m or 90s", s.Timeout)
		}
	case "floor":
		if s.Floor < 0 || s.Floor >= 1 || math.IsNaN(s.Floor) {
			return fmt.Errorf("floor %v: want a number from 0 to 1, e.g. 0.05", s.Floor)
		}
	}
	return nil
}

// Object finds the flat settings object in what a client sent: the object
// itself, or its "lessonl" member. ok is false when there is nothing for us
// (null, or another tool's section).
func Object(raw []byte) (obj map[string]json.RawMessage, ok bool, err error) {
	switch strings.TrimSpace(string(raw)) {
	case "", "null":
		return nil, false, nil
	case "[]", "{}":
		// Nothing set; Neovim encodes an empty Lua table as [].
		return map[string]json.RawMessage{}, true, nil
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, false, fmt.Errorf("settings must be a JSON object with keys %s: %w", strings.Join(Keys, ", "), err)
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

// HasSection reports whether raw has a "lessonl" member.
func HasSection(raw []byte) bool {
	var obj map[string]json.RawMessage
	_ = json.Unmarshal(raw, &obj)
	_, ok := obj["lessonl"]
	return ok
}

// AnyKnown tells our flat settings from another tool's section.
func AnyKnown(obj map[string]json.RawMessage) bool {
	for _, k := range Keys {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}

// Apply sets the keys present in obj (null means "not set") and returns
// the problems: unknown keys and bad values, which are ignored, so a bad
// setting never stops a server.
func (s *Settings) Apply(obj map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var problems []string
	for _, k := range keys {
		v := obj[k]
		if string(v) == "null" {
			continue
		}
		if err := s.set(k, v); err != nil {
			problems = append(problems, err.Error())
		}
	}
	return problems
}

// set reads one key's JSON value into s, or says why not.
func (s *Settings) set(k string, v json.RawMessage) error {
	bad := func(want string) error { return fmt.Errorf("%q: want %s, got %s; ignored", k, want, clipRaw(v)) }
	next := *s
	switch k {
	case "models":
		ms, ok := parseModels(v)
		if !ok {
			return bad(`an array of "MODEL" or "MODEL@HOST" strings`)
		}
		next.Models = ms
	case "ollamaHost":
		if json.Unmarshal(v, &next.Host) != nil {
			return bad("a host like http://127.0.0.1:11434")
		}
	case "rounds", "lessons":
		n, ok := parseInt(v)
		if !ok {
			n = -1
		}
		if k == "rounds" {
			next.Rounds = n
		} else {
			next.Lessons = n
		}
	case "scope":
		var sc string
		json.Unmarshal(v, &sc)
		next.Scope = vectorbank.Scope(sc)
	case "store":
		var dir string
		if json.Unmarshal(v, &dir) != nil {
			return bad("a directory path")
		}
		next.Store = ExpandHome(dir)
	case "timeout":
		d, ok := parseDuration(v)
		if !ok {
			d = -1
		}
		next.Timeout = d
	case "floor":
		if json.Unmarshal(v, &next.Floor) != nil {
			next.Floor = math.NaN()
		}
	case "sandbox", "codeLens":
		var b bool
		if json.Unmarshal(v, &b) != nil {
			return bad("true or false")
		}
		if k == "sandbox" {
			next.Sandbox = b
		} else {
			next.CodeLens = b
		}
	default:
		return fmt.Errorf("unknown key %q ignored (the settings are %s)", k, strings.Join(Keys, ", "))
	}
	if err := next.check(k); err != nil {
		return fmt.Errorf("%q: %v (got %s); ignored", k, err, clipRaw(v))
	}
	*s = next
	return nil
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
		if m = strings.TrimSpace(m); m == "" {
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

// ExpandHome expands a leading ~ in a directory setting.
func ExpandHome(p string) string {
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
