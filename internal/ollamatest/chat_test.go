package ollamatest_test

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ollama/ollama/api"

	"github.com/lessonl/lessonl/internal/ollamatest"
)

const variant = "Here it is:\n```go\nfunc Sum(xs []int) int {\n\ttotal := 0\n\tfor _, x := range xs {\n\t\ttotal += x\n\t}\n\treturn total\n}\n```\n"

func TestChatStreamsWordChunksThenDoneWithMetrics(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"coder:7b": {Replies: []string{variant}}}))
	chunks, err := chat(ctxT(t), c, "coder:7b", true, "sys", "make it faster")
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	words := len(strings.Fields(variant))
	if len(chunks) != words+1 {
		t.Fatalf("got %d chunks, want one per word (%d) plus the final one", len(chunks), words)
	}
	if got := content(chunks); got != variant {
		t.Errorf("streamed content = %q, want exactly %q", got, variant)
	}
	for i, ch := range chunks[:words] {
		if ch.Done || ch.Message.Role != "assistant" || ch.Model != "coder:7b" || ch.Message.Content == "" || ch.CreatedAt.IsZero() {
			t.Errorf("chunk %d = %+v, want a non-empty assistant chunk of coder:7b, not done", i, ch)
		}
	}
	last := chunks[words]
	if !last.Done || last.DoneReason != "stop" || last.Message.Content != "" || last.Message.Role != "assistant" {
		t.Errorf("last chunk = %+v, want done, reason stop, empty assistant message", last)
	}
	m := last.Metrics
	if m.EvalCount != words || m.EvalDuration <= 0 || m.PromptEvalCount != 4 || m.PromptEvalDuration <= 0 || m.TotalDuration <= 0 || m.LoadDuration <= 0 {
		t.Errorf("final metrics = %+v, want eval_count %d, prompt_eval_count 4 (words of the messages), positive durations", m, words)
	}
}

func TestChatNotStreamedIsOneDoneAnswer(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"coder:7b": {Replies: []string{variant}, TokensPerSecond: 1000}}))
	chunks, err := chat(ctxT(t), c, "coder:7b", false, "sys", "make it faster")
	if err != nil {
		t.Fatalf("Chat: %v", err)
	}
	if len(chunks) != 1 {
		t.Fatalf("got %d responses, want 1 for stream=false", len(chunks))
	}
	r := chunks[0]
	words := len(strings.Fields(variant))
	if !r.Done || r.DoneReason != "stop" || r.Message.Content != variant || r.Message.Role != "assistant" {
		t.Errorf("answer = %+v, want the whole reply, done, reason stop", r)
	}
	if want := time.Duration(float64(words) / 1000 * float64(time.Second)); r.EvalCount != words || r.EvalDuration != want {
		t.Errorf("eval_count %d eval_duration %v, want %d and %v (count / tokens_per_second)", r.EvalCount, r.EvalDuration, words, want)
	}
}

func TestChatTokensPerSecondSetsEvalDuration(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"slow": {Replies: []string{"one two three four five"}, TokensPerSecond: 200}}))
	chunks, err := chat(ctxT(t), c, "slow", true, "", "go")
	if err != nil {
		t.Fatal(err)
	}
	last := chunks[len(chunks)-1]
	if last.EvalCount != 5 || last.EvalDuration != 25*time.Millisecond {
		t.Errorf("eval_count %d eval_duration %v, want 5 tokens in 25ms at 200 tokens/s", last.EvalCount, last.EvalDuration)
	}
}

