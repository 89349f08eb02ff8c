package handlers

import (
	"context"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/optimize"
)

// Hover shows, on a function that was optimised, the verdict and speedup with
// its interval, how correctness was checked, who wrote the variant in which
// round, the lessons that were in its prompt, and where the full report is.
func Hover(ctx context.Context, s Session, p *protocol.HoverParams) (*protocol.Hover, error) {
	doc, err := docFor(s, p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	off, err := doc.Offset(p.Position)
	if err != nil {
		return nil, invalidParams(err)
	}
	if _, ok := exec.LangOf(doc.Path); !ok {
		return nil, nil
	}
	f, err := doc.FuncAt(off)
	if err != nil {
		return nil, nil
	}
	r := lastResult(s, doc.Path, f.Name)
	if r == nil {
		return nil, nil
	}
	rng := doc.Range(f.Start, f.End)
	return &protocol.Hover{
		Contents: &protocol.MarkupContent{Kind: protocol.MarkupKindMarkdown, Value: hoverText(r, f)},
		Range:    &rng,
	}, nil
}

func hoverText(r *Result, f *exec.Func) string {
	var b strings.Builder
	switch {
	case !r.Faster():
		fmt.Fprintf(&b, "**LessonL**: no variant of `%s` was verified faster (%s, %s).\n\n", r.Func, plural(r.Rounds, "round"), plural(r.Variants, "variant"))
	default:
		rep := r.Best.Report
		fmt.Fprintf(&b, "**LessonL: ⚡ %s faster** `[%.2f, %.2f]` — verdict **%s**\n\n", r.SpeedupText(), rep.SpeedupLow, rep.SpeedupHigh, rep.Verdict)
		fmt.Fprintf(&b, "By `%s` in round %d of %d (%s).\n\n", r.Best.Agent, r.Best.Round+1, r.Rounds, plural(r.Variants, "variant"))
		fmt.Fprintf(&b, "Checked: %s.\n\n", checksText(rep))
	}
	switch {
	case !r.Applied.IsZero() && !r.Fresh(f):
		fmt.Fprintf(&b, "Applied %s.\n\n", r.Applied.Local().Format("2006-01-02 15:04"))
	case !r.Fresh(f):
		b.WriteString("_Stale: the function changed since this run; run \"Optimize with lessons\" again._\n\n")
	}
	if len(r.Read) > 0 {
		b.WriteString("Lessons in its prompt:\n")
		for _, l := range r.Read {
			fmt.Fprintf(&b, "- %s: %s\n", outcomeText(l), oneLine(l.Text, 100))
		}
		b.WriteString("\n")
	}
	if r.Report != "" {
		fmt.Fprintf(&b, "[Full report](%s)\n", uri.File(r.Report))
	}
	return b.String()
}

// checksText says how correctness and timing were established.
func checksText(rep *exec.Report) string {
	var parts []string
	c := rep.Checks
	if len(c.Tests) > 0 {
		parts = append(parts, plural(len(c.Tests), "package test"))
	}
	if c.GeneratedCases > 0 {
		parts = append(parts, fmt.Sprintf("%d generated inputs compared with the original", c.GeneratedCases))
	}
	if c.Rounds > 0 {
		t := plural(c.Rounds, "A/B timing round")
		if c.Benchmark != "" {
			t += " of " + c.Benchmark
		}
		parts = append(parts, t)
	}
	if rep.Sandboxed {
		parts = append(parts, "in the sandbox")
	} else {
		parts = append(parts, "without the sandbox")
	}
	return strings.Join(parts, ", ")
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func outcomeText(l LessonNote) string {
	if l.Speedup > 0 {
		return fmt.Sprintf("%s %.2f×", optimize.OutcomeWord(l.Outcome), l.Speedup)
	}
	return optimize.OutcomeWord(l.Outcome)
}
