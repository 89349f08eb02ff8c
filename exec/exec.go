// Package exec is the local runner: it answers one question, "is this variant
// of this function correct, and how much faster is it?", for untrusted code,
// inside a sandbox. It knows nothing of models, lessons or LSP.
//
// This package is the facade: it picks the language of a file and hands the
// work to it. The pipeline and the types live in internal/core, each
// language in its own package (internal/golang, internal/cxx), the sandbox
// in exec/sandbox.
package exec

import "github.com/lessonl/lessonl/exec/internal/core"

// Verdict is the runner's answer for one variant. The strings are a contract
// (CLI --json, lesson outcomes, editors).
type Verdict = core.Verdict

const (
	Faster      = core.Faster
	Same        = core.Same
	Slower      = core.Slower
	Incorrect   = core.Incorrect
	BuildFailed = core.BuildFailed
	Timeout     = core.Timeout
	Crashed     = core.Crashed
	Unverified  = core.Unverified
)

type (
	// Target names the function to optimise.
	Target = core.Target
	// Options tune one measurement; the zero value means the defaults.
	Options = core.Options
	// Rounds is the A/B timing rounds policy of Options.
	Rounds = core.Rounds
	// Report is the runner's full answer. JSON names are a contract.
	Report = core.Report
	// Checks records how correctness and timing were established.
	Checks = core.Checks
	// Failure is the first input on which the variant differed.
	Failure = core.Failure
	// Func is a located function: enough to splice, prompt and edit it.
	Func = core.Func
	// NotFoundError says that a file or a function could not be found, with
	// the closest names that do exist.
	NotFoundError = core.NotFoundError
)

// ErrNoFunc is returned by FuncAt when the offset is outside every function.
var ErrNoFunc = core.ErrNoFunc

// Defaults of Options.
const (
	DefaultFloor   = core.DefaultFloor
	DefaultTimeout = core.DefaultTimeout
	DefaultSize    = core.DefaultSize
)
