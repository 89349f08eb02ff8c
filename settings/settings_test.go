package settings

import (
	"flag"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lessonl/lessonl/exec"
)

func noEnv(string) string { return "" }

func TestDefaults(t *testing.T) {
	s := Defaults(noEnv)
	if s.Timeout != exec.DefaultTimeout || s.Floor != exec.DefaultFloor || !s.Sandbox || s.CodeLens || s.Scope != "all" || s.Rounds != 4 || s.Lessons != 4 {
		t.Fatalf("defaults %+v", s)
	}
	if err := s.Validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	env := map[string]string{EnvModels: " a:1b, ,b:7b@gpu2 ", EnvHost: "gpu3"}
	s = Defaults(func(k string) string { return env[k] })
	if !slices.Equal(s.Models, []string{"a:1b", "b:7b@gpu2"}) || s.Host != "gpu3" {
		t.Fatalf("from the environment: %+v", s)
	}
	as, err := s.Agents()
	if err != nil || as[0].Host != "http://gpu3:11434" || as[1].Host != "http://gpu2:11434" {
		t.Fatalf("agents %v, %v", as, err)
	}
}

// TestKeysAreTheJSONNames keeps Keys, the struct's JSON names and the
// README's table one list.
func TestKeysAreTheJSONNames(t *testing.T) {
	var names []string
	for _, f := range reflectFields() {
		names = append(names, f)
	}
	if !slices.Equal(names, Keys) {
		t.Fatalf("JSON names %v, Keys %v", names, Keys)
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		check    func(c Settings) bool
		problems []string
	}{
		{"flat", `{"rounds": 2, "lessons": 0, "scope": "project", "codeLens": true, "sandbox": false}`,
			func(c Settings) bool {
				return c.Rounds == 2 && c.Lessons == 0 && c.Scope == "project" && c.CodeLens && !c.Sandbox
			}, nil},
		{"section", `{"lessonl": {"timeout": "90s", "floor": 0.1}}`,
			func(c Settings) bool { return c.Timeout == 90*time.Second && c.Floor == 0.1 }, nil},
		{"timeout in seconds", `{"timeout": 30}`, func(c Settings) bool { return c.Timeout == 30*time.Second }, nil},
		{"models as a list", `{"models": ["a:1b", "b:7b@http://gpu:11434"], "ollamaHost": "127.0.0.1:9"}`, func(c Settings) bool {
			as, err := c.Agents()
			return err == nil && len(as) == 2 && as[0].Host == "http://127.0.0.1:9" && as[1].Host == "http://gpu:11434"
		}, nil},
		{"models comma syntax", `{"models": "a:1b, b:1b"}`, func(c Settings) bool { return slices.Equal(c.Models, []string{"a:1b", "b:1b"}) }, nil},
		{"null means unset", `{"rounds": null}`, func(c Settings) bool { return c.Rounds == 4 }, nil},
		{"store with ~", `{"store": "~/lessons"}`, func(c Settings) bool {
			return !strings.HasPrefix(c.Store, "~") && strings.HasSuffix(c.Store, "/lessons")
		}, nil},
		{"bad values are ignored and named", `{"rounds": 0, "lessons": "many", "scope": "world", "timeout": "soon", "floor": 2, "sandbox": "yes", "models": [""], "ollamaHost": "ftp://x"}`,
			func(c Settings) bool {
				return c.Rounds == 4 && c.Lessons == 4 && c.Scope == "all" && c.Timeout == exec.DefaultTimeout && c.Sandbox && c.Floor == exec.DefaultFloor && c.Host == ""
			},
			[]string{`"rounds"`, `"lessons"`, `"scope"`, `"timeout"`, `"floor"`, `"sandbox"`, `"models"`, `"ollamaHost"`}},
		{"unknown keys are named", `{"roundz": 3, "rounds": 3}`, func(c Settings) bool { return c.Rounds == 3 }, []string{`unknown key "roundz"`}},
		{"an empty Lua table is nothing", `[]`, func(c Settings) bool { return c.Rounds == 4 }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Defaults(noEnv)
			obj, ok, err := Object([]byte(tt.settings))
			if err != nil || !ok {
				t.Fatalf("Object: %v %v", ok, err)
			}
			problems := c.Apply(obj)
			if !tt.check(c) {
				t.Errorf("settings %+v do not match", c)
			}
			if len(problems) != len(tt.problems) {
				t.Errorf("problems %q, want %d naming %q", problems, len(tt.problems), tt.problems)
			}
			all := strings.Join(problems, "\n")
			for _, p := range tt.problems {
				if !strings.Contains(all, p) {
					t.Errorf("problems %q do not name %s", problems, p)
				}
			}
		})
	}
}

func TestFlags(t *testing.T) {
	parse := func(args ...string) (Settings, error) {
		s := Defaults(func(k string) string { return map[string]string{EnvModels: "env:1b"}[k] })
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		AddFlags(fs, &s)
		if err := fs.Parse(args); err != nil {
			return s, err
		}
		return s, FlagError(s.Validate())
	}
	s, err := parse()
	if err != nil || !slices.Equal(s.Models, []string{"env:1b"}) || !s.Sandbox {
		t.Fatalf("no flags: %+v %v", s, err)
	}
	s, err = parse("--models", "a:1b,b:1b", "--host", "gpu2", "--rounds", "2", "--lessons", "0", "--scope", "problem",
		"--timeout", "30s", "--floor", "0.1", "--no-sandbox", "--store", "/tmp/x")
	if err != nil || len(s.Models) != 2 || s.Host != "gpu2" || s.Rounds != 2 || s.Lessons != 0 || s.Scope != "problem" ||
		s.Timeout != 30*time.Second || s.Floor != 0.1 || s.Sandbox || s.Store != "/tmp/x" {
		t.Fatalf("every flag: %+v %v", s, err)
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--rounds", "0"}, "--rounds 0"},
		{[]string{"--lessons", "-1"}, "--lessons -1"},
		{[]string{"--floor", "2"}, "--floor 2"},
		{[]string{"--timeout", "0s"}, "--timeout 0s"},
		{[]string{"--scope", "world"}, `--scope "world"`},
		{[]string{"--host", "ftp://x"}, "scheme"},
		{[]string{"--models", " , "}, "no models"},
	} {
		if _, err := parse(tt.args...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want one naming %q", tt.args, err, tt.want)
		}
	}
}
