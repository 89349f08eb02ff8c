package server

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/handlers"
	"github.com/lessonl/lessonl/internal/ollamatest"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

// The package the runs optimise: Max sorts by insertion (quadratic), so a
// linear scan is verifiably faster.
const (
	maxofDisk = `// Package maxof has a slow Max.
package maxof

// Max returns the largest element of xs, or 0 for an empty slice.
func Max(xs []int) int {
	if len(xs) == 0 {
		return 0
	}
	s := make([]int, len(xs))
	copy(s, xs)
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s[len(s)-1]
}

// Other is here so edits elsewhere can be made.
func Other() int { return 1 }
`
	maxofTest = `package maxof

import "testing"

func TestMax(t *testing.T) {
	if got := Max([]int{3, 9, 2}); got != 9 {
		t.Fatalf("Max = %d, want 9", got)
	}
	if got := Max([]int{-3, -9}); got != -3 {
		t.Fatalf("Max = %d, want -3", got)
	}
}
`
	// unsavedMarker is only in the editor's buffer: the run must see it.
	unsavedMarker = "// unsaved: insertion sort"

	scanVariant  = "Here:\n```go\nfunc Max(xs []int) int {\n\tif len(xs) == 0 {\n\t\treturn 0\n\t}\n\tm := xs[0]\n\tfor _, x := range xs[1:] {\n\t\tif x > m {\n\t\t\tm = x\n\t\t}\n\t}\n\treturn m\n}\n```\n"
	scanLesson   = "A single pass that keeps the running maximum needs no copy and no sort, so it runs in linear time."
	sleepVariant = "```go\nfunc Max(xs []int) int {\n\ttime.Sleep(time.Hour)\n\treturn 0\n}\n```"
)

func maxofBuffer() string {
	return strings.Replace(maxofDisk, "\tfor i := 1;", "\t"+unsavedMarker+"\n\tfor i := 1;", 1)
}

func script() ollamatest.Script {
	return ollamatest.Script{Models: map[string]*ollamatest.Model{
		"fast:1b": {Rules: []ollamatest.Rule{
			{Contains: []string{"Your rewrite B"}, Reply: scanLesson},
			{Reply: scanVariant},
		}},
		"hang:1b":   {Misbehave: &ollamatest.Misbehave{Hang: true}},
		"sleepy:1b": {Rules: []ollamatest.Rule{{Reply: sleepVariant}}},
	}}
}

// runSettings are tiny: one agent, one round.
func runSettings(ollama *ollamatest.Server, model string) map[string]any {
	return map[string]any{
		"models":  []string{model + "@" + ollama.URL()},
		"rounds":  1,
		"lessons": 2,
		"timeout": "100s",
	}
}

func newOllama(t *testing.T) *ollamatest.Server {
	srv := ollamatest.New(script())
	t.Cleanup(srv.Close)
	return srv
}