func TestChatNumPredictStopsWithReasonLength(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"m": {Replies: []string{"a b c d e f"}}}))
	stream := true
	var chunks []api.ChatResponse
	err := c.Chat(ctxT(t), &api.ChatRequest{Model: "m", Stream: &stream, Options: map[string]any{"num_predict": 3},
		Messages: []api.Message{{Role: "user", Content: "x"}}}, func(r api.ChatResponse) error {
		chunks = append(chunks, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	last := chunks[len(chunks)-1]
	if got := content(chunks); got != "a b c " || last.DoneReason != "length" || last.EvalCount != 3 {
		t.Errorf("content %q reason %q eval_count %d; want \"a b c \", length, 3", got, last.DoneReason, last.EvalCount)
	}
}

func TestChatNamesResolveLikeOllama(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"nomic": {Replies: []string{"ok"}}, "Qwen:7B": {Replies: []string{"q"}}}))
	for _, name := range []string{"nomic", "nomic:latest", "NOMIC:Latest", "qwen:7b"} {
		if _, err := chat(ctxT(t), c, name, false, "", "x"); err != nil {
			t.Errorf("Chat(%q): %v; want the model found (no tag means :latest, case-insensitive)", name, err)
		}
	}
}

// call is one chat call of a rule-matching scenario and the reply it must get.
type call struct {
	model, system, user string
	reply               string
	rule                int
}

func TestChatRulesAndReplies(t *testing.T) {
	script := models(map[string]*ollamatest.Model{
		"a": {
			Rules: []ollamatest.Rule{
				{Contains: []string{"lesson X", "func Sum"}, Reply: "variant Y"},
				{Regex: `(?i)why is B (faster|slower)`, Reply: "because of Z"},
				{Contains: []string{"retry"}, Reply: "twice only", Times: 2},
				{Contains: []string{"retry"}, Reply: "then this"},
			},
			Replies: []string{"first", "second", "last"},
		},
		"b": {Rules: []ollamatest.Rule{{Reply: "catch-all", Times: 1}}, Replies: []string{"after"}},
	})
	tests := []struct {
		name  string
		calls []call
	}{
		{"replies in order, the last repeats", []call{
			{"a", "", "hello", "first", -1}, {"a", "", "hello", "second", -1},
			{"a", "", "hello", "last", -1}, {"a", "", "hello", "last", -1},
		}},
		{"every substring must occur, in any message and role", []call{
			{"a", "you know lesson X", "func Sum(xs []int) int", "variant Y", 0},
			{"a", "", "lesson X only", "first", -1},
		}},
		{"a substring spanning two messages does not match", []call{
			{"a", "lesson", " X func Sum", "first", -1},
		}},
		{"regex", []call{
			{"a", "", "Why is B slower than A?", "because of Z", 1},
		}},
		{"the first matching rule wins", []call{
			{"a", "lesson X", "func Sum: why is B faster", "variant Y", 0},
		}},
		{"times uses a rule up, then the next rule answers", []call{
			{"a", "", "retry", "twice only", 2}, {"a", "", "retry", "twice only", 2},
			{"a", "", "retry", "then this", 3}, {"a", "", "retry", "then this", 3},
		}},
		{"a catch-all rule with times, then replies", []call{
			{"b", "", "anything", "catch-all", 0}, {"b", "", "anything", "after", -1}, {"b", "", "x", "after", -1},
		}},
		{"models keep separate counts", []call{
			{"b", "", "x", "catch-all", 0}, {"a", "", "x", "first", -1}, {"b", "", "x", "after", -1}, {"a", "", "x", "second", -1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := start(t, script)
			for i, cl := range tt.calls {
				chunks, err := chat(ctxT(t), c, cl.model, i%2 == 0, cl.system, cl.user)
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				if got := content(chunks); got != cl.reply {
					t.Errorf("call %d (%q, %q) = %q, want %q", i, cl.system, cl.user, got, cl.reply)
				}
				reqs := srv.Requests()
				if r := reqs[len(reqs)-1]; r.Rule != cl.rule || r.Reply != cl.reply {
					t.Errorf("call %d recorded rule %d reply %q, want rule %d reply %q", i, r.Rule, r.Reply, cl.rule, cl.reply)
				}
			}
		})
	}
}

func TestChatTimesIsExactUnderConcurrency(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{
		"m": {Rules: []ollamatest.Rule{{Reply: "limited", Times: 5}}, Replies: []string{"rest"}},
	}))
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			chunks, err := chat(ctxT(t), c, "m", true, "", "x")
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got[content(chunks)]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if want := map[string]int{"limited": 5, "rest": 15}; !reflect.DeepEqual(got, want) {
		t.Errorf("answers = %v, want %v", got, want)
	}
}

