package settings

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/lessonl/lessonl/internal/ollamahost"
	"github.com/lessonl/lessonl/vectorbank"
)

// StoreHelp is the lesson store's fallback chain, for help texts.
const StoreHelp = "lesson store `DIR` (default $" + EnvHome + ", else $XDG_DATA_HOME/lessonl, else ~/.local/share/lessonl)"

// AddFlags binds the command-line flags of keys (all settings keys but
// codeLens when none are named) to s, which holds the defaults: call it on
// Defaults' result, parse, then Validate. The flags are --models, --host,
// --rounds, --lessons, --scope, --store, --timeout, --floor and
// --no-sandbox; their names are a contract.
func AddFlags(fs *flag.FlagSet, s *Settings, keys ...string) {
	if len(keys) == 0 {
		keys = []string{"models", "ollamaHost", "rounds", "lessons", "scope", "store", "timeout", "floor", "sandbox"}
	}
	for _, k := range keys {
		switch k {
		case "models":
			fs.Var((*modelsFlag)(&s.Models), "models", "`LIST` of agents, comma-separated MODEL or MODEL@HOST (from $"+EnvModels+" when set)")
		case "ollamaHost":
			fs.Var((*hostFlag)(&s.Host), "host", "Ollama `HOST` for agents without @HOST and for ollama: embedders (default $"+EnvHost+", else "+ollamahost.Default+"); a bare host gets port 11434")
		case "rounds":
			fs.IntVar(&s.Rounds, "rounds", s.Rounds, "rounds T")
		case "lessons":
			fs.IntVar(&s.Lessons, "lessons", s.Lessons, "lessons k given to every agent each round (0: none)")
		case "scope":
			fs.Var((*scopeFlag)(&s.Scope), "scope", "lesson `SCOPE`: where lessons come from, problem, project or all")
		case "store":
			fs.StringVar(&s.Store, "store", s.Store, StoreHelp)
		case "timeout":
			fs.DurationVar(&s.Timeout, "timeout", s.Timeout, "bound on measuring one variant")
		case "floor":
			fs.Float64Var(&s.Floor, "floor", s.Floor, "noise floor: faster only when the whole interval is above 1+floor")
		case "sandbox":
			fs.BoolFunc("no-sandbox", "run variants without bubblewrap (rlimits and timeouts only)", func(v string) error {
				b, err := strconv.ParseBool(v)
				s.Sandbox = !b
				return err
			})
		default:
			panic("settings: no flag for key " + k)
		}
	}
}

// FlagError rewords a Validate error in flag terms for the CLI.
func FlagError(err error) error {
	if err == nil {
		return nil
	}
	msg := err.Error()
	for _, r := range [][2]string{{"ollamaHost:", "--host:"}, {"models:", "--models:"}, {"rounds ", "--rounds "}, {"lessons ", "--lessons "},
		{"scope ", "--scope "}, {"timeout ", "--timeout "}, {"floor ", "--floor "}} {
		if strings.HasPrefix(msg, r[0]) {
			return fmt.Errorf("%s%s", r[1], strings.TrimPrefix(msg, r[0]))
		}
	}
	return err
}

type modelsFlag []string

func (m *modelsFlag) String() string { return strings.Join(*m, ",") }
func (m *modelsFlag) Set(v string) error {
	ms := splitModels(v)
	if len(ms) == 0 {
		return fmt.Errorf("no models in %q: give MODEL or MODEL@HOST, comma-separated", v)
	}
	*m = ms
	return nil
}

type hostFlag string

func (h *hostFlag) String() string { return string(*h) }
func (h *hostFlag) Set(v string) error {
	if _, err := ollamahost.Parse(v); err != nil {
		return err
	}
	*h = hostFlag(strings.TrimSpace(v))
	return nil
}

type scopeFlag vectorbank.Scope

func (s *scopeFlag) String() string { return string(*s) }
func (s *scopeFlag) Set(v string) error {
	switch sc := vectorbank.Scope(v); sc {
	case vectorbank.ScopeProblem, vectorbank.ScopeProject, vectorbank.ScopeAll:
		*s = scopeFlag(sc)
		return nil
	}
	return fmt.Errorf("--scope %q: want problem, project or all", v)
}