func TestOptimizeEndToEnd(t *testing.T) {
	ollama := newOllama(t)
	h := newHarness(t, harnessOpts{initOpts: runSettings(ollama, "fast:1b")})
	dir := writeModule(t, map[string]string{"maxof.go": maxofDisk, "maxof_test.go": maxofTest})
	path := filepath.Join(dir, "maxof.go")
	u := h.open(path, maxofBuffer())
	line := uint32(strings.Count(maxofBuffer()[:strings.Index(maxofBuffer(), "copy(s, xs)")], "\n"))

	// The cheap action, before any run.
	acts := codeActions(t, h, u, line)
	if len(acts) != 1 || acts[0].Title != "Optimize with lessons" || acts[0].Command.Command != "lessonl.optimize" {
		t.Fatalf("actions before a run: %+v", acts)
	}
	// State must be stored before progress ends: look at it as the end arrives.
	stored := make(chan bool, 1)
	h.client.mu.Lock()
	h.client.onProgress = func(ev progressEvent) {
		if ev.Kind == "end" {
			stored <- len(h.s.Results(path)) > 0
		}
	}
	h.client.mu.Unlock()
	raw, err := h.srv.ExecuteCommand(h.ctx(), &protocol.ExecuteCommandParams{Command: acts[0].Command.Command, Arguments: acts[0].Command.Arguments})
	if err != nil {
		t.Fatalf("lessonl.optimize: %v", err)
	}
	var res handlers.OptimizeResult
	if err := json.Unmarshal(raw, &res); err != nil {
		h.client.mu.Lock()
		defer h.client.mu.Unlock()
		t.Fatalf("result %s: %v; progress %+v", raw, err, h.client.progress)
	}
	if res.Verdict != "faster" || res.Speedup <= 1 || res.SpeedupLow > res.Speedup || res.Func != "Max" || res.URI != string(u) ||
		res.Round != 1 || !strings.HasPrefix(res.Agent, "fast:1b@") || !strings.Contains(res.Variant, "m := xs[0]") {
		t.Fatalf("result %+v", res)
	}
	if !strings.Contains(res.Original, unsavedMarker) {
		t.Errorf("the run optimised the file on disk, not the editor's buffer: original %q", res.Original)
	}
	if !<-stored {
		t.Error("the result was not stored when progress ended")
	}
	reportPath := uri.URI(res.ReportURI).FsPath()
	report, err := os.ReadFile(reportPath)
	if err != nil || !strings.Contains(string(report), "## Diff") || !strings.Contains(string(report), scanLesson) {
		t.Fatalf("report %s: %v\n%s", reportPath, err, report)
	}

	// Progress: a token made by the server, begin (cancellable) … end.
	h.client.mu.Lock()
	created, prog := len(h.client.created), append([]progressEvent(nil), h.client.progress...)
	h.client.mu.Unlock()
	if created != 1 {
		t.Errorf("the server created %d progress tokens, want 1", created)
	}
	checkProgress(t, prog, "completed")
	// Agents by model alone, and "measuring" (not the last "writing") while
	// the variant is built and timed.
	sawRound, before := false, ""
	for _, e := range prog {
		if strings.Contains(e.Message, "@http") {
			t.Errorf("progress names the agent's host: %q", e.Message)
		}
		if !sawRound && strings.HasPrefix(e.Message, "round 1/1 · fast:1b · ") && strings.Contains(e.Message, "× [") {
			sawRound = true
		} else if !sawRound && e.Kind == "report" {
			before = e.Message
		}
	}
	if !sawRound {
		t.Errorf("no report like \"round 1/1 · fast:1b · 2.31× [2.2, 2.4]\" in %+v", prog)
	}
	if !strings.HasPrefix(before, "round 1/1 · fast:1b · measuring") {
		t.Errorf("the report shown while the variant was measured is %q, want \"round 1/1 · fast:1b · measuring …\"", before)
	}
	h.client.waitFor(t, "codeLens/refresh", 10*time.Second, func(c *recClient) bool { return c.refreshes > 0 })
	h.client.waitFor(t, "the outcome message", 10*time.Second, func(c *recClient) bool { return c.messageWith("Max is") })

	// Hover and lenses.
	hv := hoverText(t, h, u, line)
	for _, want := range []string{"⚡", "faster", "fast:1b@", "round 1 of 1", "Full report", "generated inputs"} {
		if !strings.Contains(hv, want) {
			t.Errorf("hover lacks %q:\n%s", want, hv)
		}
	}
	if titles := lensTitles(t, h, u); len(titles) != 3 || !strings.HasPrefix(titles[0], "⚡ ") || titles[1] != "Apply" || titles[2] != "Diff" {
		t.Errorf("lenses %q, want ⚡ N× faster · Apply · Diff", titles)
	}

	// A restarted server (same store) shows the same result.
	h2 := newHarness(t, harnessOpts{initOpts: map[string]any{"store": h.store}})
	u2 := h2.open(path, maxofBuffer())
	if hv2 := hoverText(t, h2, u2, line); !strings.Contains(hv2, res2x(res.Speedup)) {
		t.Errorf("after a restart the hover is %q, want the %s speedup", hv2, res2x(res.Speedup))
	}

	// The report, at its diff.
	if _, err := h.exec(h.ctx(), "lessonl.showReport", nil, map[string]any{"uri": string(u), "func": "Max", "section": "diff"}); err != nil {
		t.Fatal(err)
	}
	h.client.mu.Lock()
	shown := h.client.shown[len(h.client.shown)-1]
	h.client.mu.Unlock()
	if shown.URI.FsPath() != reportPath || shown.Selection == nil {
		t.Fatalf("showDocument %+v, want %s with a selection", shown, reportPath)
	}
	if l := strings.Split(string(report), "\n")[shown.Selection.Start.Line]; l != "## Diff" {
		t.Errorf("the diff selection is on line %q", l)
	}
	// The lessons.
	ans, err := h.exec(h.ctx(), "lessonl.showLessons", nil, map[string]any{"uri": string(u), "func": "Max"})
	if err != nil || len(ans) != 0 && string(ans) != "null" {
		t.Fatalf("showLessons = %s, %v; want null after opening a document", ans, err)
	}
	h.client.mu.Lock()
	lessonsDoc := h.client.shown[len(h.client.shown)-1].URI.FsPath()
	h.client.mu.Unlock()
	if md, err := os.ReadFile(lessonsDoc); err != nil || !strings.Contains(string(md), scanLesson) {
		t.Errorf("lessons document %s: %v\n%s", lessonsDoc, err, md)
	}

	// Apply: the code action carries a versioned, annotated edit.
	acts = codeActions(t, h, u, line)
	if len(acts) != 3 || !strings.HasPrefix(acts[1].Title, "Apply optimized variant (") || acts[2].Title != "Show lessons for this function" {
		t.Fatalf("actions after the run: %q", titlesOf(acts))
	}
	if acts[1].Edit != nil || len(acts[1].Data) == 0 {
		t.Fatalf("a client that resolves got the edit inline: %+v", acts[1])
	}
	unresolved := *acts[1]
	resolved, err := h.srv.CodeActionResolve(h.ctx(), acts[1])
	if err != nil || resolved.Edit == nil {
		t.Fatalf("codeAction/resolve: %+v, %v", resolved, err)
	}
	acts[1] = resolved
	tde := acts[1].Edit.DocumentChanges[0].(*protocol.TextDocumentEdit)
	if tde.TextDocument.Version == nil || *tde.TextDocument.Version != 1 || tde.TextDocument.URI != u {
		t.Errorf("the edit is for %s version %v, want %s version 1", tde.TextDocument.URI, tde.TextDocument.Version, u)
	}
	// Labelled, never asking again: VS Code turns needsConfirmation into a
	// Refactor Preview whose changes start unticked.
	if ann, ok := acts[1].Edit.ChangeAnnotations["lessonl.apply"]; !ok || ann.Label == "" || ann.NeedsConfirmation == nil || *ann.NeedsConfirmation {
		t.Errorf("the apply's annotation: %+v; want a label and needsConfirmation false", acts[1].Edit.ChangeAnnotations)
	}
	// lessonl.apply sends the same kind of edit; the client applies it.
	h.client.setOnEdit(func(p *protocol.ApplyWorkspaceEditParams) *protocol.ApplyWorkspaceEditResult {
		applyEditToBuffer(t, h, p)
		return &protocol.ApplyWorkspaceEditResult{Applied: true}
	})
	ans, err = h.exec(h.ctx(), "lessonl.apply", nil, map[string]any{"uri": string(u), "func": "Max", "variant": res.Variant})
	if err != nil || !strings.Contains(string(ans), `"applied":true`) {
		t.Fatalf("lessonl.apply = %s, %v", ans, err)
	}
	h.sync()
	text := h.doc(u).Text
	if !strings.Contains(text, "m := xs[0]") || strings.Contains(text, unsavedMarker) || !strings.Contains(text, "func Other() int { return 1 }") {
		t.Fatalf("buffer after apply:\n%s", text)
	}
	if hv := hoverText(t, h, u, line); !strings.Contains(hv, "Applied") {
		t.Errorf("hover after apply: %s", hv)
	}
	if titles := lensTitles(t, h, u); len(titles) != 0 {
		t.Errorf("lenses after apply: %q", titles)
	}
	// The lessons learned on Max are still its lessons once the variant is in.
	if ans, err := h.exec(h.ctx(), "lessonl.showLessons", nil, map[string]any{"uri": string(u), "func": "Max"}); err != nil || len(ans) != 0 && string(ans) != "null" {
		t.Fatalf("showLessons after apply = %s, %v", ans, err)
	}
	h.client.mu.Lock()
	lessonsDoc = h.client.shown[len(h.client.shown)-1].URI.FsPath()
	h.client.mu.Unlock()
	if md, err := os.ReadFile(lessonsDoc); err != nil || !strings.Contains(string(md), scanLesson) || strings.Contains(string(md), "No lessons yet") {
		t.Errorf("lessons document after apply %s: %v\n%s", lessonsDoc, err, md)
	}
	// The action made before the buffer changed is not resolved any more.
	if _, err := h.srv.CodeActionResolve(h.ctx(), &unresolved); rpcCode(err) != protocol.CodeContentModified {
		t.Errorf("resolving a stale action: %v, want ContentModified", err)
	}
}