func TestChatRecordsRequests(t *testing.T) {
	srv, c := start(t, models(map[string]*ollamatest.Model{"m": {Replies: []string{"ok"}}}))
	ctx := ctxT(t)
	before := time.Now()
	stream := false
	keep := &api.Duration{Duration: 30 * time.Minute}
	err := c.Chat(ctx, &api.ChatRequest{Model: "m", Stream: &stream, KeepAlive: keep, Format: []byte(`"json"`), Options: teamOptions,
		Messages: []api.Message{{Role: "system", Content: "be fast"}, {Role: "user", Content: "code"}}}, func(api.ChatResponse) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if _, err := chat(ctx, c, "m", true, "s", "u"); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 2 {
		t.Fatalf("recorded %d requests, want 2", len(reqs))
	}
	r := reqs[0]
	want := ollamatest.Request{
		Method: "POST", Path: "/api/chat", Model: "m", Stream: false, KeepAlive: "30m0s", Format: "json",
		Messages: []ollamatest.Message{{Role: "system", Content: "be fast"}, {Role: "user", Content: "code"}},
		Options:  map[string]any{"temperature": 0.2, "seed": float64(42), "num_ctx": float64(8192)},
		Status:   200, Rule: -1, Reply: "ok", Time: r.Time, Load: "load",
	}
	if !reflect.DeepEqual(r, want) {
		t.Errorf("recorded\n%+v\nwant\n%+v", r, want)
	}
	if r.Time.Before(before) || reqs[1].Time.Before(r.Time) || !reqs[1].Stream {
		t.Errorf("times %v, %v (after %v) and stream %v: want arrival order and stream true by default", r.Time, reqs[1].Time, before, reqs[1].Stream)
	}
	if !reflect.DeepEqual(reqs[0].Options, reqs[1].Options) {
		t.Errorf("options differ between identical calls: %v vs %v", reqs[0].Options, reqs[1].Options)
	}
	// The copy is the caller's: changing it changes nothing in the server.
	reqs[0].Messages[0].Content = "changed"
	if srv.Requests()[0].Messages[0].Content != "be fast" {
		t.Error("Requests returned the server's own slice; want a copy")
	}
}

func TestSetScriptReplacesBehaviourAndResetsCounts(t *testing.T) {
	srv, c := start(t, models(map[string]*ollamatest.Model{"m": {Replies: []string{"one", "two"}}}))
	ctx := ctxT(t)
	if ch, _ := chat(ctx, c, "m", true, "", "x"); content(ch) != "one" {
		t.Fatalf("first reply = %q", content(ch))
	}
	srv.SetScript(models(map[string]*ollamatest.Model{"m": {Replies: []string{"new one", "new two"}}, "n": {Replies: []string{"n"}}}))
	if ch, err := chat(ctx, c, "m", true, "", "x"); err != nil || content(ch) != "new one" {
		t.Errorf("after SetScript: %q, %v; want the new script from its first reply", content(ch), err)
	}
	if ch, err := chat(ctx, c, "n", true, "", "x"); err != nil || content(ch) != "n" {
		t.Errorf("new model: %q, %v", content(ch), err)
	}
	if n := len(srv.Requests()); n != 3 {
		t.Errorf("request log has %d entries after SetScript, want all 3 kept", n)
	}
	defer func() {
		if recover() == nil {
			t.Error("SetScript with a bad regex did not panic")
		}
	}()
	srv.SetScript(models(map[string]*ollamatest.Model{"m": {Rules: []ollamatest.Rule{{Regex: "["}}}}))
}

func TestChatRefusals(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{
		"embedder": {Embed: true},
		"silent":   {Rules: []ollamatest.Rule{{Contains: []string{"never"}, Reply: "x"}}},
		"absent":   {Missing: true, Replies: []string{"x"}},
	}))
	tests := []struct {
		model  string
		status int
		msg    string
	}{
		{"nobody:7b", 404, `model "nobody:7b" not found, try pulling it first`},
		{"absent", 404, `model "absent" not found, try pulling it first`},
		{"embedder", 400, `"embedder" does not support chat`},
		{"silent", 500, `no rule of model "silent" matched and it has no replies`},
		{"", 400, "model is required"},
	}
	for _, tt := range tests {
		for _, stream := range []bool{true, false} {
			_, err := chat(ctxT(t), c, tt.model, stream, "", "x")
			se := statusError(t, err)
			if se.StatusCode != tt.status || !strings.Contains(se.ErrorMessage, tt.msg) {
				t.Errorf("Chat(%q, stream=%v) = %d %q, want %d %q", tt.model, stream, se.StatusCode, se.ErrorMessage, tt.status, tt.msg)
			}
		}
	}
}

