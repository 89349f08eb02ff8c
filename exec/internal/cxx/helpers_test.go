package cxx

import (
	"context"
	"flag"
	"time"

	"github.com/lessonl/lessonl/exec/internal/core"
)

// The facade's entry points for C and C++ files, for the C/C++ tests.

func cxxOf(file string) Lang { return New(core.LangName(file)) }

func cxxFuncs(file string, src []byte) ([]*core.Func, error) { return cxxOf(file).Funcs(file, src) }

func cxxFuncAt(file string, src []byte, offset int) (*core.Func, error) {
	return core.FuncAt(cxxOf(file), file, src, offset)
}

func cxxLocate(t core.Target) (*core.Func, error) { return core.Locate(cxxOf(t.File), t) }

var updateCxxGolden = flag.Bool("update-golden", false, "rewrite the want sections of testdata golden files")

func cxxMeasure(ctx context.Context, t core.Target, variant string, opts core.Options) (*core.Report, error) {
	return core.Measure(ctx, cxxOf(t.File), t, variant, opts)
}

// cxxTestOpts keeps timing short for tests.
func cxxTestOpts() core.Options {
	return core.Options{RunTime: 20 * time.Millisecond, Timeout: 3 * time.Minute,
		Rounds: core.Rounds{Min: 6, Max: 12, Width: 0.1, MaxTime: 30 * time.Second}}
}
