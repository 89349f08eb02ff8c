package handlers

import (
	"context"
	"fmt"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/optimize"
	"github.com/lessonl/lessonl/team"
)

// runOptimize runs the one optimise flow on f, from the document's current
// text (an unsaved buffer is optimised as it is), inside the session's run
// plumbing. The result is stored (memory, disk, report) before progress
// ends: clients ask for hovers and lenses as soon as they see the end.
func runOptimize(ctx context.Context, s Session, doc *Doc, f *exec.Func, token protocol.ProgressToken) (*Result, error) {
	var res *Result
	err := s.Run(ctx, doc.Path, f.Name, token, "Optimizing "+f.Name, func(ctx context.Context, p Progress) (string, error) {
		cfg := s.Config()
		set := cfg.Settings
		bank, err := s.Bank()
		if err != nil {
			return "", err
		}
		agents, _ := set.Agents() // a bad team is refused by optimize.Run
		tr := newTracker(p, set.Rounds, agents)
		out, err := optimize.Run(ctx, optimize.Request{
			Settings: set, Target: exec.Target{File: doc.Path, Func: f.Name, Source: []byte(doc.Text)},
			Measure: cfg.Measure, Bank: bank,
			Status: func(msg string) { p.Report(msg, 0, true) },
			Events: tr.event,
		})
		if err != nil {
			return "", err
		}
		res = resultOf(doc, out)
		md, diffLine := reportMarkdown(res, out.Result, out.Func)
		if path, err := s.WriteReport(reportName(doc.Path, f.Name), md); err != nil {
			s.Log().Warn("couldn't write the run report", "err", err)
		} else {
			res.Report, res.DiffLine = path, diffLine
		}
		if err := s.SaveResult(res); err != nil {
			s.Log().Warn("couldn't store the result on disk; it is kept in memory", "err", err)
		}
		// A client that presents the outcome itself (the VS Code extension's
		// Apply / Discard question) gets no second, different announcement.
		announce := !s.Caps().ShowsOutcome
		if res.Faster() {
			if announce {
				showMessage(ctx, s, protocol.MessageTypeInfo, fmt.Sprintf("LessonL: %s is %s faster (by %s in round %d). Apply it from the code action or the lens.",
					f.Name, res.IntervalText(), modelOf(res.Best.Agent), res.Best.Round+1))
			}
			return fmt.Sprintf("%s is %s faster", f.Name, res.IntervalText()), nil
		}
		if announce {
			showMessage(ctx, s, protocol.MessageTypeInfo, fmt.Sprintf("LessonL: no variant of %s was verified faster in %d rounds; %d lessons were banked for next time.",
				f.Name, res.Rounds, len(res.Learned)))
		}
		return "no faster variant", nil
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}

// resultOf is what the editor keeps of a run.
func resultOf(doc *Doc, out *optimize.Outcome) *Result {
	f, tres := out.Func, out.Result
	res := &Result{
		URI: string(doc.URI), File: doc.Path, Func: f.Name, Lang: f.Lang, Original: f.Source,
		Started: out.Started, Finished: out.Finished, Rounds: tres.Rounds, Variants: len(tres.Variants),
		Best: tres.Best,
	}
	for _, a := range out.Agents {
		res.Agents = append(res.Agents, a.String())
	}
	for _, l := range out.Read {
		res.Read = append(res.Read, NoteOf(l))
	}
	for _, l := range tres.LessonsLearned {
		res.Learned = append(res.Learned, NoteOf(l))
	}
	return res
}

// tracker turns the team's events into progress: "round 2/4 ·
// qwen2.5-coder:7b · 1.84× [1.79, 1.90]", with the share of agent turns done
// as the percentage.
type tracker struct {
	p             Progress
	rounds, width int
	done          int               // agent turns finished
	names         map[string]string // agent (MODEL@HOST) -> the name progress shows
}

func newTracker(p Progress, rounds int, agents []team.Agent) *tracker {
	if rounds <= 0 {
		rounds = team.DefaultRounds
	}
	return &tracker{p: p, rounds: rounds, width: max(len(agents), 1), names: shortNames(agents)}
}

// shortNames names agents by model alone: the host on every progress line
// is noise, unless two agents run the same model on different hosts.
func shortNames(agents []team.Agent) map[string]string {
	count := map[string]int{}
	for _, a := range agents {
		count[a.Model]++
	}
	names := map[string]string{}
	for _, a := range agents {
		if count[a.Model] == 1 {
			names[a.String()] = a.Model
		}
	}
	return names
}

// modelOf is MODEL of an agent written MODEL@HOST: the host is in the hover
// and the report, not in every message.
func modelOf(agent string) string {
	m, _, _ := strings.Cut(agent, "@")
	return m
}

func (t *tracker) name(agent string) string {
	if n, ok := t.names[agent]; ok {
		return n
	}
	return agent
}

func (t *tracker) pct() int {
	// 99 at most until the run ends: the best variant is re-measured last.
	return min(99, t.done*100/(t.rounds*t.width))
}

func (t *tracker) event(e team.Event) {
	switch e := e.(type) {
	case team.RoundStarted:
		t.done = e.Round * t.width
		t.p.Report(fmt.Sprintf("round %d/%d · %d lessons", e.Round+1, e.Of, len(e.Lessons)), t.pct(), true)
	case team.Generating:
		if e.Done {
			// The variant is built and timed next, the longest step: the
			// last "writing" line must not stay up through it.
			t.p.Report(fmt.Sprintf("round %d/%d · %s · measuring (%d tokens written)", e.Round+1, t.rounds, t.name(e.Agent), e.Tokens), t.pct(), true)
		} else {
			t.p.Report(fmt.Sprintf("round %d/%d · %s · writing (%d tokens)", e.Round+1, t.rounds, t.name(e.Agent), e.Tokens), t.pct(), false)
		}
	case team.Measured:
		t.done++
		t.p.Report(fmt.Sprintf("round %d/%d · %s · %s", e.Round+1, t.rounds, t.name(e.Variant.Agent), verdictText(e.Variant.Report)), t.pct(), true)
	case team.AgentFailed:
		t.p.Report(fmt.Sprintf("round %d/%d · %s · failed: %s", e.Round+1, t.rounds, t.name(e.Agent), clip(e.Err.Error(), 80)), t.pct(), true)
	case team.LessonBanked:
		t.p.Report(fmt.Sprintf("round %d/%d · %s · lesson banked (%s)", e.Round+1, t.rounds, e.Lesson.Model, optimize.OutcomeWord(e.Lesson.Outcome)), t.pct(), false)
	case team.Remeasured:
		t.p.Report(fmt.Sprintf("re-measuring the best · %s", verdictText(e.Variant.Report)), 99, true)
	}
}

func verdictText(r *exec.Report) string {
	if r == nil {
		return "no report"
	}
	if r.Verdict.Verified() {
		return fmt.Sprintf("%.2f× [%.2f, %.2f]", r.Speedup, r.SpeedupLow, r.SpeedupHigh)
	}
	return strings.ReplaceAll(string(r.Verdict), "_", " ")
}