// TestChatMisbehaviour drives every failure mode through the real client and
// pins down what the client reports, which is what the team must handle.
func TestChatMisbehaviour(t *testing.T) {
	reply := "w1 w2 w3 w4 w5 w6"
	tests := []struct {
		name   string
		mb     ollamatest.Misbehave
		stream bool
		chunks int                     // chunks the callback receives
		check  func(*testing.T, error) // the client's error
	}{
		{"status 500 streamed", ollamatest.Misbehave{Status: 500}, true, 0, wantStatus(500, `scripted HTTP 500 for model "m"`)},
		{"status 503 with message", ollamatest.Misbehave{Status: 503, Message: "server busy, please try again"}, false, 0, wantStatus(503, "server busy, please try again")},
		{"cut after 2 chunks", ollamatest.Misbehave{CutAfter: 2}, true, 2, wantPlainError(`{"model":"m"`)},
		{"cut in the final line", ollamatest.Misbehave{CutAfter: 100}, true, 6, wantPlainError(`"done":true`)},
		{"cut before any chunk: the client returns no error and no done", ollamatest.Misbehave{CutAfter: -1}, true, 0, wantNoError},
		{"cut non-streamed body", ollamatest.Misbehave{CutAfter: 1}, false, 0, wantPlainError(`{"model":"m"`)},
		{"garbage streamed", ollamatest.Misbehave{Garbage: true}, true, 0, wantPlainError("ollamatest garbage")},
		{"garbage after 3 chunks", ollamatest.Misbehave{Garbage: true, CutAfter: 3}, true, 3, wantPlainError("ollamatest garbage")},
		{"garbage non-streamed", ollamatest.Misbehave{Garbage: true}, false, 0, wantPlainError("ollamatest garbage")},
		{"short latency, then a normal answer", ollamatest.Misbehave{Latency: ollamatest.Duration(20 * time.Millisecond)}, true, 7, wantNoError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mb := tt.mb
			_, c := start(t, models(map[string]*ollamatest.Model{"m": {Replies: []string{reply}, Misbehave: &mb}}))
			chunks, err := chat(ctxT(t), c, "m", tt.stream, "", "x")
			tt.check(t, err)
			if len(chunks) != tt.chunks {
				t.Errorf("callback got %d chunks, want %d", len(chunks), tt.chunks)
			}
			for _, ch := range chunks {
				if ch.Done && tt.chunks != 7 {
					t.Errorf("got a done chunk from a broken answer: %+v", ch)
				}
			}
		})
	}
}

func wantStatus(code int, msg string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		se := statusError(t, err)
		if se.StatusCode != code || !strings.Contains(se.ErrorMessage, msg) {
			t.Errorf("status error = %d %q, want %d containing %q", se.StatusCode, se.ErrorMessage, code, msg)
		}
	}
}

