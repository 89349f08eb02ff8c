package team_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/internal/ollamatest"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

// Variants of maxof.Max, as the scripted agents write them.
const (
	sortVariant = "```go\nfunc Max(xs []int) int {\n\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\ts := append([]int(nil), xs...)\n\tsort.Ints(s)\n\treturn s[len(s)-1]\n}\n```"
	scanVariant = "Here you go:\n```go\nfunc Max(xs []int) int {\n\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\tm := xs[0]\n\tfor _, x := range xs[1:] {\n\t\tif x > m {\n\t\t\tm = x\n\t\t}\n\t}\n\treturn m\n}\n```\nIt is linear."
	// Wrong when every element is negative: the package's test misses it.
	zeroVariant   = "```go\nfunc Max(xs []int) int {\n\tm := 0\n\tfor _, x := range xs {\n\t\tif x > m {\n\t\t\tm = x\n\t\t}\n\t}\n\treturn m\n}\n```"
	brokenVariant = "```go\nfunc Max(xs []int) int {\n\treturn maxOf(xs...)\n}\n```"

	sortLesson   = "Sorting with sort.Ints replaces the quadratic insertion sort, so the maximum costs n log n instead of n squared."
	scanLesson   = "A single pass that keeps the running maximum needs no copy and no sort, so it runs in linear time."
	zeroLesson   = "Starting the running maximum at zero is wrong when every element is negative."
	brokenLesson = "The variant called an undefined helper maxOf, so it did not compile."
)

const solicit = "Your rewrite B"

// teamScript: agent "alpha" sorts in round 0 and scans once it has read
// lessons; "beta" is always wrong; "gamma" does not build until it reads
// alpha's lesson about n log n, then scans.
func teamScript() ollamatest.Script {
	return ollamatest.Script{Models: map[string]*ollamatest.Model{
		"alpha:1b": {Rules: []ollamatest.Rule{
			{Contains: []string{solicit, "sort.Ints"}, Reply: sortLesson},
			{Contains: []string{solicit}, Reply: scanLesson},
			{Contains: []string{"Lessons learned"}, Reply: scanVariant},
			{Reply: sortVariant},
		}},
		"beta:1b": {Rules: []ollamatest.Rule{
			{Contains: []string{solicit}, Reply: zeroLesson},
			{Reply: zeroVariant},
		}},
		"gamma:1b": {Rules: []ollamatest.Rule{
			{Contains: []string{solicit, "maxOf"}, Reply: brokenLesson},
			{Contains: []string{solicit}, Reply: scanLesson},
			{Contains: []string{"n log n"}, Reply: scanVariant},
			{Reply: brokenVariant},
		}},
	}}
}

func maxTarget(t testing.TB, fn string) exec.Target {
	t.Helper()
	file, err := filepath.Abs(filepath.Join("testdata", "maxof", "maxof.go"))
	if err != nil {
		t.Fatal(err)
	}
	return exec.Target{File: file, Func: fn}
}

func agents(srv *ollamatest.Server, models ...string) []team.Agent {
	var as []team.Agent
	for _, m := range models {
		as = append(as, team.Agent{Model: m, Host: srv.URL()})
	}
	return as
}

func benchTarget(b *testing.B) exec.Target { return maxTarget(b, "Max") }

func openBankB(b *testing.B) *vectorbank.Bank { return openBank(b, b.TempDir()) }

func openBank(t testing.TB, dir string) *vectorbank.Bank {
	t.Helper()
	b, err := vectorbank.Open(dir, vectorbank.NewHashEmbedder())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// recorder keeps the events of a run.
type recorder struct {
	mu     sync.Mutex
	events []team.Event
}

func (r *recorder) emit(e team.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, e)
}

func quickMeasure() exec.Options {
	return exec.Options{Size: 300, Timeout: 90 * time.Second}
}

