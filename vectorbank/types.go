// Package vectorbank is the lesson bank: lessons with embeddings, persisted in
// one store shared by all projects, and the LessonL selection rule over them.
// It never calls a chat model; its embedder is a value it is given.
//
// # Storage
//
// A store is a directory (DefaultDir) holding one append-only log,
// lessons.jsonl, and a lock file. Every change (a lesson added, factors
// re-scored, lessons removed) is one line appended under an exclusive flock,
// so any number of processes (one language server per editor window, the
// CLI) share a store without losing a lesson; each applies what the others
// appended when it next selects. A line is JSON, then a tab-separated base64
// float32 vector per lesson it adds. A line torn by a killed writer or
// otherwise damaged is skipped with a warning; the rest loads. When dead
// records outnumber live lessons, the log is rewritten atomically (temporary
// file, fsync, rename, under the lock). The first line names the embedder;
// vectors of different embedders never mix (Reindex re-embeds).
//
// # Index
//
// Each open bank holds an in-memory chromem-go collection (named after the
// store's embedder) with one document per lesson: its vector and the
// metadata selection filters on (language, outcome, project, problem key,
// model). It is built from the log at open and follows what this and other
// processes append; the vectors live only there. Relevance selection and
// scope filters are chromem-go queries; the speedup × factor half is a
// plain sort of the lessons' numbers. chromem-go's own persistence (a file
// per document, not atomic, not shared) is not used: the log is the store.
package vectorbank

import (
	"context"
	"time"
)

// Outcome classifies a lesson's variant. The strings are a contract.
type Outcome string

const (
	OutcomeFaster      Outcome = "faster"   // correct and speedup >= 1.1
	OutcomeMarginal    Outcome = "marginal" // correct, 1.0 <= speedup < 1.1
	OutcomeSlower      Outcome = "slower"   // correct, speedup < 1.0
	OutcomeIncorrect   Outcome = "incorrect"
	OutcomeBuildFailed Outcome = "build_failed"
	OutcomeTimeout     Outcome = "timeout"
	OutcomeCrashed     Outcome = "crashed"
)

// Lesson is one agent's explanation of one variant's outcome, with provenance.
type Lesson struct {
	ID          string    `json:"id"`
	Text        string    `json:"text"`
	Outcome     Outcome   `json:"outcome"`
	Speedup     float64   `json:"speedup"` // 0 when the variant failed
	SpeedupLow  float64   `json:"speedup_low"`
	SpeedupHigh float64   `json:"speedup_high"`
	Factor      float64   `json:"factor"` // effectiveness factor, starts at 1.0
	Lang        string    `json:"lang"`
	Func        string    `json:"func"`
	Signature   string    `json:"signature"`
	Original    string    `json:"original"`
	Variant     string    `json:"variant"`
	ProblemKey  string    `json:"problem_key"` // fingerprint of the original function
	Model       string    `json:"model"`
	Agent       string    `json:"agent"`
	Round       int       `json:"round"`
	Project     string    `json:"project"`
	Created     time.Time `json:"created"`
	Read        []string  `json:"read"`     // IDs of the lessons the agent had in its prompt
	Selected    int       `json:"selected"` // times handed out
	Beaten      int       `json:"beaten"`   // times a reader beat its speedup
}

// Embedder turns texts into vectors. Name and Dim identify it in the store:
// vectors of different embedders never mix.
type Embedder interface {
	Name() string
	Dim() int
	Embed(ctx context.Context, texts []string) ([][]float32, error)
}

// Scope widens selection beyond the current problem.
type Scope string

const (
	ScopeProblem Scope = "problem"
	ScopeProject Scope = "project"
	ScopeAll     Scope = "all"
)

// Strategy is the selection rule; LessonL is the method's, the others are ablations.
type Strategy string

const (
	StrategyLessonL   Strategy = "lessonl"
	StrategySpeedup   Strategy = "speedup"
	StrategyRelevance Strategy = "relevance"
	StrategyRandom    Strategy = "random"
)

// Query asks for k lessons for the code being optimised.
type Query struct {
	Code       string
	Lang       string
	ProblemKey string
	Project    string
	Scope      Scope // default ScopeAll
	K          int
	Strategy   Strategy // default StrategyLessonL
	NoFactor   bool     // ablation: rank the high set by speedup alone
	Seed       int64    // for StrategyRandom
	// File is the file being optimised. When it is inside a git repository
	// whose root holds ProjectLessonsPath (a team's lessons, kept in git),
	// those lessons are candidates too: read-only, embedded with the
	// bank's embedder, giving way to the store's lesson of the same ID.
	File string
}

// Selected is a lesson chosen by Select, with why.
type Selected struct {
	Lesson    Lesson  `json:"lesson"`
	Score     float64 `json:"score"`     // speedup×factor for the high set, similarity otherwise
	Relevance float64 `json:"relevance"` // cosine similarity to the query code
	Reason    string  `json:"reason"`    // "speedup" or "relevance"
}

// Reading is one agent's result after reading a set of lessons in a round.
type Reading struct {
	Speedup float64 // the reader's new speedup (0 if its variant failed)
	Read    []string
}
