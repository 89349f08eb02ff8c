package golang

import (
	"context"

	"github.com/lessonl/lessonl/exec/internal/core"
)

// The facade's entry points for Go files, for the Go tests.

func goFuncs(file string, src []byte) ([]*core.Func, error) { return Lang{}.Funcs(file, src) }

func goFuncAt(file string, src []byte, offset int) (*core.Func, error) {
	return core.FuncAt(Lang{}, file, src, offset)
}

func goLocate(t core.Target) (*core.Func, error) { return core.Locate(Lang{}, t) }

func goApply(t core.Target, variant string) ([]byte, error) { return Lang{}.Apply(t, variant) }

func goMeasure(ctx context.Context, t core.Target, variant string, opts core.Options) (*core.Report, error) {
	return core.Measure(ctx, Lang{}, t, variant, opts)
}
