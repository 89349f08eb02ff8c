// Package team runs the LessonL loop: a team of small models rewrites a
// function round after round, each variant is measured by the runner, each
// agent explains its outcome as a lesson, and the bank hands the best and most
// relevant lessons to everyone in the next round. It knows nothing of LSP.
package team

import (
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/vectorbank"
)

// Agent is one model of the team, on its own Ollama host.
type Agent struct {
	Model string `json:"model"`
	Host  string `json:"host"` // e.g. http://127.0.0.1:11434; empty = OLLAMA_HOST or the default
}

// String is the agent's spelling on the command line and in settings: MODEL or MODEL@HOST.
func (a Agent) String() string {
	if a.Host == "" {
		return a.Model
	}
	return a.Model + "@" + a.Host
}

// Config is the one configuration of a run; CLI flags, the environment and
// LSP settings all map onto it.
type Config struct {
	Agents      []Agent
	Rounds      int                 // T; default 4
	Lessons     int                 // k; default 4
	Scope       vectorbank.Scope    // default all
	Selection   vectorbank.Strategy // default lessonl
	NoLessons   bool                // ablation: never show lessons
	NoFactor    bool                // ablation: ignore effectiveness factors
	Parallel    int                 // agents generating at once; default len(Agents)
	CallTimeout time.Duration       // bound on every model call; default 5m
	Measure     exec.Options        // runner options (floor, timeout, sandbox)
	Project     string              // module path or repo root, for provenance and scope
	Seed        int                 // base model seed; each round and agent derives its own from it; default 42
	NumCtx      int                 // cap on each model's context window (num_ctx is the model's own, up to this); default 8192
	KeepAlive   time.Duration       // keep_alive of every call of the run (chat and embedder); default vectorbank.OllamaKeepAlive
	MaxLoaded   int                 // models one Ollama host keeps loaded; default: what /api/ps shows, at least Ollama's default 3
	EmbedHost   string              // host of an ollama: embedder; empty = OLLAMA_HOST or the default, like an agent without one
}

// Problem is the function being optimised.
type Problem struct {
	Target exec.Target
	Func   *exec.Func // located function (source, signature, context)
}

// Variant is one agent's rewrite in one round, with its measurement.
type Variant struct {
	Agent        string       `json:"agent"`
	Model        string       `json:"model"`
	Round        int          `json:"round"`
	Code         string       `json:"code"`
	Report       *exec.Report `json:"report,omitempty"`
	Error        string       `json:"error,omitempty"`     // the model call failed: no code, no lesson
	Truncated    string       `json:"truncated,omitempty"` // why the answer was incomplete (cut at num_predict, stream ended early)
	LessonID     string       `json:"lesson_id,omitempty"`
	LessonsRead  []string     `json:"lessons_read,omitempty"`
	TokensPerS   float64      `json:"tokens_per_s,omitempty"`
	Tokens       int          `json:"tokens,omitempty"`        // generated for the code
	LessonTokens int          `json:"lesson_tokens,omitempty"` // generated for the lesson

	answered bool // a model call came back (even without usable code)
}

// Result is the outcome of a run.
type Result struct {
	Best           *Variant            `json:"best"` // nil when no variant was verified faster
	Variants       []Variant           `json:"variants"`
	LessonsLearned []vectorbank.Lesson `json:"lessons_learned"`
	LessonsUsed    []vectorbank.Lesson `json:"lessons_used"`
	Rounds         int                 `json:"rounds"`
	// Warnings are problems that did not stop the run: a lesson step or the
	// bank failed, prompts were shortened, models will be reloaded.
	Warnings []string `json:"warnings,omitempty"`
}

// Event is what a run reports as it goes; front ends (CLI, language server)
// render them. Exactly one of the concrete types below.
type Event interface{ event() }

// RoundStarted opens round Round of Of (0-based).
type RoundStarted struct {
	Round, Of int
	Lessons   []vectorbank.Selected // what every agent reads this round
}

// Generating reports an agent's progress while it writes a variant.
type Generating struct {
	Round      int
	Agent      string
	Tokens     int
	TokensPerS float64
	Done       bool
}

// Measured reports a variant's verdict as soon as the runner has it.
type Measured struct {
	Round   int
	Variant Variant
}

// AgentFailed reports a model call that failed (unreachable, 500, cut stream, garbage).
type AgentFailed struct {
	Round int
	Agent string
	Err   error
}

// LessonBanked reports a lesson that was stored.
type LessonBanked struct {
	Round  int
	Lesson vectorbank.Lesson
}

// FactorsUpdated reports the effectiveness update after a round.
type FactorsUpdated struct {
	Round   int
	Factors map[string]float64 // lesson ID -> new factor
}

// Warning reports, once, a problem that does not stop the run: the bank
// failed (the run goes on without lessons), a prompt was shortened to fit a
// model's context, or the team and embedder exceed what a host keeps loaded.
type Warning struct {
	Round int // -1 before the first round
	Text  string
}

// Remeasured reports the final re-measurement of the best variant.
type Remeasured struct{ Variant Variant }

// Done closes the run.
type Done struct{ Result *Result }

func (RoundStarted) event()   {}
func (Generating) event()     {}
func (Measured) event()       {}
func (AgentFailed) event()    {}
func (LessonBanked) event()   {}
func (FactorsUpdated) event() {}
func (Remeasured) event()     {}
func (Warning) event()        {}
func (Done) event()           {}