func TestRunFullLoop(t *testing.T) {
	srv := ollamatest.New(teamScript())
	defer srv.Close()
	storeDir := t.TempDir()
	bank := openBank(t, storeDir)
	rec := &recorder{}
	cfg := team.Config{
		Agents:  agents(srv, "alpha:1b", "beta:1b", "gamma:1b"),
		Rounds:  4,
		Lessons: 4,
		Measure: quickMeasure(),
		Project: "example.com/maxof",
	}
	res, err := team.Run(context.Background(), team.Problem{Target: maxTarget(t, "Max")}, cfg, bank, rec.emit)
	if err != nil {
		t.Fatal(err)
	}

	// Round 0's verdicts are as scripted.
	want0 := map[string]exec.Verdict{"alpha:1b": exec.Faster, "beta:1b": exec.Incorrect, "gamma:1b": exec.BuildFailed}
	for _, v := range res.Variants {
		if v.Round != 0 {
			continue
		}
		if v.Report == nil {
			t.Fatalf("round 0 %s: no report (%s)", v.Agent, v.Error)
		}
		if w := want0[v.Model]; v.Report.Verdict != w {
			t.Errorf("round 0 %s: verdict %s, want %s (%s)", v.Model, v.Report.Verdict, w, v.Report.Detail)
		}
	}
	if len(res.Variants) != 12 {
		t.Errorf("got %d variants, want 12 (3 agents × 4 rounds)", len(res.Variants))
	}
	// Tokens are counted apart for code and lessons (bench reports both).
	for _, v := range res.Variants {
		if v.Tokens <= 0 || v.LessonID != "" && v.LessonTokens <= 0 {
			t.Errorf("round %d %s: %d code tokens, %d lesson tokens (lesson %q)", v.Round, v.Model, v.Tokens, v.LessonTokens, v.LessonID)
		}
	}

	// gamma's round-1 prompt carried alpha's lesson, and that is why it scanned.
	var gammaRound1 string
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == "/api/chat" && r.Model == "gamma:1b" && !strings.Contains(joined(r), solicit) {
			if n == 1 {
				gammaRound1 = joined(r)
			}
			n++
		}
	}
	if !strings.Contains(gammaRound1, sortLesson) {
		t.Errorf("gamma's round-1 prompt lacks alpha's lesson:\n%s", gammaRound1)
	}
	for _, v := range res.Variants {
		if v.Model == "gamma:1b" && v.Round == 1 && (v.Report == nil || v.Report.Verdict != exec.Faster) {
			t.Errorf("gamma round 1 should be faster after reading the lesson: %+v", v.Report)
		}
	}

	// The factor moved after round 1: alpha and gamma beat the sort lesson,
	// beta (wrong, speedup 0) did not: mean(1.1, 0.9, 1.1).
	var sortID string
	for _, l := range res.LessonsLearned {
		if l.Text == sortLesson && l.Round == 0 {
			sortID = l.ID
		}
	}
	if sortID == "" {
		t.Fatalf("alpha's round-0 lesson was not banked; learned: %+v", res.LessonsLearned)
	}
	var f1 map[string]float64
	for _, e := range rec.events {
		if fu, ok := e.(team.FactorsUpdated); ok && fu.Round == 1 {
			f1 = fu.Factors
		}
	}
	if got, want := f1[sortID], (1.1+0.9+1.1)/3; math.Abs(got-want) > 1e-9 {
		t.Errorf("factor of the sort lesson after round 1 = %v, want %v (all: %v)", got, want, f1)
	}

	// Every lesson is on disk: reopen the store.
	if err := bank.Close(); err != nil {
		t.Fatal(err)
	}
	again := openBank(t, storeDir)
	defer again.Close()
	if len(res.LessonsLearned) != 12 {
		t.Errorf("learned %d lessons, want 12", len(res.LessonsLearned))
	}
	for _, l := range res.LessonsLearned {
		got, ok := again.Get(l.ID)
		if !ok {
			t.Errorf("lesson %s lost after reopening", l.ID)
			continue
		}
		if got.Model == "" || got.ProblemKey == "" || got.Project != "example.com/maxof" || got.Variant == "" {
			t.Errorf("lesson %s lacks provenance: %+v", l.ID, got)
		}
	}

	// The answer is the scan, re-measured.
	if res.Best == nil || res.Best.Report == nil {
		t.Fatal("no best variant")
	}
	if !strings.Contains(res.Best.Code, "for _, x := range xs[1:]") {
		t.Errorf("best is not the linear scan:\n%s", res.Best.Code)
	}
	if res.Best.Report.Verdict != exec.Faster {
		t.Errorf("best re-measured as %s", res.Best.Report.Verdict)
	}

	checkEventOrder(t, rec.events, 4)
}

func joined(r ollamatest.Request) string {
	var b strings.Builder
	for _, m := range r.Messages {
		b.WriteString(m.Content)
		b.WriteString("\n")
	}
	return b.String()
}

