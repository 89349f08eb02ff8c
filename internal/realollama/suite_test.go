package realollama_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	lexec "github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/internal/gguf"
	"github.com/lessonl/lessonl/internal/realollama"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

func ctxT(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// lessonl is the CLI under test: $LESSONL_BIN (scripts/test.sh builds it),
// else built here.
func lessonl(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("LESSONL_BIN"); bin != "" {
		return bin
	}
	bin := filepath.Join(t.TempDir(), "lessonl")
	if out, err := exec.Command("go", "build", "-o", bin, "github.com/lessonl/lessonl/cmd/lessonl").CombinedOutput(); err != nil {
		t.Fatalf("go build lessonl: %v\n%s", err, out)
	}
	return bin
}

func target(t *testing.T) string {
	t.Helper()
	f, err := filepath.Abs(filepath.Join("..", "..", "team", "testdata", "maxof", "maxof.go")) // the team tests' problem
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func runCLI(t *testing.T, srv *realollama.Server, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	cmd := exec.Command(lessonl(t), args...)
	cmd.Env = append(os.Environ(), "OLLAMA_HOST="+srv.URL)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatal(err)
	}
	return o.String(), e.String(), code
}

// loads counts the model loads in the server's log.
func loads(log string) int { return strings.Count(log, "llama runner started") }

// The whole loop on the real server: three deterministic agents (faster,
// wrong, does not build) and an Ollama embedder, through `lessonl optimize`,
// then `lessons reindex` onto the embedder.
func TestOptimizeOnRealOllama(t *testing.T) {
	srv := realollama.Start(t)
	ctx := ctxT(t, 10*time.Minute)
	if err := srv.CreateTeam(ctx, true); err != nil {
		t.Fatal(err)
	}
	store := t.TempDir()
	const rounds = 2
	out, errOut, code := runCLI(t, srv, "optimize", "--json", "--host", srv.URL, "--models", "fast:1b,wrong:1b,broken:1b",
		"--rounds", "2", "--embedder", "ollama:emb", "--store", store, "--timeout", "3m", target(t)+":Max")
	if code != 0 {
		t.Fatalf("optimize exited %d\nstderr: %s\nstdout: %s", code, errOut, out)
	}
	var res struct {
		Best *struct {
			Verdict string  `json:"verdict"`
			Speedup float64 `json:"speedup"`
			Model   string  `json:"model"`
		} `json:"best"`
		Variants []struct {
			Model     string `json:"model"`
			Round     int    `json:"round"`
			Error     string `json:"error"`
			Truncated string `json:"truncated"`
			Report    *struct {
				Verdict string `json:"verdict"`
			} `json:"report"`
		} `json:"variants"`
		LessonsLearned []struct {
			Text string `json:"text"`
		} `json:"lessons_learned"`
		LessonsUsed []json.RawMessage `json:"lessons_used"`
		Warnings    []string          `json:"warnings"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, out)
	}
	if res.Best == nil || res.Best.Verdict != "faster" || res.Best.Model != "fast:1b" {
		t.Errorf("best = %+v, want fast:1b's faster variant", res.Best)
	}
	want := map[string]string{"fast:1b": "faster", "wrong:1b": "incorrect", "broken:1b": "build_failed"}
	for _, v := range res.Variants {
		if v.Report == nil {
			t.Errorf("round %d %s: no report (%s)", v.Round, v.Model, v.Error)
			continue
		}
		if w := want[v.Model]; v.Report.Verdict != w && !(w == "faster" && v.Report.Verdict == "marginal") {
			t.Errorf("round %d %s: verdict %s, want %s", v.Round, v.Model, v.Report.Verdict, w)
		}
	}
	if len(res.Variants) != 3*rounds || len(res.LessonsLearned) != 3*rounds || len(res.LessonsUsed) == 0 {
		t.Errorf("%d variants, %d lessons learned, %d used; want %d, %d, some", len(res.Variants), len(res.LessonsLearned), len(res.LessonsUsed), 3*rounds, 3*rounds)
	}
	texts := ""
	for _, l := range res.LessonsLearned {
		texts += l.Text + "\n"
	}
	for _, l := range []string{realollama.ScanLesson, realollama.ZeroLesson, realollama.BrokenLesson} {
		if !strings.Contains(texts, l) {
			t.Errorf("lesson %q was not learned through the real tokenizer; learned:\n%s", l, texts)
		}
	}
	// Item 6: four models on a server that keeps three: said once, and the
	// calls ordered so that at most two models load per round after the first.
	if n := strings.Count(strings.Join(res.Warnings, "\n"), "keeps 3 models loaded"); n != 1 {
		t.Errorf("warnings %q: want one about the loaded-model limit", res.Warnings)
	}
	// The load count on the real server is reported, not yet asserted: the
	// first measurement (10 runner starts for 2 rounds) is above the 6 the
	// scripted server's eviction model predicts; see the issue.
	t.Logf("%d model loads in %d rounds", loads(srv.Log()), rounds)
	// Items 6 and 7: one keep_alive (30m) everywhere, and num_ctx is the
	// model's own context length (4096), not a fixed 8192.
	ps, err := srv.Client.ListRunning(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ps.Models {
		if until := time.Until(m.ExpiresAt); until < 25*time.Minute {
			t.Errorf("%s expires in %s: a call did not send keep_alive 30m", m.Name, until)
		}
		if m.Name != "emb:latest" && m.ContextLength != 4096 {
			t.Errorf("%s loaded with num_ctx %d, want its context length 4096", m.Name, m.ContextLength)
		}
	}
	if strings.Contains(srv.Log(), "truncating input prompt") {
		t.Error("the server truncated a prompt: prompts must be fitted before they are sent")
	}

	// lessons reindex onto the Ollama embedder, then a search through it.
	hashStore := t.TempDir()
	if _, errOut, code := runCLI(t, srv, "optimize", "--json", "--host", srv.URL, "--models", "fast:1b", "--rounds", "1",
		"--store", hashStore, "--timeout", "3m", target(t)+":Max"); code != 0 {
		t.Fatalf("optimize with the hash embedder exited %d: %s", code, errOut)
	}
	if _, errOut, code := runCLI(t, srv, "lessons", "reindex", "--embedder", "ollama:emb", "--ollama-host", srv.URL, "--store", hashStore); code != 0 {
		t.Fatalf("lessons reindex --embedder ollama:emb exited %d: %s", code, errOut)
	}
	out, errOut, code = runCLI(t, srv, "lessons", "search", "--store", hashStore, "--ollama-host", srv.URL, "running maximum")
	if code != 0 || !strings.Contains(out, "running maximum") {
		t.Errorf("search after reindex: exit %d\n%s\n%s", code, out, errOut)
	}
}

// The behaviours the real server showed, reproduced on it (issue 16).
func TestRealServerBehaviours(t *testing.T) {
	srv := realollama.Start(t)
	ctx := ctxT(t, 10*time.Minute)
	mk := func(name, code string, end gguf.End) {
		t.Helper()
		if err := srv.Create(ctx, name, realollama.TeamModel(name, code, realollama.ScanLesson, end), realollama.TeamTemplate, nil); err != nil {
			t.Fatal(err)
		}
	}
	mk("cut:1b", realollama.Unfinished, gguf.Cycle)
	mk("loop:1b", realollama.ScanVariant+"\nagain", gguf.Repeat)
	if err := srv.CreateTeam(ctx, true); err != nil {
		t.Fatal(err)
	}
	agent := func(m string) team.Agent { return team.Agent{Model: m, Host: srv.URL} }
	runTeam := func(cfg team.Config, bank *vectorbank.Bank) (*team.Result, error) {
		if bank == nil {
			var err error
			bank, err = vectorbank.Open(t.TempDir(), vectorbank.NewHashEmbedder())
			if err != nil {
				t.Fatal(err)
			}
			defer bank.Close()
		}
		cfg.Rounds, cfg.Measure = 1, lexec.Options{Size: 300, Timeout: 3 * time.Minute}
		return team.Run(ctx, team.Problem{Target: lexec.Target{File: target(t), Func: "Max"}}, cfg, bank, nil)
	}

	// 1 and 2: an answer cut at num_predict (done_reason "length") is not
	// measured and yields no lesson; one ended by the repeat guard keeps its
	// complete function.
	res, err := runTeam(team.Config{Agents: []team.Agent{agent("cut:1b"), agent("loop:1b")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range res.Variants {
		switch v.Model {
		case "cut:1b":
			if !strings.Contains(v.Truncated, "num_predict") || v.Report != nil || v.LessonID != "" {
				t.Errorf("cut answer: truncated %q, report %v, lesson %q", v.Truncated, v.Report, v.LessonID)
			}
		case "loop:1b":
			if !strings.Contains(v.Truncated, "repeat guard") || v.Report == nil || !v.Report.Verdict.Verified() {
				t.Errorf("repeat-guard answer: truncated %q, error %q, report %+v", v.Truncated, v.Error, v.Report)
			}
		}
	}

	// 3: a timeout while the answer streams is named as one.
	res, _ = runTeam(team.Config{Agents: []team.Agent{agent("cut:1b")}, CallTimeout: 300 * time.Millisecond}, nil)
	if v := res.Variants[0]; !regexp.MustCompile(`did not (finish its answer|answer) within 300ms`).MatchString(v.Error) {
		t.Errorf("timeout: %q", v.Error)
	}

	// 5: capabilities: an embedding model is no agent; a chat model is no embedder.
	if err := team.Preflight(ctx, []team.Agent{agent("fast:1b"), agent("emb")}, nil, nil); err == nil || !strings.Contains(err.Error(), "cannot write code") {
		t.Errorf("embedding model as agent: %v", err)
	}
	bank, err := vectorbank.Open(t.TempDir(), vectorbank.NewOllamaEmbedder(srv.URL, "fast:1b"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := runTeam(team.Config{Agents: []team.Agent{agent("fast:1b")}, EmbedHost: srv.URL}, bank); err == nil || !strings.Contains(err.Error(), "cannot embed") {
		t.Errorf("chat model as embedder: %v", err)
	}
	bank.Close()

	// Without our fitting the server silently drops a long prompt's start:
	// the log check above is meaningful.
	long := strings.Repeat("lorem ipsum dolor sit amet ", 300)
	err = srv.Client.Chat(ctx, &api.ChatRequest{Model: "fast:1b", Messages: []api.Message{{Role: "user", Content: long}},
		Options: map[string]any{"num_ctx": 512, "num_predict": 4}}, func(api.ChatResponse) error { return nil })
	if err != nil || !strings.Contains(srv.Log(), "truncating input prompt") {
		t.Errorf("a too-long prompt sent as is: err %v, and the server log does not show its truncation", err)
	}
	// With truncate false (as the team sends) it is an error instead.
	no := false
	err = srv.Client.Chat(ctx, &api.ChatRequest{Model: "fast:1b", Messages: []api.Message{{Role: "user", Content: long}}, Truncate: &no,
		Options: map[string]any{"num_ctx": 512, "num_predict": 4}}, func(api.ChatResponse) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "exceeds the context length") {
		t.Errorf("truncate false: %v", err)
	}

	// 8: a server that went away: no model answered, an error (the CLI exits 3).
	srv.Stop()
	_, err = runTeam(team.Config{Agents: []team.Agent{agent("fast:1b"), agent("wrong:1b")}}, nil)
	if !errors.Is(err, team.ErrNoModelAnswered) || !strings.Contains(err.Error(), "not reachable") {
		t.Errorf("stopped server: %v", err)
	}
}