// wantPlainError: the client turns an undecodable line into errors.New(line).
func wantPlainError(fragment string) func(*testing.T, error) {
	return func(t *testing.T, err error) {
		t.Helper()
		var se api.StatusError
		if err == nil || errors.As(err, &se) || !strings.Contains(err.Error(), fragment) {
			t.Errorf("error = %v, want a plain error containing %q", err, fragment)
		}
	}
}

func wantNoError(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Errorf("error = %v, want none", err)
	}
}

func TestChatLatencyRespectsTheClientsDeadline(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"m": {Replies: []string{"late"}, Misbehave: &ollamatest.Misbehave{Latency: ollamatest.Duration(time.Hour)}}}))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := chat(ctx, c, "m", true, "", "x")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
}

func TestChatHangUntilTheClientGivesUp(t *testing.T) {
	srv, c := start(t, models(map[string]*ollamatest.Model{
		"m": {Rules: []ollamatest.Rule{{Contains: []string{"hang"}, Misbehave: &ollamatest.Misbehave{Hang: true}}}, Replies: []string{"fine"}},
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := chat(ctx, c, "m", true, "", "please hang")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error = %v, want context.DeadlineExceeded", err)
	}
	// The rule's misbehaviour is its own: other calls of the model answer.
	if ch, err := chat(ctxT(t), c, "m", true, "", "x"); err != nil || content(ch) != "fine" {
		t.Errorf("next call = %q, %v; want fine", content(ch), err)
	}
	if r := srv.Requests()[0]; r.Status != 0 || r.Rule != 0 {
		t.Errorf("hung request recorded with status %d rule %d, want 0 (never answered) and rule 0", r.Status, r.Rule)
	}
}

func TestCloseReleasesHungHandlers(t *testing.T) {
	srv, c := start(t, models(map[string]*ollamatest.Model{"m": {Misbehave: &ollamatest.Misbehave{Hang: true}, Replies: []string{"x"}}}))
	errc := make(chan error, 3)
	for range 3 {
		go func() {
			_, err := chat(context.Background(), c, "m", true, "", "x") // no deadline: only Close can end it
			errc <- err
		}()
	}
	if err := srv.WaitForRequests(ctxT(t), 3); err != nil {
		t.Fatal(err)
	}
	srv.Close() // returns only once the hung handlers have returned
	for range 3 {
		if err := <-errc; err == nil {
			t.Error("hung call ended without error when the server closed")
		}
	}
}

func TestWaitForRequestsEndsWithItsContext(t *testing.T) {
	srv, _ := start(t, models(nil))
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := srv.WaitForRequests(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "received 0 requests") {
		t.Errorf("WaitForRequests = %v, want the deadline and the count so far", err)
	}
}

func TestRuleMisbehaviourReplacesTheModels(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{"m": {
		Misbehave: &ollamatest.Misbehave{Status: 500},
		Rules:     []ollamatest.Rule{{Contains: []string{"calm"}, Reply: "ok", Misbehave: &ollamatest.Misbehave{}}},
		Replies:   []string{"never seen"},
	}}))
	if ch, err := chat(ctxT(t), c, "m", true, "", "calm"); err != nil || content(ch) != "ok" {
		t.Errorf("rule with an empty misbehave = %q, %v; want ok", content(ch), err)
	}
	_, err := chat(ctxT(t), c, "m", true, "", "other")
	wantStatus(500, "scripted")(t, err)
}

// A model scripted only to fail needs no reply text: the failure is its answer.
func TestChatMisbehaviourNeedsNoReply(t *testing.T) {
	_, c := start(t, models(map[string]*ollamatest.Model{
		"hang":   {Misbehave: &ollamatest.Misbehave{Hang: true}},
		"status": {Misbehave: &ollamatest.Misbehave{Status: 503}},
	}))
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := chat(ctx, c, "hang", true, "", "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("hang without replies: error = %v, want context.DeadlineExceeded", err)
	}
	_, err := chat(ctxT(t), c, "status", true, "", "x")
	wantStatus(503, `scripted HTTP 503 for model "status"`)(t, err)
}