// TestApplyRefusals: a changed function, a moved-on version, an editor that
// refuses: nothing is overwritten and the user is told why.
func TestApplyRefusals(t *testing.T) {
	ollama := newOllama(t)
	h := newHarness(t, harnessOpts{initOpts: runSettings(ollama, "fast:1b")})
	dir := writeModule(t, map[string]string{"maxof.go": maxofDisk, "maxof_test.go": maxofTest})
	path := filepath.Join(dir, "maxof.go")
	u := h.open(path, maxofDisk)
	if _, err := h.exec(h.ctx(), "lessonl.optimize", nil, map[string]any{"uri": string(u), "position": map[string]int{"line": 5, "character": 2}}); err != nil {
		t.Fatal(err)
	}
	apply := func(args map[string]any) handlers.ApplyResult {
		t.Helper()
		raw, err := h.exec(h.ctx(), "lessonl.apply", nil, args)
		if err != nil {
			t.Fatal(err)
		}
		var r handlers.ApplyResult
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	edits := func() int {
		h.client.mu.Lock()
		defer h.client.mu.Unlock()
		return len(h.client.edits)
	}
	// The editor refuses (its buffer moved on): reported, nothing recorded.
	h.client.setOnEdit(func(*protocol.ApplyWorkspaceEditParams) *protocol.ApplyWorkspaceEditResult {
		reason := "document version mismatch"
		return &protocol.ApplyWorkspaceEditResult{Applied: false, FailureReason: &reason}
	})
	if r := apply(map[string]any{"uri": string(u), "func": "Max"}); r.Applied || !strings.Contains(r.FailureReason, "version mismatch") {
		t.Fatalf("apply refused by the editor: %+v", r)
	}
	// A refusal without a reason (a preview's Discard in VS Code) is not
	// blamed on an edit of the buffer that never happened.
	h.client.setOnEdit(func(*protocol.ApplyWorkspaceEditParams) *protocol.ApplyWorkspaceEditResult {
		return &protocol.ApplyWorkspaceEditResult{Applied: false}
	})
	if r := apply(map[string]any{"uri": string(u), "func": "Max"}); r.Applied || r.FailureReason != "the editor declined the edit of Max without giving a reason; nothing was written" {
		t.Fatalf("apply declined without a reason: %+v", r)
	}
	h.client.setOnEdit(nil)
	// A stale version from the client.
	before := edits()
	// A variant the user reviewed that a later run replaced.
	if r := apply(map[string]any{"uri": string(u), "func": "Max", "variant": "func Max(xs []int) int { return 0 }"}); r.Applied || !strings.Contains(r.FailureReason, "a later run replaced the variant of Max you reviewed") {
		t.Fatalf("apply of a replaced variant: %+v", r)
	}
	if r := apply(map[string]any{"uri": string(u), "func": "Max", "version": 0}); r.Applied || !strings.Contains(r.FailureReason, "changed (version 0, now 1)") {
		t.Fatalf("apply with a stale version: %+v", r)
	}
	// An edit elsewhere: the function is found again and the edit is for
	// the new version.
	changeBuffer(t, h, u, 2, strings.Replace(maxofDisk, "func Other() int { return 1 }", "func Other() int { return 2 }", 1))
	acts := codeActions(t, h, u, 5)
	if len(acts) != 3 {
		t.Fatalf("after an edit elsewhere: %q", titlesOf(acts))
	}
	resolved, err := h.srv.CodeActionResolve(h.ctx(), acts[1])
	if err != nil {
		t.Fatal(err)
	}
	tde := resolved.Edit.DocumentChanges[0].(*protocol.TextDocumentEdit)
	if v := tde.TextDocument.Version; v == nil || *v != 2 {
		t.Errorf("edit version %v, want 2", v)
	}
	for _, e := range tde.Edits {
		if te := e.(*protocol.AnnotatedTextEdit); strings.Contains(te.NewText, "return 1 }") {
			t.Errorf("the edit would undo the edit elsewhere: %q", te.NewText)
		}
	}
	// An edit of the function itself: no apply action, apply refused.
	changeBuffer(t, h, u, 3, strings.Replace(maxofDisk, "return s[len(s)-1]", "return s[len(s)-1] // mine", 1))
	if acts := codeActions(t, h, u, 5); len(acts) != 2 || acts[1].Title != "Show lessons for this function" {
		t.Fatalf("after editing the function: %q", titlesOf(acts))
	}
	if r := apply(map[string]any{"uri": string(u), "func": "Max"}); r.Applied || !strings.Contains(r.FailureReason, "changed since it was optimized") {
		t.Fatalf("apply after editing the function: %+v", r)
	}
	if edits() != before {
		t.Errorf("the server sent edits it should have refused")
	}
	if !strings.Contains(h.doc(u).Text, "// mine") {
		t.Error("the user's edit was overwritten")
	}
	if hv := hoverText(t, h, u, 5); !strings.Contains(hv, "Stale") {
		t.Errorf("hover on a changed function: %s", hv)
	}
	h.client.mu.Lock()
	defer h.client.mu.Unlock()
	if !h.client.messageWith("changed since it was optimized") {
		t.Error("the refusal was not shown to the user")
	}
}

// TestApplyActionShapes: the apply action adapts to the client: resolved
// later, a lessonl.apply command, or (for a client with neither) the edit
// itself, versioned when the client takes documentChanges.
func TestApplyActionShapes(t *testing.T) {
	dir := writeModule(t, map[string]string{"maxof.go": maxofDisk, "maxof_test.go": maxofTest})
	path := filepath.Join(dir, "maxof.go")
	noResolve := func(applyEdit, docChanges bool) *protocol.ClientCapabilities {
		c := inlineEditCaps()
		c.Workspace.ApplyEdit = &applyEdit
		c.Workspace.WorkspaceEdit.DocumentChanges = &docChanges
		return c
	}
	tests := []struct {
		name  string
		caps  *protocol.ClientCapabilities
		check func(t *testing.T, a *protocol.CodeAction)
	}{
		{"resolve", fullCaps(), func(t *testing.T, a *protocol.CodeAction) {
			if a.Edit != nil || !strings.Contains(string(a.Data), `"version":1`) {
				t.Errorf("want data to resolve, got %+v", a)
			}
		}},
		{"command", noResolve(true, true), func(t *testing.T, a *protocol.CodeAction) {
			if a.Edit != nil || a.Command.Command != "lessonl.apply" || !strings.Contains(string(a.Command.Arguments[0]), `"version":1`) {
				t.Errorf("want the lessonl.apply command, got %+v", a)
			}
		}},
		{"versioned edit", noResolve(false, true), func(t *testing.T, a *protocol.CodeAction) {
			tde, ok := a.Edit.DocumentChanges[0].(*protocol.TextDocumentEdit)
			if !ok || tde.TextDocument.Version == nil || *tde.TextDocument.Version != 1 {
				t.Errorf("want a versioned edit, got %+v", a.Edit)
			}
		}},
		{"plain edit", noResolve(false, false), func(t *testing.T, a *protocol.CodeAction) {
			if a.Edit == nil || len(a.Edit.Changes[uri.File(path)]) == 0 {
				t.Errorf("want changes, got %+v", a.Edit)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{caps: tt.caps})
			u := h.open(path, maxofDisk)
			doc := h.doc(u)
			f, err := doc.Func("Max")
			if err != nil {
				t.Fatal(err)
			}
			variant := strings.TrimSuffix(strings.SplitN(scanVariant, "```go\n", 2)[1], "```\n")
			rep := &exec.Report{Verdict: exec.Faster, Speedup: 3, SpeedupLow: 2.5, SpeedupHigh: 3.5}
			if err := h.s.SaveResult(&handlers.Result{URI: string(u), File: path, Func: "Max", Lang: "go", Original: f.Source,
				Finished: time.Now(), Best: &team.Variant{Agent: "a", Round: 0, Code: variant, Report: rep}}); err != nil {
				t.Fatal(err)
			}
			acts := codeActions(t, h, u, 5)
			if len(acts) != 3 || acts[1].Title != "Apply optimized variant (3.00× faster)" {
				t.Fatalf("actions %q", titlesOf(acts))
			}
			tt.check(t, acts[1])
		})
	}
}

// TestCancel stops a run three ways; each ends its progress as canceled,
// answers RequestCancelled and frees the function for a new run.
func TestCancel(t *testing.T) {
	tests := []struct {
		name   string
		cancel func(h *harness, u uri.URI, token string, stopCall context.CancelFunc)
	}{
		{"$/cancelRequest", func(h *harness, u uri.URI, token string, stopCall context.CancelFunc) { stopCall() }},
		{"window/workDoneProgress/cancel", func(h *harness, u uri.URI, token string, stopCall context.CancelFunc) {
			if err := h.srv.WorkDoneProgressCancel(h.ctx(), &protocol.WorkDoneProgressCancelParams{Token: protocol.String(token)}); err != nil {
				h.t.Fatal(err)
			}
		}},
		{"lessonl.cancel", func(h *harness, u uri.URI, token string, stopCall context.CancelFunc) {
			raw, err := h.exec(h.ctx(), "lessonl.cancel", nil, map[string]any{"uri": string(u), "func": "Max"})
			if err != nil || string(raw) != `{"cancelled":1}` {
				h.client.mu.Lock()
				defer h.client.mu.Unlock()
				h.t.Fatalf("lessonl.cancel = %s, %v; progress %+v", raw, err, h.client.progress)
			}
		}},
		{"lessonl.cancel all", func(h *harness, u uri.URI, token string, stopCall context.CancelFunc) {
			raw, err := h.exec(h.ctx(), "lessonl.cancel", nil)
			if err != nil || string(raw) != `{"cancelled":1}` {
				h.client.mu.Lock()
				defer h.client.mu.Unlock()
				h.t.Fatalf("lessonl.cancel = %s, %v; progress %+v", raw, err, h.client.progress)
			}
		}},
	}
	ollama := newOllama(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{initOpts: runSettings(ollama, "hang:1b")})
			dir := writeModule(t, map[string]string{"maxof.go": maxofDisk, "maxof_test.go": maxofTest})
			u := h.open(filepath.Join(dir, "maxof.go"), maxofDisk)
			token := "client-token-" + strconv.Itoa(len(tt.name))
			callCtx, stopCall := context.WithCancel(context.Background())
			defer stopCall()
			done := make(chan error, 1)
			go func() {
				_, err := h.exec(callCtx, "lessonl.optimize", protocol.String(token), map[string]any{"uri": string(u), "position": map[string]int{"line": 5}})
				done <- err
			}()
			h.client.waitFor(t, "the run to start", 60*time.Second, func(c *recClient) bool {
				for _, e := range c.progress {
					if strings.HasPrefix(e.Message, "round 1/1") {
						return true
					}
				}
				return false
			})
			tt.cancel(h, u, token, stopCall)
			h.client.waitFor(t, "the progress to end", 60*time.Second, func(c *recClient) bool { return len(c.ends()) == 1 })
			h.client.mu.Lock()
			prog := append([]progressEvent(nil), h.client.progress...)
			created := len(h.client.created)
			h.client.mu.Unlock()
			checkProgress(t, prog, "canceled")
			for _, e := range prog {
				if strings.Contains(e.Message, "failed") {
					t.Fatalf("the model did not hang: %+v", e)
				}
			}
			if prog[0].Token != "s:"+token || created != 0 {
				t.Errorf("progress on %s (%d created), want the client's token %s", prog[0].Token, created, token)
			}
			if err := <-done; tt.name != "$/cancelRequest" && rpcCode(err) != protocol.CodeRequestCancelled {
				t.Errorf("optimize answered %v, want RequestCancelled", err)
			}
			h.client.waitFor(t, "the run to be unregistered", 10*time.Second, func(*recClient) bool {
				return h.s.runs.cancel(filepath.Join(dir, "maxof.go"), "Max") == 0
			})
		})
	}
}

