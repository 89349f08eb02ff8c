package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/lessonl/lessonl/exec"
)

// FormatVersion is results.json's format; readers refuse newer ones.
const FormatVersion = 1

// Status of a problem in results.json.
const (
	StatusDone  = "done"  // the team ran to the end
	StatusError = "error" // the bench could not run it (see Error); --resume runs it again
)

// Output file names inside --out.
const (
	ResultsJSON = "results.json"
	ResultsMD   = "results.md"
	PlotSVG     = "speedups.svg"
	StoreDir    = "lessons" // the run's own lesson store, unless --store is given
)

// Results is results.json: the run's configuration, every finished problem
// and the metrics. JSON names are a contract.
type Results struct {
	Format   int             `json:"format"`
	Suite    string          `json:"suite"`
	SuiteDir string          `json:"suite_dir"`
	Config   RunConfig       `json:"config"`
	Started  time.Time       `json:"started"`
	Updated  time.Time       `json:"updated"`
	Selected int             `json:"selected"` // problems the run covers (all, or those --run matches)
	Finished bool            `json:"finished"` // every selected problem has a result (done or error)
	Summary  Summary         `json:"summary"`
	Problems []ProblemResult `json:"problems"`
}

// RunConfig is what shaped a run; --resume refuses to mix configurations.
type RunConfig struct {
	Strategy Strategy `json:"strategy"`
	Models   []string `json:"models"` // MODEL or MODEL@HOST, as given
	Rounds   int      `json:"rounds"`
	Lessons  int      `json:"lessons"`
	Scope    string   `json:"scope"`
	OMP      int      `json:"omp,omitempty"`  // OpenMP threads for C and C++; 0 = serial
	Size     int      `json:"size,omitempty"` // overrides every problem's input size when set
	Run      string   `json:"run,omitempty"`  // the problem filter (a regular expression), if any
	Store    string   `json:"store"`          // the lesson store used: "lessons" (the run's own, in its directory) or --store
	Embedder string   `json:"embedder"`
	Version  string   `json:"version,omitempty"` // lessonl's version
}

// ProblemResult is one problem's outcome. The final answer is the team's
// best variant, re-measured (the method's rule); Speedup is its speedup and
// Counted what the geometric mean counts (1 when wrong, missing or slower).
type ProblemResult struct {
	Name     string `json:"name"`
	Category string `json:"category"`
	Language string `json:"language"`
	File     string `json:"file"` // relative to the suite directory
	Function string `json:"function"`
	Size     int    `json:"size"`
	Check    Check  `json:"check"`

	Status string `json:"status"`
	Error  string `json:"error,omitempty"`

	Built    bool         `json:"built"`   // some variant compiled
	Correct  bool         `json:"correct"` // some variant was verified correct
	Speedup  float64      `json:"speedup"` // the final answer's re-measured speedup; 0 when there is none
	Counted  float64      `json:"counted"` // what the geometric mean counts
	Interval [2]float64   `json:"interval"`
	Verdict  exec.Verdict `json:"verdict,omitempty"` // the final answer's re-measured verdict
	Agent    string       `json:"agent,omitempty"`   // who wrote the final answer
	Round    int          `json:"round"`             // in which round (0-based, like the team's)
	Code     string       `json:"code,omitempty"`    // the final answer

	Variants     int            `json:"variants"`
	Verdicts     map[string]int `json:"verdicts"` // variant verdicts; "error" for model calls that gave no code
	Lessons      int            `json:"lessons_learned"`
	CodeTokens   int            `json:"code_tokens"`
	LessonTokens int            `json:"lesson_tokens"` // generated for the lessons (solicitation)
	Seconds      float64        `json:"seconds"`
}

// ReadResults reads a results.json.
func ReadResults(path string) (*Results, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("couldn't read results: %w", err)
	}
	var r Results
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("couldn't read results %s: not a results.json of lessonl bench: %w", path, err)
	}
	if r.Format == 0 || r.Format > FormatVersion {
		return nil, fmt.Errorf("couldn't read results %s: format %d is not one this lessonl reads (it reads format %d); use a matching lessonl", path, r.Format, FormatVersion)
	}
	return &r, nil
}

// refresh recomputes the derived fields before a write.
func (r *Results) refresh(selected int) {
	r.Format = FormatVersion
	r.Updated = time.Now().UTC()
	if r.Problems == nil {
		r.Problems = []ProblemResult{}
	}
	for i := range r.Problems {
		p := &r.Problems[i]
		p.Counted = Counted(p.Correct, p.Speedup)
	}
	r.Summary = Summarize(r.Problems)
	r.Selected = selected
	r.Finished = len(r.Problems) >= selected
}

// write saves results.json, results.md and the plot in dir, each atomically,
// so an interruption at any moment leaves whole files.
func (r *Results) write(dir string) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("couldn't encode results: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, ResultsJSON), append(data, '\n')); err != nil {
		return err
	}
	if err := writeAtomic(filepath.Join(dir, ResultsMD), []byte(Markdown(r))); err != nil {
		return err
	}
	return writeAtomic(filepath.Join(dir, PlotSVG), []byte(PlotSpeedups(r)))
}

func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("couldn't write %s: %w; check that the --out directory is writable", path, err)
	}
	_, werr := tmp.Write(data)
	if err := errors.Join(werr, tmp.Sync(), tmp.Close()); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("couldn't write %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("couldn't write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("couldn't write %s: %w", path, err)
	}
	return nil
}
