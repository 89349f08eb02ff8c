package bench

import (
	"fmt"
	"math"

	"github.com/lessonl/lessonl/exec"
)

// Float tolerances the runner applies (exec's Go harness and C/C++ driver).
// The runner takes no tolerance option: a problem's check must state the
// one it will get, so the suite never claims a check it does not run.
const (
	goRTol  = 1e-9 // float64 results of Go functions, relative
	cxxRTol = 1e-6 // double results of C and C++ functions without a lessonl.toml rtol
)

// applyProblemOptions maps the run's OpenMP setting onto the runner's
// options for C and C++ problems (Go problems have no OpenMP mode).
func applyProblemOptions(m *exec.Options, p *Problem, o Options) error {
	if (p.Language == "c" || p.Language == "cpp") && o.OMP > 0 {
		m.OpenMP, m.Threads = true, o.OMP
	}
	return nil
}

// runnerTolerance is the relative float tolerance the runner will apply to
// p, and where it comes from.
func runnerTolerance(p *Problem) (float64, string, error) {
	switch p.Language {
	case "go":
		return goRTol, "the Go runner's fixed tolerance for float64 results", nil
	case "c", "cpp":
		cfg, err := exec.LoadProjectConfig(p.Path())
		if err != nil {
			return 0, "", err
		}
		if cfg != nil {
			lc := cfg.CPP
			if p.Language == "c" {
				lc = cfg.C
			}
			if lc.RTol > 0 {
				return lc.RTol, "rtol in " + cfg.Path, nil
			}
		}
		return cxxRTol, "the C/C++ driver's default (no rtol in a lessonl.toml at or above the problem)", nil
	}
	return 0, "", fmt.Errorf("no known tolerance for language %q", p.Language)
}

// checkTolerance refuses a tolerance check the runner would not apply.
func checkTolerance(p *Problem) error {
	if p.Check.Kind != CheckTolerance {
		return nil
	}
	rtol, from, err := runnerTolerance(p)
	if err != nil {
		return err
	}
	if math.Abs(rtol-p.Check.Tolerance) > 1e-12*rtol {
		fix := fmt.Sprintf("set rtol = %g under [%s] in a lessonl.toml in the problem's directory, or state tolerance = %g", p.Check.Tolerance, p.Language, rtol)
		if p.Language == "go" {
			fix = fmt.Sprintf("the Go runner cannot take another tolerance yet: state tolerance = %g", rtol)
		}
		return fmt.Errorf("check tolerance %g, but the runner compares floats within a relative %g (%s); %s", p.Check.Tolerance, rtol, from, fix)
	}
	return nil
}
