package handlers

import (
	"fmt"
	"strings"
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

// Result is the outcome of the last optimisation of one function. It is kept
// per function and on disk, so hovers and lenses come back after a restart.
// JSON names are a file format: add fields, do not rename them.
type Result struct {
	URI      string    `json:"uri"`
	File     string    `json:"file"`
	Func     string    `json:"func"`
	Lang     string    `json:"lang"`
	Original string    `json:"original"` // the function's text when the run started: staleness check
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Rounds   int       `json:"rounds"`
	Variants int       `json:"variants"`
	Agents   []string  `json:"agents"`

	// Best is the verified-faster variant, re-measured; nil when none was.
	Best *team.Variant `json:"best,omitempty"`
	// Read are the lessons that were in the best variant's prompt.
	Read []LessonNote `json:"lessons_read,omitempty"`
	// Learned are the lessons banked during the run.
	Learned []LessonNote `json:"lessons_learned,omitempty"`

	Report   string    `json:"report"`    // path of the Markdown run report
	DiffLine int       `json:"diff_line"` // 0-based line of the report's diff section
	Applied  time.Time `json:"applied,omitzero"`
}

// timeNow is the clock of applied times.
var timeNow = time.Now

// LessonNote is one lesson, as hovers and reports show it.
type LessonNote struct {
	ID      string             `json:"id"`
	Outcome vectorbank.Outcome `json:"outcome"`
	Speedup float64            `json:"speedup"`
	Model   string             `json:"model"`
	Round   int                `json:"round"`
	Text    string             `json:"text"`
}

// NoteOf summarises a lesson.
func NoteOf(l vectorbank.Lesson) LessonNote {
	return LessonNote{ID: l.ID, Outcome: l.Outcome, Speedup: l.Speedup, Model: l.Model, Round: l.Round, Text: l.Text}
}

// Faster reports whether the result has a variant verified faster.
func (r *Result) Faster() bool {
	return r != nil && r.Best != nil && r.Best.Report != nil && r.Best.Report.Verdict == exec.Faster
}

// Fresh reports whether f is still the function the run started from.
func (r *Result) Fresh(f *exec.Func) bool { return f != nil && f.Source == r.Original }

// SpeedupText is "2.31×".
func (r *Result) SpeedupText() string {
	if !r.Faster() {
		return ""
	}
	return fmt.Sprintf("%.2f×", r.Best.Report.Speedup)
}

// IntervalText is "2.31× [2.20, 2.45]".
func (r *Result) IntervalText() string {
	if !r.Faster() {
		return ""
	}
	rep := r.Best.Report
	return fmt.Sprintf("%.2f× [%.2f, %.2f]", rep.Speedup, rep.SpeedupLow, rep.SpeedupHigh)
}

// oneLine is the first line of s, shortened to n runes.
func oneLine(s string, n int) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if r := []rune(s); len(r) > n {
		s = string(r[:n-1]) + "…"
	}
	return s
}
