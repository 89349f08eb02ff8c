package bench

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
)

// Markdown is results.md: the metrics per category and overall, then one
// row per problem, then the errors.
func Markdown(r *Results) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# lessonl bench: %s, strategy %s\n\n", r.Suite, r.Config.Strategy)
	fmt.Fprintf(&b, "%s\n\n", configLine(r))
	b.WriteString(MetricsTable(r.Summary))
	b.WriteString("\nSpeedups are the final answer's (the team's best variant, re-measured); the geometric mean counts wrong code, no answer and slowdowns as 1×. Built and correct: some variant compiled, some variant was verified correct.\n")

	b.WriteString("\n## Problems\n\n")
	b.WriteString("| problem | category | built | correct | speedup | 95% interval | by | variants | code tokens | lesson tokens | time |\n")
	b.WriteString("|---|---|:-:|:-:|--:|---|---|---|--:|--:|--:|\n")
	for _, p := range r.Problems {
		interval, by := "", ""
		if p.Speedup > 0 {
			interval = fmt.Sprintf("[%.2f, %.2f]", p.Interval[0], p.Interval[1])
			by = fmt.Sprintf("%s, round %d", p.Agent, p.Round+1)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %d | %d | %s |\n",
			cell(p.Name), p.Category, mark(p.Built), mark(p.Correct), speedupCell(p), interval, cell(by),
			verdictList(p.Verdicts), p.CodeTokens, p.LessonTokens, duration(p.Seconds))
	}
	var errs []ProblemResult
	for _, p := range r.Problems {
		if p.Status == StatusError {
			errs = append(errs, p)
		}
	}
	if len(errs) > 0 {
		b.WriteString("\n## Errors\n\nThese problems could not run to the end; `lessonl bench --resume` runs them again.\n\n")
		for _, p := range errs {
			fmt.Fprintf(&b, "- **%s**: %s\n", p.Name, cell(p.Error))
		}
	}
	fmt.Fprintf(&b, "\n![speedup per problem](%s)\n", PlotSVG)
	return b.String()
}

func configLine(r *Results) string {
	c := r.Config
	parts := []string{
		"models " + strings.Join(c.Models, ", "),
		fmt.Sprintf("T = %d rounds", c.Rounds),
		fmt.Sprintf("k = %d lessons", c.Lessons),
		"scope " + c.Scope,
	}
	if c.OMP > 0 {
		parts = append(parts, fmt.Sprintf("OpenMP, %d threads", c.OMP))
	}
	if c.Size > 0 {
		parts = append(parts, fmt.Sprintf("input size %d", c.Size))
	}
	if c.Run != "" {
		parts = append(parts, fmt.Sprintf("problems matching %q", c.Run))
	}
	state := fmt.Sprintf("%d of %d problems run", len(r.Problems), r.Selected)
	if n := r.Summary.Overall.Errors; n > 0 {
		state += fmt.Sprintf(", %d with errors", n)
	}
	if !r.Finished {
		state += " (not finished: `lessonl bench --resume` runs the rest)"
	}
	parts = append(parts, state)
	return strings.Join(parts, " · ")
}

// MetricsTable is the paper's table: one row overall, one per category.
func MetricsTable(s Summary) string {
	var b strings.Builder
	b.WriteString("| | problems | built | correct | geomean speedup | ≥ 2× | code tokens | lesson tokens | time |\n")
	b.WriteString("|---|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	row := func(name string, m Metrics) {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %d | %d | %s |\n", name, m.Problems, percent(m.BuiltRate),
			percent(m.CorrectRate), times(m.Geomean), percent(m.Share2x), m.CodeTokens, m.LessonTokens, duration(m.Seconds))
	}
	row("**overall**", s.Overall)
	for _, c := range s.Categories {
		row(c.Category, c.Metrics)
	}
	return b.String()
}

func speedupCell(p ProblemResult) string {
	switch {
	case p.Status == StatusError && p.Speedup == 0:
		return "error"
	case p.Speedup == 0 && !p.Correct:
		return "1× (none correct)"
	case p.Speedup == 0:
		return "1× (none faster)"
	case p.Speedup < 1:
		return fmt.Sprintf("1× (%.2f×)", p.Speedup)
	}
	return times(p.Speedup)
}

func verdictList(v map[string]int) string {
	order := []string{"faster", "same", "slower", "incorrect", "build_failed", "timeout", "crashed", "unverified", "error"}
	var others []string
	for k := range v {
		if !slices.Contains(order, k) {
			others = append(others, k)
		}
	}
	sort.Strings(others)
	var parts []string
	for _, k := range append(order, others...) {
		if n := v[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, k))
		}
	}
	return strings.Join(parts, ", ")
}

func mark(ok bool) string {
	if ok {
		return "✓"
	}
	return "✗"
}

func percent(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }

func times(f float64) string {
	if f == 0 || math.IsNaN(f) {
		return "–"
	}
	return fmt.Sprintf("%.2f×", f)
}

func duration(sec float64) string {
	d := time.Duration(sec * float64(time.Second))
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Minute:
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}

// cell makes text safe in a Markdown table cell: one line, no bare pipes.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}