// checkEventOrder: rounds in order, each agent's variant measured before its
// lesson is banked, the re-measure after the last round, Done last.
func checkEventOrder(t *testing.T, events []team.Event, rounds int) {
	t.Helper()
	round := -1
	measured := map[string]bool{}
	sawRemeasure := false
	for i, e := range events {
		switch e := e.(type) {
		case team.RoundStarted:
			if e.Round != round+1 {
				t.Fatalf("event %d: round %d started after round %d", i, e.Round, round)
			}
			round = e.Round
		case team.Measured:
			if e.Round != round {
				t.Errorf("event %d: a round-%d variant measured during round %d", i, e.Round, round)
			}
			measured[fmt.Sprint(e.Round, e.Variant.Agent)] = true
		case team.LessonBanked:
			if !measured[fmt.Sprint(e.Round, e.Lesson.Agent)] {
				t.Errorf("event %d: lesson of %s banked before its variant was measured", i, e.Lesson.Agent)
			}
		case team.Remeasured:
			if round != rounds-1 {
				t.Errorf("re-measured before the last round")
			}
			sawRemeasure = true
		case team.Done:
			if i != len(events)-1 {
				t.Errorf("Done is event %d of %d", i, len(events))
			}
		}
	}
	if !sawRemeasure {
		t.Error("no Remeasured event")
	}
	if _, ok := events[len(events)-1].(team.Done); !ok {
		t.Error("the last event is not Done")
	}
}

