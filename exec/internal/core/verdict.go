package core

import (
	"errors"
	"fmt"
	"strings"

	"github.com/lessonl/lessonl/exec/sandbox"
)

// The verdict rules shared by every language: what a failed build, a
// differing output, an abnormal end, a failed timing run and missing
// evidence make of a report. Languages find the facts; these words and
// verdicts are written once.

// DiffResult is the LESSONL-RESULT line of a generated differential check:
// the Go harness and the C/C++ driver print the same JSON.
type DiffResult struct {
	Status     string `json:"status"`      // ok, mismatch, unstable, stopped, unsupported; variant_panic, variant_threw, variant_crash, variant_exit, variant_timeout
	Cases      int    `json:"cases"`       // inputs on which both ran and agreed
	Panics     int    `json:"panics"`      // of those, inputs on which both failed (Go: panicked; C/C++: threw)
	OrigFailed int    `json:"orig_failed"` // inputs on which the original crashed, left out (C/C++)
	Case       int    `json:"case"`
	Seed       int64  `json:"seed"`
	Profile    string `json:"profile"`
	Input      string `json:"input"`
	Original   string `json:"original"`
	Variant    string `json:"variant"`
	Where      string `json:"where"`
	Note       string `json:"note"`
}

// Failure is the input d's verdict was found on.
func (d *DiffResult) Failure() *Failure {
	return &Failure{Input: d.Input, Original: d.Original, Variant: d.Variant}
}

// Mismatch writes the incorrect verdict of a variant whose output differs.
func (d *DiffResult) Mismatch(rep *Report) {
	rep.Verdict = Incorrect
	rep.Failure = d.Failure()
	where := ""
	if d.Where != "" {
		where = " at " + d.Where
	}
	rep.Detail = fmt.Sprintf("the variant differs from the original%s on a generated input (%s inputs, seed %d):\n  input:    %s\n  original: %s\n  variant:  %s",
		where, d.Profile, d.Seed, d.Input, d.Original, d.Variant)
}

// SpliceFailed makes a variant that cannot be put in place (a
// *spliceError) build_failed; other errors stop the measurement.
func SpliceFailed(rep *Report, err error) (*Report, error) {
	var se *SpliceError
	if errors.As(err, &se) {
		rep.Verdict, rep.Detail = BuildFailed, se.reason
		return rep, nil
	}
	return nil, err
}

// FailBuild is the verdict of a variant that does not compile; where says
// more (" where it is called"), out is the compiler's cleaned output.
func FailBuild(rep *Report, where, out string) {
	rep.Verdict, rep.Detail = BuildFailed, "the variant does not compile"+where+":\n"+out
}

// FailedBuildText is a failed compiler or build run's output, with why it
// ended when the sandbox stopped it (who: "the build", "the compiler") and
// the exit status when it printed nothing.
func FailedBuildText(out string, res sandbox.RunResult, who, cmd string) string {
	switch {
	case res.TimedOut:
		out += "\n(" + who + " was stopped: it did not finish in time)"
	case res.MemoryExceeded:
		out += "\n(" + who + " ran out of memory)"
	case res.Signal != "":
		out += "\n(" + who + " was killed: " + res.Signal + ")"
	}
	if strings.TrimSpace(out) == "" {
		out = fmt.Sprintf("%s exited with status %d", cmd, res.ExitCode)
	}
	return out
}

// EndedEarly writes the verdict of a variant run stopped by its limits:
// the wall clock or CPU time (timeout), memory (crashed, under the limit of
// memMiB). It reports whether one of them applied; other abnormal ends are
// the language's to tell.
func EndedEarly(rep *Report, timedOut, cpuExceeded, outOfMemory bool, where string, memMiB int64) bool {
	switch {
	case timedOut:
		rep.Verdict = Timeout
		rep.Detail = "the variant did not finish " + where
	case cpuExceeded:
		rep.Verdict = Timeout
		rep.Detail = "the variant used up its CPU time " + where
	case outOfMemory:
		rep.Verdict = Crashed
		rep.Detail = fmt.Sprintf("the variant ran out of memory %s (limit %d MiB)", where, memMiB)
	default:
		return false
	}
	return true
}

// TimingError is a timing run that could not give times: the variant failed
// (its verdict is written) or the original could not be timed (msg says why).
type TimingError struct {
	Msg           string
	VariantFailed bool
}

func (e *TimingError) Error() string { return e.Msg }

// Timed runs the timing rounds and puts their outcome in rep: the times and,
// for a verified variant, the timing verdict. When the rounds ended on a
// *timingError the report is final without times and ok is false: the
// variant's failure is its verdict, and a correct variant whose original
// cannot be timed is unverified.
func (m *Measurement) Timed(rep *Report, run TimeRound, verified bool) (ok bool, err error) {
	orig, vari, err := m.timeRounds(run)
	var te *TimingError
	switch {
	case errors.As(err, &te) && te.VariantFailed:
		return false, nil
	case errors.As(err, &te):
		if rep.Detail != "" {
			rep.Detail += "\n"
		}
		rep.Detail += te.Error()
		if verified {
			rep.Verdict = Unverified
			rep.Detail = "correct, but " + rep.Detail
		}
		return false, nil
	case err != nil:
		return false, err
	}
	m.fillTiming(rep, orig, vari, verified)
	return true, nil
}

// EndUnverified ends a report whose variant was not shown correct and has no
// verdict yet: why says what evidence was missing.
func EndUnverified(rep *Report, verified bool, why string) {
	if !verified && rep.Verdict == "" {
		Unverifiable(rep, why+"\n"+rep.Detail)
	}
}

// Unverifiable is the verdict of a variant whose correctness could not be
// checked; why says what was missing.
func Unverifiable(rep *Report, why string) {
	rep.Verdict = Unverified
	rep.Detail = "correctness could not be checked: " + why
}
