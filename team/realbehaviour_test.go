package team_test

// Behaviours a real Ollama 0.17.4 showed (issue 16), played by the scripted
// server: each test fails on the loop as it was before.

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/internal/ollamatest"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

func run(t *testing.T, srv *ollamatest.Server, cfg team.Config, bank *vectorbank.Bank) (*team.Result, *recorder, error) {
	t.Helper()
	if bank == nil {
		bank = openBank(t, t.TempDir())
		t.Cleanup(func() { bank.Close() })
	}
	if cfg.Measure.Timeout == 0 {
		cfg.Measure = quickMeasure()
	}
	rec := &recorder{}
	res, err := team.Run(context.Background(), team.Problem{Target: maxTarget(t, "Max")}, cfg, bank, rec.emit)
	return res, rec, err
}

func byModel(res *team.Result) map[string]team.Variant {
	m := map[string]team.Variant{}
	for _, v := range res.Variants {
		m[v.Model] = v
	}
	return m
}

func solicited(srv *ollamatest.Server, model string) int {
	n := 0
	for _, r := range srv.Requests() {
		if r.Path == "/api/chat" && r.Model == model && strings.Contains(joined(r), solicit) {
			n++
		}
	}
	return n
}

// 1. An answer cut at num_predict is marked; its code is used only when the
// function in it is complete, and no lesson is made of a cut answer.
func TestCutAnswers(t *testing.T) {
	unfinished := "```go\nfunc Max(xs []int) int {\n\tm := 0\n" + strings.Repeat("\tm += 0\n", 900) + "\treturn m\n}\n```"
	chatty := scanVariant + "\n" + strings.Repeat("and more words ", 1200)
	s := ollamatest.Script{Models: map[string]*ollamatest.Model{
		"cut:1b":    {Rules: []ollamatest.Rule{{Contains: []string{solicit}, Reply: brokenLesson}}, Replies: []string{unfinished}},
		"chatty:1b": {Rules: []ollamatest.Rule{{Contains: []string{solicit}, Reply: scanLesson}}, Replies: []string{chatty}},
	}}
	srv := ollamatest.New(s)
	defer srv.Close()
	res, _, err := run(t, srv, team.Config{Agents: agents(srv, "cut:1b", "chatty:1b"), Rounds: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	vs := byModel(res)
	cut := vs["cut:1b"]
	if cut.Truncated == "" || !strings.Contains(cut.Error, "incomplete") || cut.Report != nil || cut.LessonID != "" {
		t.Errorf("cut answer: truncated %q, error %q, report %v, lesson %q: want marked, not measured, no lesson", cut.Truncated, cut.Error, cut.Report, cut.LessonID)
	}
	if n := solicited(srv, "cut:1b"); n != 0 {
		t.Errorf("a lesson was solicited %d times from a cut answer", n)
	}
	chat := vs["chatty:1b"]
	if chat.Truncated == "" || chat.Report == nil || chat.Report.Verdict != exec.Faster || chat.LessonID == "" {
		t.Errorf("complete function in a cut answer: truncated %q, report %+v, lesson %q: want measured faster and a lesson", chat.Truncated, chat.Report, chat.LessonID)
	}
}

// 1. Prompts are fitted to the model's own context (from /api/show, capped
// by the setting), shortened deliberately and said so, never truncated by
// the server.
func TestPromptsFitTheModelsContext(t *testing.T) {
	s := teamScript()
	s.Models["small:1b"] = &ollamatest.Model{ContextLength: 1080, Rules: []ollamatest.Rule{{Contains: []string{solicit}, Reply: scanLesson}}, Replies: []string{scanVariant}}
	srv := ollamatest.New(s)
	defer srv.Close()
	res, rec, err := run(t, srv, team.Config{Agents: agents(srv, "small:1b", "alpha:1b"), Rounds: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		if r.Path != "/api/chat" {
			continue
		}
		want := 8192.0
		if r.Model == "small:1b" {
			want = 1080
		}
		if r.Options["num_ctx"] != want || r.Truncated != 0 {
			t.Errorf("%s: num_ctx %v (want %v), %d prompt tokens dropped by the server", r.Model, r.Options["num_ctx"], want, r.Truncated)
		}
	}
	if v := byModel(res)["small:1b"]; v.Report == nil {
		t.Errorf("small model: %+v", v)
	}
	if !slices.ContainsFunc(warnings(rec), func(w string) bool { return strings.Contains(w, "shortened to fit num_ctx 1080") }) {
		t.Errorf("no warning about the shortened prompt: %q", warnings(rec))
	}
}

func warnings(rec *recorder) []string {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	var out []string
	for _, e := range rec.events {
		if w, ok := e.(team.Warning); ok {
			out = append(out, w.Text)
		}
	}
	return out
}

// 2. Ollama's repeat guard ends a stream with no done line and no error: the
// answer is kept as incomplete, and its complete function is used.
func TestRepeatGuardAnswerIsKept(t *testing.T) {
	s := ollamatest.Script{Models: map[string]*ollamatest.Model{
		"loop:1b": {Rules: []ollamatest.Rule{{Contains: []string{solicit}, Reply: scanLesson}},
			Replies: []string{scanVariant + "\n" + strings.Repeat("again ", 60)}},
	}}
	srv := ollamatest.New(s)
	defer srv.Close()
	res, _, err := run(t, srv, team.Config{Agents: agents(srv, "loop:1b"), Rounds: 1}, nil)
	if err != nil {
		t.Fatal(err)
	}
	v := byModel(res)["loop:1b"]
	if !strings.Contains(v.Truncated, "repeat guard") || v.Report == nil || v.Report.Verdict != exec.Faster {
		t.Errorf("repeat-guard answer: truncated %q, error %q, report %+v", v.Truncated, v.Error, v.Report)
	}
}

// 3. A timeout during streaming is named as a timeout.
func TestTimeoutMidStreamIsNamed(t *testing.T) {
	s := ollamatest.Script{Models: map[string]*ollamatest.Model{
		"slow:1b": {TokensPerSecond: 20, Replies: []string{scanVariant + strings.Repeat(" more", 200)}},
	}}
	srv := ollamatest.New(s)
	defer srv.Close()
	res, _, _ := run(t, srv, team.Config{Agents: agents(srv, "slow:1b"), Rounds: 1, CallTimeout: time.Second}, nil)
	if v := byModel(res)["slow:1b"]; !strings.Contains(v.Error, "did not finish its answer within 1s") {
		t.Errorf("error = %q, want it named as a timeout", v.Error)
	}
}

// 4. A failing bank (here: the embedder) is reported and never discards the
// verified best.
func TestBankFailureKeepsTheBest(t *testing.T) {
	s := teamScript()
	s.Models["emb"] = &ollamatest.Model{Embed: true}
	srv := ollamatest.New(s)
	defer srv.Close()
	bank, err := vectorbank.Open(t.TempDir(), vectorbank.NewOllamaEmbedder(srv.URL(), "emb"))
	if err != nil {
		t.Fatal(err)
	}
	defer bank.Close()
	if _, err := bank.Add(context.Background(), vectorbank.Lesson{Text: sortLesson, Outcome: vectorbank.OutcomeFaster, Speedup: 2, Factor: 1, Lang: "go", Func: "Max"}); err != nil {
		t.Fatal(err)
	}
	s.Models["emb"].Misbehave = &ollamatest.Misbehave{Status: 500, Message: "embedding failed"}
	srv.SetScript(s)
	res, rec, err := run(t, srv, team.Config{Agents: agents(srv, "alpha:1b"), Rounds: 2, EmbedHost: srv.URL()}, bank)
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	if res.Best == nil || res.Best.Report.Verdict != exec.Faster {
		t.Fatalf("best = %+v: the verified variant was discarded", res.Best)
	}
	if len(res.Warnings) == 0 || len(warnings(rec)) == 0 || !strings.Contains(strings.Join(res.Warnings, "\n"), "embedding failed") {
		t.Errorf("warnings %q: want the bank's failure reported", res.Warnings)
	}
}

// 5. The pre-run check covers capabilities: an embedding model is no agent,
// and an Ollama embedder must exist and embed.
func TestPreRunChecksCapabilitiesAndEmbedder(t *testing.T) {
	s := teamScript()
	s.Models["emb"] = &ollamatest.Model{Embed: true}
	srv := ollamatest.New(s)
	defer srv.Close()
	err := team.Preflight(context.Background(), agents(srv, "alpha:1b", "emb"), nil, nil)
	if err == nil || !strings.Contains(err.Error(), "cannot write code") {
		t.Errorf("embedding model as an agent: %v", err)
	}
	for _, tt := range []struct{ model, want string }{{"missing", "ollama pull missing"}, {"beta:1b", "cannot embed"}} {
		bank, err := vectorbank.Open(t.TempDir(), vectorbank.NewOllamaEmbedder(srv.URL(), tt.model))
		if err != nil {
			t.Fatal(err)
		}
		before := len(srv.Requests())
		_, _, err = run(t, srv, team.Config{Agents: agents(srv, "alpha:1b"), Rounds: 1, EmbedHost: srv.URL()}, bank)
		bank.Close()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("embedder %s: %v, want %q", tt.model, err, tt.want)
		}
		for _, r := range srv.Requests()[before:] {
			if r.Path == "/api/chat" {
				t.Errorf("embedder %s: a model was called before the check failed", tt.model)
				break
			}
		}
	}
}

// 6. Every call sends the same keep_alive; a team plus embedder beyond what
// the server keeps loaded is said once, and the calls are ordered so that
// no more than two models load per round (Ollama evicts an idle model).
func TestKeepAliveAndLoadedModels(t *testing.T) {
	s := teamScript()
	s.Models["emb"] = &ollamatest.Model{Embed: true}
	srv := ollamatest.New(s)
	defer srv.Close()
	bank, err := vectorbank.Open(t.TempDir(), vectorbank.NewOllamaEmbedder(srv.URL(), "emb"))
	if err != nil {
		t.Fatal(err)
	}
	defer bank.Close()
	const rounds = 3
	_, rec, err := run(t, srv, team.Config{Agents: agents(srv, "alpha:1b", "beta:1b", "gamma:1b"), Rounds: rounds, EmbedHost: srv.URL()}, bank)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		if (r.Path == "/api/chat" || r.Path == "/api/embed") && r.KeepAlive != "30m0s" {
			t.Errorf("%s %s sent keep_alive %q, want 30m0s like every call", r.Path, r.Model, r.KeepAlive)
		}
	}
	n := 0
	for _, w := range warnings(rec) {
		if strings.Contains(w, "keeps 3 models loaded") {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d warnings about loaded models, want 1: %q", n, warnings(rec))
	}
	loads := srv.Loads()
	if max := 4 + 2*(rounds-1); len(loads) > max {
		t.Errorf("%d model loads in %d rounds, want at most %d: %+v", len(loads), rounds, max, loads)
	}
	for _, l := range loads {
		if strings.HasPrefix(l.Reason, "reload") {
			t.Errorf("a model reloaded for changed options: %+v", l)
		}
	}
}

// 7. The seed varies by round and agent, reproducibly from the base seed.
func TestSeedVariesByRoundAndAgent(t *testing.T) {
	seeds := func() []float64 {
		srv := ollamatest.New(teamScript())
		defer srv.Close()
		if _, _, err := run(t, srv, team.Config{Agents: agents(srv, "alpha:1b", "beta:1b"), Rounds: 2, NoLessons: true, Seed: 7}, nil); err != nil {
			t.Fatal(err)
		}
		var out []float64
		for _, r := range srv.Requests() {
			if r.Path == "/api/chat" && !strings.Contains(joined(r), solicit) {
				out = append(out, r.Options["seed"].(float64))
			}
		}
		slices.Sort(out)
		return out
	}
	a, b := seeds(), seeds()
	if len(a) != 4 || len(slices.Compact(slices.Clone(a))) != 4 {
		t.Errorf("code-call seeds %v: want 4 distinct (2 rounds × 2 agents)", a)
	}
	if !slices.Equal(a, b) {
		t.Errorf("seeds differ between runs with the same base seed: %v vs %v", a, b)
	}
}

// 8. A run in which no model answered is an error; a server that closes the
// connection is said so, not shown as a raw EOF.
func TestNoModelAnsweredIsAnError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			buf := make([]byte, 4096)
			c.Read(buf) //nolint:errcheck // read the request, then hang up
			c.Close()
		}
	}()
	s := ollamatest.Script{Models: map[string]*ollamatest.Model{"err:1b": {Misbehave: &ollamatest.Misbehave{Status: 500}}}}
	srv := ollamatest.New(s)
	defer srv.Close()
	gone := team.Agent{Model: "gone:1b", Host: "http://" + ln.Addr().String()}
	res, _, err := run(t, srv, team.Config{Agents: append(agents(srv, "err:1b"), gone), Rounds: 1}, nil)
	if !errors.Is(err, team.ErrNoModelAnswered) {
		t.Errorf("err = %v, want ErrNoModelAnswered", err)
	}
	if v := byModel(res)["gone:1b"]; !strings.Contains(v.Error, "closed the connection") {
		t.Errorf("vanished server: %q", v.Error)
	}
}
