// Package core is what every language of the runner shares: the Language
// interface a language implements, the measurement pipeline around its
// steps (options, sandbox, work directory, deadline, timing rounds), the
// verdict rules, the statistics, name matching and the splice helpers. The
// exec facade re-exports its public types; languages live in their own
// packages (golang, cxx) and name nothing of each other.
package core

import "time"

// Verdict is the runner's answer for one variant. The strings are a contract
// (CLI --json, lesson outcomes, editors).
type Verdict string

const (
	Faster      Verdict = "faster"
	Same        Verdict = "same"
	Slower      Verdict = "slower"
	Incorrect   Verdict = "incorrect"
	BuildFailed Verdict = "build_failed"
	Timeout     Verdict = "timeout"
	Crashed     Verdict = "crashed"
	Unverified  Verdict = "unverified"
)

// Verified reports whether the variant was shown correct and timed.
func (v Verdict) Verified() bool { return v == Faster || v == Same || v == Slower }

// Target names the function to optimise. Func is `Name`, `(*T).Method` or
// `T.Method`. Source, when non-nil, is the file's current text (an unsaved
// editor buffer) and is used instead of what is on disk.
type Target struct {
	File   string
	Func   string
	Source []byte
}

// Options tune one measurement. The zero value means the defaults.
type Options struct {
	Floor     float64       // noise floor for faster/slower; default 0.05
	Timeout   time.Duration // wall clock for the whole measurement; default 2m
	NoSandbox bool          // run without bubblewrap even when it is available
	Size      int           // size of generated inputs (slice length etc.); default 1000
	// RTol is the relative tolerance of the generated check for floats; 0
	// keeps the defaults (Go: 1e-9, float32 1e-5; C/C++: lessonl.toml's
	// rtol, else 1e-6). Single-precision results never get less than 1e-5.
	RTol float64

	Rounds   Rounds        // A/B timing rounds policy; zero fields take DefaultMeasureRounds' (Min 6, Max 20, Width 0.05, MaxTime 15s)
	RunTime  time.Duration // benchmark time of one timing run; default 25ms
	CacheDir string        // the sandbox's persistent Go build cache; default os.UserCacheDir()/lessonl/gocache

	// C and C++ (cxx*.go); lessonl.toml's [c]/[cpp] tables set the same per project.
	CFlags  []string // compiler flags instead of the defaults (C++: -std=c++17 -O3 -march=native; C: -std=c11 -O3 -march=native)
	OpenMP  bool     // compile with -fopenmp: variants may use OpenMP
	Threads int      // OMP_NUM_THREADS in OpenMP mode; default lessonl.toml's threads, else the number of CPUs
}

// Report is the runner's full answer. JSON names are a contract.
type Report struct {
	Verdict     Verdict  `json:"verdict"`
	Speedup     float64  `json:"speedup"`
	SpeedupLow  float64  `json:"speedup_low"`
	SpeedupHigh float64  `json:"speedup_high"`
	OriginalNs  float64  `json:"original_ns"`
	VariantNs   float64  `json:"variant_ns"`
	Checks      Checks   `json:"checks"`
	Detail      string   `json:"detail"`
	Failure     *Failure `json:"failure,omitempty"`
	Sandboxed   bool     `json:"sandboxed"`
	Lang        string   `json:"lang"`
	Func        string   `json:"func"`
}

// Checks records how correctness and timing were established.
type Checks struct {
	Tests          []string `json:"tests"`           // package tests run against the variant
	GeneratedCases int      `json:"generated_cases"` // differential inputs compared
	Seeds          []int64  `json:"seeds"`
	Benchmark      string   `json:"benchmark"` // the benchmark used for timing
	Rounds         int      `json:"rounds"`    // A/B timing rounds
	Spread         float64  `json:"spread"`    // relative spread of the ratio samples
}

// Failure is the first input on which the variant differed from the original.
type Failure struct {
	Input    string `json:"input"`
	Original string `json:"original"`
	Variant  string `json:"variant"`
	Test     string `json:"test,omitempty"` // the failing package test, if any
}

// Func is a located function: enough to splice, prompt and edit it.
type Func struct {
	Name      string `json:"name"` // as in Target.Func
	Lang      string `json:"lang"` // "go", "c", "cpp"
	File      string `json:"file"`
	Start     int    `json:"start"`     // byte offset of the first byte (doc comment excluded)
	End       int    `json:"end"`       // byte offset just past the closing brace
	Source    string `json:"source"`    // File[Start:End]
	Signature string `json:"signature"` // e.g. "func Sum(xs []int) int"
	Context   string `json:"context"`   // package clause, imports and the types it uses: for prompts

	DocStart int // offset of the doc comment, or Start: FuncAt counts the doc as the function's
}