// TestDisconnectMidRun: the client goes away while a variant runs in the
// sandbox; the server stops, kills what it started and leaves the bank
// usable.
func TestDisconnectMidRun(t *testing.T) {
	ollama := newOllama(t)
	h := newHarness(t, harnessOpts{initOpts: runSettings(ollama, "sleepy:1b")})
	dir := writeModule(t, map[string]string{"maxof.go": maxofDisk, "maxof_test.go": maxofTest})
	u := h.open(filepath.Join(dir, "maxof.go"), maxofDisk)
	go h.exec(context.Background(), "lessonl.optimize", nil, map[string]any{"uri": string(u), "position": map[string]int{"line": 5}})
	// Wait until the variant (which sleeps an hour) runs.
	deadline := time.Now().Add(90 * time.Second)
	for len(processesNamed(".test")) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("the variant never ran; processes below the test: %v", descendants(os.Getpid()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.pipe.Close()
	select {
	case <-h.served:
		h.served <- nil
	case <-time.After(60 * time.Second):
		t.Fatal("the server did not stop after the client left")
	}
	if left := descendants(os.Getpid()); len(left) > 0 {
		t.Fatalf("processes left behind: %v", left)
	}
	if left := processesNamed(".test"); len(left) > 0 {
		t.Fatalf("test binaries left behind (reparented): %v", left)
	}
	b, err := vectorbank.Open(h.store, vectorbank.NewHashEmbedder())
	if err != nil {
		t.Fatalf("the bank does not open after the disconnect: %v", err)
	}
	defer b.Close()
	if n := len(b.List(vectorbank.Filter{})); n != b.Len() {
		t.Fatalf("bank lists %d lessons but holds %d", n, b.Len())
	}
}

// processes lists live processes: pid, parent and name (Linux /proc).
func processes() (ppid map[int]int, name map[int]string) {
	ppid, name = map[int]int{}, map[int]string{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		s := string(stat)
		end := strings.LastIndexByte(s, ')')
		if end < 0 {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) < 2 || f[0] == "Z" {
			continue
		}
		ppid[p], _ = strconv.Atoi(f[1])
		name[p] = s[strings.IndexByte(s, '(')+1 : end]
	}
	return ppid, name
}

// processesNamed lists live processes whose name ends in suffix and that
// belong to this test: below it, or orphaned to init after it started them.
func processesNamed(suffix string) []string {
	ppid, name := processes()
	var out []string
	for p, n := range name {
		if strings.HasSuffix(n, suffix) && (ppid[p] == 1 || isBelow(ppid, p, os.Getpid())) {
			out = append(out, strconv.Itoa(p)+" "+n)
		}
	}
	return out
}

func isBelow(ppid map[int]int, p, root int) bool {
	for i := 0; i < 64 && p > 1; i++ {
		if p = ppid[p]; p == root {
			return true
		}
	}
	return false
}

// descendants lists the live processes below pid.
func descendants(pid int) []string {
	ppid, name := processes()
	var out []string
	for p := range name {
		if isBelow(ppid, p, pid) {
			out = append(out, strconv.Itoa(p)+" "+name[p])
		}
	}
	return out
}

// checkProgress: begin (cancellable, 0%), reports with percentages that
// never go back, one end whose message starts with outcome.
func checkProgress(t *testing.T, prog []progressEvent, outcome string) {
	t.Helper()
	if len(prog) < 2 || prog[0].Kind != "begin" || prog[0].Cancel == nil || !*prog[0].Cancel {
		t.Fatalf("progress does not begin cancellable: %+v", prog)
	}
	last := -1
	for i, e := range prog[1:] {
		if e.Kind == "end" {
			if i != len(prog)-2 {
				t.Fatalf("progress goes on after its end: %+v", prog)
			}
			if !strings.HasPrefix(e.Message, outcome) {
				t.Fatalf("progress ended %q, want %s", e.Message, outcome)
			}
			return
		}
		if e.Kind != "report" || e.Pct == nil || *e.Pct < last || *e.Pct > 100 {
			t.Fatalf("bad report %+v after %d%%", e, last)
		}
		last = *e.Pct
	}
	t.Fatalf("progress never ended: %+v", prog)
}

func codeActions(t *testing.T, h *harness, u uri.URI, line uint32) []*protocol.CodeAction {
	t.Helper()
	res, err := h.srv.CodeAction(h.ctx(), &protocol.CodeActionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u},
		Range:        protocol.Range{Start: protocol.Position{Line: line, Character: 2}, End: protocol.Position{Line: line, Character: 2}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var out []*protocol.CodeAction
	for _, a := range res {
		out = append(out, a.(*protocol.CodeAction))
	}
	return out
}

func titlesOf(acts []*protocol.CodeAction) []string {
	var out []string
	for _, a := range acts {
		out = append(out, a.Title)
	}
	return out
}

func hoverText(t *testing.T, h *harness, u uri.URI, line uint32) string {
	t.Helper()
	hv, err := h.srv.Hover(h.ctx(), &protocol.HoverParams{TextDocumentPositionParams: protocol.TextDocumentPositionParams{
		TextDocument: protocol.TextDocumentIdentifier{URI: u}, Position: protocol.Position{Line: line, Character: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	if hv == nil {
		return ""
	}
	return hv.Contents.(*protocol.MarkupContent).Value
}

func lensTitles(t *testing.T, h *harness, u uri.URI) []string {
	t.Helper()
	ls, err := h.srv.CodeLens(h.ctx(), &protocol.CodeLensParams{TextDocument: protocol.TextDocumentIdentifier{URI: u}})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range ls {
		out = append(out, l.Command.Title)
	}
	return out
}

func res2x(x float64) string { return strconv.FormatFloat(x, 'f', 2, 64) + "×" }

func changeBuffer(t *testing.T, h *harness, u uri.URI, version int32, text string) {
	t.Helper()
	if err := h.srv.DidChange(h.ctx(), &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: u}, Version: version},
		ContentChanges: []protocol.TextDocumentContentChangeEvent{&protocol.TextDocumentContentChangeWholeDocument{Text: text}},
	}); err != nil {
		t.Fatal(err)
	}
	h.sync()
}

// applyEditToBuffer does what an editor does with workspace/applyEdit: check
// the version, apply the edits, and tell the server with didChange.
func applyEditToBuffer(t *testing.T, h *harness, p *protocol.ApplyWorkspaceEditParams) {
	tde, ok := p.Edit.DocumentChanges[0].(*protocol.TextDocumentEdit)
	if !ok {
		t.Errorf("edit without documentChanges: %+v", p.Edit)
		return
	}
	doc, _ := h.s.docs.get(tde.TextDocument.URI)
	if tde.TextDocument.Version == nil || *tde.TextDocument.Version != doc.Version {
		t.Errorf("edit for version %v, buffer at %d", tde.TextDocument.Version, doc.Version)
		return
	}
	var changes []protocol.TextDocumentContentChangeEvent
	// Edits do not overlap and are in order: apply from the last so earlier
	// ranges stay valid.
	for i := len(tde.Edits) - 1; i >= 0; i-- {
		var te protocol.TextEdit
		switch e := tde.Edits[i].(type) {
		case *protocol.AnnotatedTextEdit:
			te = e.TextEdit
		case *protocol.TextEdit:
			te = *e
		}
		changes = append(changes, &protocol.TextDocumentContentChangePartial{Range: te.Range, Text: te.NewText})
	}
	// Like an editor: the didChange goes out before the answer.
	if err := h.srv.DidChange(context.Background(), &protocol.DidChangeTextDocumentParams{
		TextDocument:   protocol.VersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: tde.TextDocument.URI}, Version: doc.Version + 1},
		ContentChanges: changes,
	}); err != nil {
		t.Error(err)
	}
}

var _ = jsonrpc2.ErrInternal

// TestOptimizeFailures: what the user is told when a run cannot start, and
// that a run in progress blocks neither hovers nor other requests.
func TestOptimizeFailures(t *testing.T) {
	ollama := newOllama(t)
	closed := ollamatest.New(script())
	closedURL := closed.URL()
	closed.Close()
	missing := ollamatest.New(ollamatest.Script{Models: map[string]*ollamatest.Model{"absent:7b": {Missing: true}}})
	t.Cleanup(missing.Close)
	tests := []struct {
		name  string
		model string
		want  string
	}{
		{"ollama not reachable", "fast:1b@" + closedURL, "not reachable at " + closedURL},
		{"model not pulled", "absent:7b@" + missing.URL(), "ollama pull absent:7b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, harnessOpts{initOpts: map[string]any{"models": []string{tt.model}, "rounds": 1}})
			dir := writeModule(t, map[string]string{"maxof.go": maxofDisk, "maxof_test.go": maxofTest})
			u := h.open(filepath.Join(dir, "maxof.go"), maxofDisk)
			_, err := h.exec(h.ctx(), "lessonl.optimize", nil, map[string]any{"uri": string(u), "position": map[string]int{"line": 5}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("optimize = %v, want an error saying %q", err, tt.want)
			}
			h.client.waitFor(t, "the error shown with its fix", 10*time.Second, func(c *recClient) bool {
				for _, m := range c.messages {
					if m.Type == protocol.MessageTypeError && strings.Contains(m.Message, tt.want) {
						return true
					}
				}
				return false
			})
			h.client.mu.Lock()
			prog := append([]progressEvent(nil), h.client.progress...)
			h.client.mu.Unlock()
			checkProgress(t, prog, "failed")
		})
	}

	// The pre-run check: a Go file outside a module is refused before any
	// model call, with the reason and the fix whole, shown and logged.
	t.Run("outside a Go module", func(t *testing.T) {
		h := newHarness(t, harnessOpts{initOpts: runSettings(ollama, "fast:1b")})
		dir := t.TempDir() // no go.mod here or above
		path := filepath.Join(dir, "maxof.go")
		if err := os.WriteFile(path, []byte(maxofDisk), 0o644); err != nil {
			t.Fatal(err)
		}
		u := h.open(path, maxofDisk)
		calls := len(ollama.Requests())
		_, err := h.exec(h.ctx(), "lessonl.optimize", nil, map[string]any{"uri": string(u), "position": map[string]int{"line": 5}})
		want := "it is not in a Go module (no go.mod in its directory or above), so no variant could be built; run `go mod init example.com/" + filepath.Base(dir) + "` in " + dir + ", then optimize again"
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("optimize outside a module = %v, want %q", err, want)
		}
		if n := len(ollama.Requests()) - calls; n != 0 {
			t.Errorf("%d requests reached Ollama before the run was refused", n)
		}
		h.client.waitFor(t, "the reason shown and logged in full", 10*time.Second, func(c *recClient) bool {
			shown := false
			for _, m := range c.messages {
				shown = shown || m.Type == protocol.MessageTypeError && strings.Contains(m.Message, want)
			}
			return shown && c.logWith(protocol.MessageTypeError, want)
		})
	})

	t.Run("busy function, free server", func(t *testing.T) {
		h := newHarness(t, harnessOpts{initOpts: runSettings(ollama, "hang:1b")})
		dir := writeModule(t, map[string]string{"maxof.go": maxofDisk, "maxof_test.go": maxofTest})
		u := h.open(filepath.Join(dir, "maxof.go"), maxofDisk)
		done := make(chan error, 1)
		go func() {
			_, err := h.exec(context.Background(), "lessonl.optimize", nil, map[string]any{"uri": string(u), "position": map[string]int{"line": 5}})
			done <- err
		}()
		h.client.waitFor(t, "the run to start", 60*time.Second, func(c *recClient) bool {
			for _, e := range c.progress {
				if strings.HasPrefix(e.Message, "round 1/1") {
					return true
				}
			}
			return false
		})
		// The hanging run blocks neither a hover nor a code action.
		if hv := hoverText(t, h, u, 5); hv != "" {
			t.Errorf("hover without a result: %q", hv)
		}
		if acts := codeActions(t, h, u, 5); len(acts) != 1 {
			t.Errorf("actions during the run: %q", titlesOf(acts))
		}
		_, err := h.exec(h.ctx(), "lessonl.optimize", nil, map[string]any{"uri": string(u), "position": map[string]int{"line": 5}})
		if err == nil || !strings.Contains(err.Error(), "already being optimized") {
			t.Fatalf("a second run on the same function: %v", err)
		}
		if _, err := h.exec(h.ctx(), "lessonl.cancel", nil); err != nil {
			t.Fatal(err)
		}
		if err := <-done; rpcCode(err) != protocol.CodeRequestCancelled {
			t.Fatalf("the cancelled run answered %v", err)
		}
	})
}

// TestShowsOutcome: a client that presents lessonl.optimize's answer itself
// (experimental lessonl.showsOutcome: the VS Code extension, whose question
// offers Apply / Discard) gets no second announcement of it; the failure's
// reason still reaches its log whole.
func TestShowsOutcome(t *testing.T) {
	ollama := newOllama(t)
	caps := fullCaps()
	caps.Experimental = jsontext.Value(`{"lessonl": {"showsOutcome": true}}`)
	h := newHarness(t, harnessOpts{caps: caps, initOpts: runSettings(ollama, "fast:1b")})
	dir := writeModule(t, map[string]string{"maxof.go": maxofDisk, "maxof_test.go": maxofTest})
	u := h.open(filepath.Join(dir, "maxof.go"), maxofDisk)
	ans, err := h.exec(h.ctx(), "lessonl.optimize", nil, map[string]any{"uri": string(u), "position": map[string]int{"line": 5}})
	if err != nil || !strings.Contains(string(ans), `"verdict":"faster"`) {
		t.Fatalf("optimize = %s, %v", ans, err)
	}
	scratch := t.TempDir()
	path := filepath.Join(scratch, "maxof.go")
	if err := os.WriteFile(path, []byte(maxofDisk), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = h.exec(h.ctx(), "lessonl.optimize", nil, map[string]any{"uri": string(h.open(path, maxofDisk)), "position": map[string]int{"line": 5}})
	if err == nil || !strings.Contains(err.Error(), "not in a Go module") {
		t.Fatalf("optimize outside a module = %v", err)
	}
	h.client.waitFor(t, "the refusal logged", 10*time.Second, func(c *recClient) bool {
		return c.logWith(protocol.MessageTypeError, "run `go mod init")
	})
	h.client.mu.Lock()
	defer h.client.mu.Unlock()
	if len(h.client.messages) != 0 {
		t.Errorf("the server announced what the client presents: %+v", h.client.messages)
	}
}
