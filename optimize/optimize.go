// Package optimize is the one "optimise a function" use case, shared by the
// three front ends: `lessonl optimize`, the language server's code action
// (through handlers) and `lessonl bench`. It sits between them and team:
// the front ends own their words (flags, LSP, suites) and fill a Request;
// this package checks that the function can be measured before any model
// is called, builds the team from the settings, checks the models, opens
// the lesson bank and runs the method. team stays the method alone, with no
// notion of settings, stores or front ends.
package optimize

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/settings"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

// Ablations are the run's switches that are not user settings: the paper's
// ablations and the model-calling knobs. The zero value is the method.
type Ablations struct {
	Selection   vectorbank.Strategy // lesson selection; "" = lessonl
	NoLessons   bool                // agents never see lessons
	NoFactor    bool                // ignore effectiveness factors
	Single      bool                // the first agent alone
	Parallel    int                 // agents generating at once; 0 = all
	CallTimeout time.Duration       // bound on every model call; 0 = team's default
}

// Request is one optimisation.
type Request struct {
	Settings settings.Settings
	// Target is the function; Target.Source, when set, is the file's text
	// (an editor's unsaved buffer); else the file is read.
	Target exec.Target
	// Measure holds the runner options that are not settings (input size,
	// tolerance, OpenMP, timing rounds); the settings' timeout, floor and
	// sandbox go over it.
	Measure   exec.Options
	Ablations Ablations
	// Project names the function's project for provenance and scope;
	// "" = the module or repository of Target.File.
	Project string

	// Bank is the lesson bank to use; nil opens Settings.StoreDir() with
	// Embedder (the store's own embedder when "").
	Bank     *vectorbank.Bank
	Embedder string

	// Pull decides whether to pull a missing model; nil never pulls.
	Pull   func(model, host string) bool
	OnPull func(team.PullProgress)
	// Status hears what happens before the team starts; may be nil.
	Status func(string)
	// Events hears the team; may be nil.
	Events func(team.Event)
	// SkipModelCheck skips the Ollama preflight: a caller that checked the
	// team once for many runs (bench).
	SkipModelCheck bool
}

// Outcome is a run's result with what the front ends show of it.
type Outcome struct {
	Func     *exec.Func
	Agents   []team.Agent
	Result   *team.Result
	Read     []vectorbank.Lesson // the lessons in the best variant's prompt
	Started  time.Time
	Finished time.Time
}

// Run optimises one function. A run that fails after the team started
// returns its partial Outcome with the error (lessons learned so far are
// banked); a cancelled run returns ctx's error.
func Run(ctx context.Context, r Request) (*Outcome, error) {
	status := r.Status
	if status == nil {
		status = func(string) {}
	}
	if err := r.Settings.Validate(); err != nil {
		return nil, err
	}
	f, err := Check(r.Target, r.Measure)
	if err != nil {
		return nil, err
	}
	agents, err := Agents(r.Settings, r.Ablations)
	if err != nil {
		return nil, err
	}
	if !r.SkipModelCheck {
		status("checking " + ModelList(agents))
		if err := CheckModels(ctx, agents, r.Pull, r.OnPull); err != nil {
			return nil, err
		}
	}
	bank := r.Bank
	if bank == nil {
		bank, err = OpenBank(r.Settings, r.Embedder)
		if err != nil {
			return nil, err
		}
		defer bank.Close()
	}
	cfg := Config(r.Settings, r.Ablations, agents, r.Measure)
	cfg.Project = r.Project
	if cfg.Project == "" {
		cfg.Project = team.ProjectOf(r.Target.File)
	}
	out := &Outcome{Func: f, Agents: agents, Started: time.Now()}
	res, runErr := team.Run(ctx, team.Problem{Target: r.Target, Func: f}, cfg, bank, r.Events)
	out.Finished = time.Now()
	if res == nil {
		return nil, runErr
	}
	out.Result = res
	if res.Best != nil {
		for _, id := range res.Best.LessonsRead {
			if l, ok := bank.Get(id); ok {
				out.Read = append(out.Read, l)
			}
		}
	}
	return out, runErr
}

// Agents is the team the settings name, cut to one agent for the single
// ablation.
func Agents(s settings.Settings, a Ablations) ([]team.Agent, error) {
	agents, err := s.Agents()
	if err != nil {
		return nil, err
	}
	if a.Single {
		agents = agents[:1]
	}
	return agents, nil
}

// Config maps settings and ablations onto the team's configuration.
func Config(s settings.Settings, a Ablations, agents []team.Agent, measure exec.Options) team.Config {
	return team.Config{
		Agents: agents, Rounds: s.Rounds, Lessons: s.Lessons, Scope: s.Scope,
		Selection: a.Selection, NoLessons: a.NoLessons || s.Lessons == 0, NoFactor: a.NoFactor,
		Parallel: a.Parallel, CallTimeout: a.CallTimeout, Measure: s.Measure(measure),
		EmbedHost: embedHost(s),
	}
}

// embedHost is the host of an ollama: embedder: the settings' Ollama host,
// by the one host rule (empty when unset, which team reads the same way).
func embedHost(s settings.Settings) string {
	h, err := s.OllamaHost()
	if err != nil {
		return ""
	}
	return h
}

// OpenBank opens the settings' lesson store with embedder (a new store's;
// "" = the store's own, else the built-in hash embedder). An ollama:
// embedder talks to the settings' Ollama host, by the one host rule.
func OpenBank(s settings.Settings, embedder string) (*vectorbank.Bank, error) {
	dir := s.StoreDir()
	if embedder == "" {
		embedder, _ = vectorbank.StoreEmbedder(dir)
	}
	emb, err := Embedder(s, embedder)
	if err != nil {
		return nil, fmt.Errorf("the lesson store %s: %w", dir, err)
	}
	return vectorbank.Open(dir, emb)
}

// Embedder makes the named embedder, an ollama: one on the settings' host.
func Embedder(s settings.Settings, name string) (vectorbank.Embedder, error) {
	host := ""
	if strings.HasPrefix(name, "ollama:") {
		h, err := s.OllamaHost()
		if err != nil {
			return nil, err
		}
		host = h
	}
	return vectorbank.EmbedderByName(name, host)
}

// ModelList is "a, b, c".
func ModelList(as []team.Agent) string {
	names := make([]string, len(as))
	for i, a := range as {
		names[i] = a.Model
	}
	return strings.Join(names, ", ")
}
