package exec

import (
	"context"

	"github.com/lessonl/lessonl/exec/internal/core"
)

// Measure builds variant in place of the function t names, checks it against
// the original (the package's tests and generated inputs) and times both, all
// inside the sandbox. Problems of the variant are verdicts in the Report; the
// error is only for what prevents any verdict: the file or function is not
// found (*NotFoundError), the language is not supported, the original does
// not build, or ctx was cancelled. Several Measure calls may run at once;
// their timing runs take turns.
func Measure(ctx context.Context, t Target, variant string, opts Options) (*Report, error) {
	l, _, err := languageOf(t.File)
	if err != nil {
		return nil, err
	}
	return core.Measure(ctx, l, t, variant, opts)
}
