package core

// Language is what a source language plugs into the runner, all of it:
// find its functions, resolve a requested name among them, put a variant in
// place for the editor, and start a measurement of a variant. Go, C and C++
// implement it.
type Language interface {
	Name() string // as in Func.Lang and LangOf
	Funcs(file string, src []byte) ([]*Func, error)
	Match(t Target, fs []*Func) (*Func, error)
	Apply(t Target, variant string) ([]byte, error)
	// Start finds m's target, puts the variant in place and returns the
	// steps that measure it with the report they fill, or a final report
	// (and no steps) when the variant cannot be put in place.
	Start(m *Measurement) (Steps, *Report, error)
}

// Steps are one measurement in a language, cut where the rules of every
// language are the same; Measure runs them in this order. Each step writes
// the facts it found, and any verdict it reached, into the report (with the
// verdict rules of verdict.go); done says the report is final. An error is
// for what prevents any verdict (the original does not build, the deadline).
type Steps interface {
	// Build builds the original and the variant; a variant that does not
	// build is final.
	Build() (done bool, err error)
	// Check compares the variant with the original. verified says the
	// evidence suffices; when it does not, why says what was missing.
	Check() (verified bool, why string, done bool, err error)
	// Time times both sides: the timing verdict of a verified variant.
	Time(verified bool) error
}

// runSteps runs a language's steps and ends the report: a variant checked
// without enough evidence is unverified, with why.
func runSteps(s Steps, rep *Report) (*Report, error) {
	if done, err := s.Build(); err != nil {
		return nil, err
	} else if done {
		return rep, nil
	}
	verified, why, done, err := s.Check()
	if err != nil {
		return nil, err
	} else if done {
		return rep, nil
	}
	if err := s.Time(verified); err != nil {
		return nil, err
	}
	EndUnverified(rep, verified, why)
	return rep, nil
}
