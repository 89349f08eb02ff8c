package handlers

import (
	"context"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/lessonl/lessonl/exec"
)

// CodeLens puts `⚡ 2.31× faster · Apply · Diff` above every function with a
// fresh verified result, and with the codeLens setting "Optimize with
// lessons" above every other function.
func CodeLens(ctx context.Context, s Session, p *protocol.CodeLensParams) (out []protocol.CodeLens, err error) {
	doc, err := docFor(s, p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	if _, ok := exec.LangOf(doc.Path); !ok {
		return nil, nil
	}
	results := s.Results(doc.Path)
	everywhere := s.Config().Settings.CodeLens
	if len(results) == 0 && !everywhere {
		return nil, nil
	}
	key := lensKeyOf(results, everywhere)
	if l, ok := doc.lenses.Load(key); ok {
		return l.([]protocol.CodeLens), nil
	}
	fs, err := doc.Funcs()
	if err != nil {
		return nil, nil // a buffer mid-edit that does not parse has no lenses
	}
	byName := make(map[string]*Result, len(results))
	for _, r := range results {
		byName[r.Func] = r
	}
	defer func() { doc.lenses.Store(key, out) }()
	for _, f := range fs {
		at := doc.Position(f.Start)
		rng := protocol.Range{Start: at, End: at}
		ref := FuncRef{URI: string(doc.URI), Func: f.Name}
		if r := byName[f.Name]; r.Faster() && r.Fresh(f) {
			out = append(out,
				protocol.CodeLens{Range: rng, Command: command(cmdShowReport, "⚡ "+r.SpeedupText()+" faster", ref)},
				protocol.CodeLens{Range: rng, Command: command(cmdApply, "Apply", ref)},
				protocol.CodeLens{Range: rng, Command: command(cmdShowReport, "Diff", reportArgs{FuncRef: ref, Section: "diff"})},
			)
			continue
		}
		if everywhere {
			out = append(out, protocol.CodeLens{Range: rng, Command: command(cmdOptimize, "Optimize with lessons", optimizeArgs{URI: ref.URI, Position: &at})})
		}
	}
	return out, nil
}

// lensKey identifies the results a snapshot's lenses were built from: a new
// or finished run changes it, so cached lenses never outlive their results.
type lensKey struct {
	everywhere bool
	results    string
}

func lensKeyOf(results []*Result, everywhere bool) lensKey {
	var b strings.Builder
	for _, r := range results {
		fmt.Fprintf(&b, "%s\x00%d\x00", r.Func, r.Finished.UnixNano())
	}
	return lensKey{everywhere, b.String()}
}
