package bench

import "github.com/lessonl/lessonl/exec"

// applyProblemOptions maps a problem's check and the run's OpenMP setting
// onto the runner's options: a stated tolerance is the one the runner
// applies, and only C and C++ problems have an OpenMP mode.
func applyProblemOptions(m *exec.Options, p *Problem, o Options) error {
	if p.Check.Kind == CheckTolerance {
		m.RTol = p.Check.Tolerance
	}
	if (p.Language == "c" || p.Language == "cpp") && o.OMP > 0 {
		m.OpenMP, m.Threads = true, o.OMP
	}
	return nil
}
