package core

// Language is what a source language plugs into the runner, all of it:
// find its functions, resolve a requested name among them, put a variant in
// place for the editor, and measure a variant. Go, C and C++ implement it.
type Language interface {
	Name() string // as in Func.Lang and LangOf
	Funcs(file string, src []byte) ([]*Func, error)
	Match(t Target, fs []*Func) (*Func, error)
	Apply(t Target, variant string) ([]byte, error)
	Measure(m *Measurement) (*Report, error)
}
