package handlers

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"

	udiff "github.com/aymanbagabas/go-udiff"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/optimize"
	"github.com/lessonl/lessonl/team"
)

// reportName names a function's report: stable per file and function, so the
// latest run replaces the previous one.
func reportName(file, fn string) string {
	h := sha256.Sum256([]byte(file))
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	return fmt.Sprintf("%s-%s-%s", base, safeName(fn), hex.EncodeToString(h[:4]))
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '.', r == '-':
			return r
		}
		return -1
	}, s)
}

// reportMarkdown is the full account of a run, and the 0-based line of its
// diff section (the Diff lens opens the report there).
func reportMarkdown(res *Result, tres *team.Result, f *exec.Func) (string, int) {
	var b strings.Builder
	fmt.Fprintf(&b, "# LessonL: %s\n\n", res.Func)
	fmt.Fprintf(&b, "- File: `%s`\n- Run: %s, %s\n- Team: %s\n- Rounds: %d, variants: %d\n\n",
		res.File, res.Started.Format("2006-01-02 15:04:05"), res.Finished.Sub(res.Started).Round(1e8), strings.Join(res.Agents, ", "), res.Rounds, res.Variants)
	if res.Faster() {
		rep := res.Best.Report
		fmt.Fprintf(&b, "## Verdict: %s %s\n\n", rep.Verdict, res.IntervalText())
		fmt.Fprintf(&b, "The variant by `%s` in round %d, re-measured: median speedup %.2f× with interval [%.2f, %.2f] "+
			"(original %.0f ns, variant %.0f ns per call).\n\n", res.Best.Agent, res.Best.Round+1, rep.Speedup, rep.SpeedupLow, rep.SpeedupHigh, rep.OriginalNs, rep.VariantNs)
		c := rep.Checks
		b.WriteString("### How it was checked\n\n")
		fmt.Fprintf(&b, "- Package tests run against the variant: %s\n", listOr(c.Tests, "none"))
		fmt.Fprintf(&b, "- Generated inputs compared with the original: %d (seeds %v)\n", c.GeneratedCases, c.Seeds)
		fmt.Fprintf(&b, "- Timing: %d A/B rounds of %s, spread %.1f%%\n", c.Rounds, orDash(c.Benchmark), c.Spread*100)
		fmt.Fprintf(&b, "- Sandboxed: %v\n\n", rep.Sandboxed)
	} else {
		b.WriteString("## Verdict: no variant was verified faster\n\nThe function is unchanged; the lessons below are banked for the next run.\n\n")
	}
	b.WriteString("## Variants\n\n| round | agent | verdict | speedup | lesson |\n|---|---|---|---|---|\n")
	for _, v := range tres.Variants {
		verdict, speed := "error", clip(v.Error, 60)
		if v.Report != nil {
			verdict, speed = string(v.Report.Verdict), "-"
			if v.Report.Verdict.Verified() {
				speed = verdictText(v.Report)
			}
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %s |\n", v.Round+1, v.Agent, verdict, strings.ReplaceAll(speed, "|", "/"), shortID(v.LessonID))
	}
	b.WriteString("\n")
	if len(res.Read) > 0 {
		b.WriteString("## Lessons in the best variant's prompt\n\n")
		writeNotes(&b, res.Read)
	}
	if len(res.Learned) > 0 {
		b.WriteString("## Lessons learned in this run\n\n")
		writeNotes(&b, res.Learned)
	}
	diffLine := strings.Count(b.String(), "\n")
	b.WriteString("## Diff\n\n")
	if res.Faster() {
		diff := udiff.Unified("original", "variant", ensureNL(f.Source), ensureNL(res.Best.Code))
		fmt.Fprintf(&b, "```diff\n%s```\n", diff)
	} else {
		b.WriteString("No variant to show.\n")
	}
	return b.String(), diffLine
}

func writeNotes(b *strings.Builder, notes []LessonNote) {
	for _, l := range notes {
		head := optimize.OutcomeWord(l.Outcome)
		if l.Speedup > 0 {
			head += fmt.Sprintf(" %.2f×", l.Speedup)
		}
		fmt.Fprintf(b, "- **%s** · %s, round %d · `%s`\n  %s\n", head, l.Model, l.Round+1, shortID(l.ID),
			strings.ReplaceAll(strings.TrimSpace(l.Text), "\n", "\n  "))
	}
	b.WriteString("\n")
}

func listOr(xs []string, none string) string {
	if len(xs) == 0 {
		return none
	}
	return strings.Join(xs, ", ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func ensureNL(s string) string {
	if !strings.HasSuffix(s, "\n") {
		return s + "\n"
	}
	return s
}

func shortID(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}