// Lessons learned on Max are selected, by relevance, for Min.
func TestLessonsCarryToSimilarFunction(t *testing.T) {
	srv := ollamatest.New(teamScript())
	defer srv.Close()
	bank := openBank(t, t.TempDir())
	defer bank.Close()
	cfg := team.Config{Agents: agents(srv, "alpha:1b"), Rounds: 1, Measure: quickMeasure()}
	first, err := team.Run(context.Background(), team.Problem{Target: maxTarget(t, "Max")}, cfg, bank, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(first.LessonsLearned) != 1 {
		t.Fatalf("first run learned %d lessons, want 1", len(first.LessonsLearned))
	}
	maxLesson := first.LessonsLearned[0]

	// A Min agent that never answers usefully: we only look at what it reads.
	srv.SetScript(ollamatest.Script{Models: map[string]*ollamatest.Model{
		"delta:1b": {Rules: []ollamatest.Rule{{Contains: []string{solicit}, Reply: "Nothing changed, so the speed stayed the same as before."}, {Reply: "I would rather not."}}},
	}})
	rec := &recorder{}
	cfg = team.Config{Agents: agents(srv, "delta:1b"), Rounds: 2, Measure: quickMeasure()}
	if _, err := team.Run(context.Background(), team.Problem{Target: maxTarget(t, "Min")}, cfg, bank, rec.emit); err != nil {
		t.Fatal(err)
	}
	var got []vectorbank.Selected
	for _, e := range rec.events {
		if rs, ok := e.(team.RoundStarted); ok && rs.Round == 1 {
			got = rs.Lessons
		}
	}
	found := false
	for _, s := range got {
		if s.Lesson.ID == maxLesson.ID {
			found = true
		}
	}
	if !found {
		t.Errorf("round 1 on Min did not select the lesson learned on Max; selected %+v", got)
	}
	for _, r := range srv.Requests() {
		if r.Path == "/api/chat" && strings.Contains(joined(r), "Lessons learned") && !strings.Contains(joined(r), maxLesson.Text) {
			t.Errorf("a round-1 prompt for Min lacks the Max lesson")
		}
	}
}

// Every misbehaviour at once: the run completes with the good agent, each
// faulty agent's error is reported, and no lesson is invented for them.
func TestRunSurvivesMisbehavingAgents(t *testing.T) {
	faulty := map[string]*ollamatest.Misbehave{
		"slow:1b":    {Latency: ollamatest.Duration(300 * time.Millisecond)},
		"err500:1b":  {Status: 500},
		"cut:1b":     {CutAfter: 3},
		"garbage:1b": {Garbage: true},
		"hang:1b":    {Hang: true},
	}
	s := teamScript()
	for name, mb := range faulty {
		s.Models[name] = &ollamatest.Model{Misbehave: mb, Replies: []string{scanVariant}}
	}
	// Slow but within the deadline: it must succeed, so give it a lesson rule.
	s.Models["slow:1b"].Rules = []ollamatest.Rule{{Contains: []string{solicit}, Reply: scanLesson}}
	srv := ollamatest.New(s)
	defer srv.Close()
	bank := openBank(t, t.TempDir())
	defer bank.Close()
	rec := &recorder{}
	cfg := team.Config{
		Agents:      agents(srv, "alpha:1b", "slow:1b", "err500:1b", "cut:1b", "garbage:1b", "hang:1b", "unknown:1b"),
		Rounds:      1,
		CallTimeout: 3 * time.Second,
		Measure:     quickMeasure(),
	}
	res, err := team.Run(context.Background(), team.Problem{Target: maxTarget(t, "Max")}, cfg, bank, rec.emit)
	if err != nil {
		t.Fatal(err)
	}
	byModel := map[string]team.Variant{}
	for _, v := range res.Variants {
		byModel[v.Model] = v
	}
	for _, m := range []string{"alpha:1b", "slow:1b"} {
		if v := byModel[m]; v.Error != "" || v.Report == nil || v.LessonID == "" {
			t.Errorf("%s should have succeeded: %+v", m, v)
		}
	}
	wantErr := map[string]string{"err500:1b": "500", "cut:1b": "cut", "garbage:1b": "", "hang:1b": "did not answer", "unknown:1b": "ollama pull unknown:1b"}
	for m, frag := range wantErr {
		v, ok := byModel[m]
		if !ok || v.Error == "" {
			t.Errorf("%s: no error reported: %+v", m, v)
			continue
		}
		if !strings.Contains(v.Error, frag) {
			t.Errorf("%s: error %q does not mention %q", m, v.Error, frag)
		}
		if v.LessonID != "" {
			t.Errorf("%s: a lesson was banked for an answer that never came", m)
		}
	}
	for _, l := range res.LessonsLearned {
		if _, bad := wantErr[l.Model]; bad {
			t.Errorf("lesson invented for %s: %s", l.Model, l.Text)
		}
	}
	failed := map[string]bool{}
	for _, e := range rec.events {
		if f, ok := e.(team.AgentFailed); ok {
			failed[f.Agent] = true
		}
	}
	for m := range wantErr {
		if !failed[team.Agent{Model: m, Host: srv.URL()}.String()] {
			t.Errorf("no AgentFailed event for %s", m)
		}
	}
}

// Cancelling mid-round returns promptly, leaves no process behind and keeps
// the lessons banked so far.
func TestRunCancelMidRound(t *testing.T) {
	s := teamScript()
	s.Models["sloth:1b"] = &ollamatest.Model{Misbehave: &ollamatest.Misbehave{Latency: ollamatest.Duration(time.Hour)}, Replies: []string{scanVariant}}
	srv := ollamatest.New(s)
	defer srv.Close()
	dir := t.TempDir()
	bank := openBank(t, dir)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var once sync.Once
	emit := func(e team.Event) {
		if _, ok := e.(team.LessonBanked); ok {
			once.Do(cancel)
		}
	}
	cfg := team.Config{Agents: agents(srv, "alpha:1b", "sloth:1b"), Rounds: 4, Measure: quickMeasure()}
	start := time.Now()
	res, err := team.Run(ctx, team.Problem{Target: maxTarget(t, "Max")}, cfg, bank, emit)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Minute {
		t.Errorf("cancel took %s", d)
	}
	if res == nil || len(res.LessonsLearned) != 1 {
		t.Fatalf("want the one lesson learned before the cancel, got %+v", res)
	}
	bank.Close()
	again := openBank(t, dir)
	defer again.Close()
	if _, ok := again.Get(res.LessonsLearned[0].ID); !ok {
		t.Error("the lesson learned before the cancel is gone")
	}
	if kids := children(t); len(kids) > 0 {
		t.Errorf("processes left behind: %v", kids)
	}
}

// children lists this process's live child processes.
func children(t *testing.T) []string {
	t.Helper()
	me := fmt.Sprint(os.Getpid())
	var out []string
	deadline := time.Now().Add(5 * time.Second)
	for {
		out = out[:0]
		entries, _ := os.ReadDir("/proc")
		for _, e := range entries {
			stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
			if err != nil {
				continue
			}
			// pid (comm) state ppid ...
			s := string(stat)
			rest := s[strings.LastIndex(s, ")")+2:]
			f := strings.Fields(rest)
			if len(f) > 1 && f[1] == me && f[0] != "Z" {
				out = append(out, e.Name()+" "+s[:strings.LastIndex(s, ")")+1])
			}
		}
		if len(out) == 0 || time.Now().After(deadline) {
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
}
