package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/optimize"
	"github.com/lessonl/lessonl/team"
	"github.com/lessonl/lessonl/vectorbank"
)

// Command names: a contract with the editors.
const (
	cmdOptimize    = "lessonl.optimize"
	cmdApply       = "lessonl.apply"
	cmdCancel      = "lessonl.cancel"
	cmdShowLessons = "lessonl.showLessons"
	cmdShowReport  = "lessonl.showReport"
)

// commands is the one table of commands: executeCommandProvider advertises
// it and ExecuteCommand dispatches on it.
var commands = []struct {
	name string
	run  func(ctx context.Context, s Session, args []jsontext.Value, token protocol.ProgressToken) (any, error)
}{
	{cmdOptimize, optimizeCmd},
	{cmdApply, apply},
	{cmdCancel, cancel},
	{cmdShowLessons, showLessons},
	{cmdShowReport, showReport},
}

// CommandNames lists the commands for the server's capabilities.
func CommandNames() []string {
	out := make([]string, len(commands))
	for i, c := range commands {
		out[i] = c.name
	}
	return out
}

// ExecuteCommand runs one of the commands. Its result is JSON; nil is null.
func ExecuteCommand(ctx context.Context, s Session, p *protocol.ExecuteCommandParams) (protocol.LSPAny, error) {
	for _, c := range commands {
		if c.name != p.Command {
			continue
		}
		res, err := c.run(ctx, s, p.Arguments, p.WorkDoneToken)
		if err != nil {
			return nil, err
		}
		if res == nil {
			return jsontext.Value("null"), nil
		}
		b, err := json.Marshal(res)
		if err != nil {
			return nil, fmt.Errorf("couldn't encode the result of %s: %w", p.Command, err)
		}
		return jsontext.Value(b), nil
	}
	return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "unknown command %q: the server runs %s", p.Command, strings.Join(CommandNames(), ", "))
}

// FuncRef names a function of a document: the arguments of lessonl.apply,
// lessonl.showLessons, lessonl.showReport and lessonl.cancel.
type FuncRef struct {
	URI  string `json:"uri"`
	Func string `json:"func"`
	// Version, when given to lessonl.apply, is the document version the
	// client saw; the apply is refused if the document moved on.
	Version *int32 `json:"version,omitempty"`
	// Variant, when given to lessonl.apply, is the code the user reviewed
	// (lessonl.optimize's "variant"); the apply is refused if a later run
	// replaced it, so what is written is what was read.
	Variant string `json:"variant,omitempty"`
}

type optimizeArgs struct {
	URI      string             `json:"uri"`
	Position *protocol.Position `json:"position,omitempty"`
	Range    *protocol.Range    `json:"range,omitempty"`
}

type reportArgs struct {
	FuncRef
	Section string `json:"section,omitempty"` // "diff" selects the diff
}

// OptimizeResult is lessonl.optimize's answer when a faster variant was
// found (null otherwise). The field names are a contract with the editors.
type OptimizeResult struct {
	Verdict     exec.Verdict `json:"verdict"`
	Speedup     float64      `json:"speedup"`
	SpeedupLow  float64      `json:"speedup_low"`
	SpeedupHigh float64      `json:"speedup_high"`
	Func        string       `json:"func"`
	URI         string       `json:"uri"`
	Agent       string       `json:"agent"`
	Round       int          `json:"round"` // 1-based
	Original    string       `json:"original"`
	Variant     string       `json:"variant"`
	ReportURI   string       `json:"report_uri"`
}

// ApplyResult is lessonl.apply's answer, shaped like ApplyWorkspaceEditResult.
type ApplyResult struct {
	Applied       bool   `json:"applied"`
	FailureReason string `json:"failureReason,omitempty"`
}

// optimizeCmd runs the method on the function at a position (or the start of a
// range) and answers with the best verified variant, or null.
func optimizeCmd(ctx context.Context, s Session, args []jsontext.Value, token protocol.ProgressToken) (any, error) {
	var a optimizeArgs
	if err := oneArg(cmdOptimize, args, &a, `[{"uri": "file:///…/x.go", "position": {"line": 3, "character": 5}}] or [{"uri": …, "range": …}]`); err != nil {
		return nil, err
	}
	doc, err := docFor(s, uri.URI(a.URI))
	if err != nil {
		return nil, err
	}
	var off int
	switch {
	case a.Position != nil:
		off, err = doc.Offset(*a.Position)
	case a.Range != nil:
		off, _, err = doc.Offsets(*a.Range)
	default:
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s needs a position or a range inside the function to optimize", cmdOptimize)
	}
	if err != nil {
		return nil, invalidParams(err)
	}
	if _, ok := exec.LangOf(doc.Path); !ok {
		_, err := exec.Funcs(doc.Path, nil) // the runner's words for why
		return nil, notify(ctx, s, invalidParams(fmt.Errorf("can't optimize in %s: %w", doc.Path, err)))
	}
	f, err := doc.FuncAt(off)
	if err != nil {
		return nil, notify(ctx, s, invalidParams(fmt.Errorf("put the cursor inside a function to optimize it (%w)", err)))
	}
	r, err := runOptimize(ctx, s, doc, f, token)
	if err != nil {
		return nil, err
	}
	if !r.Faster() {
		return nil, nil
	}
	rep := r.Best.Report
	return OptimizeResult{
		Verdict: rep.Verdict, Speedup: rep.Speedup, SpeedupLow: rep.SpeedupLow, SpeedupHigh: rep.SpeedupHigh,
		Func: r.Func, URI: r.URI, Agent: r.Best.Agent, Round: r.Best.Round + 1,
		Original: r.Original, Variant: r.Best.Code, ReportURI: string(uri.File(r.Report)),
	}, nil
}

// apply sends the verified variant to the client as a versioned edit.
func apply(ctx context.Context, s Session, args []jsontext.Value, _ protocol.ProgressToken) (any, error) {
	var a FuncRef
	if err := oneArg(cmdApply, args, &a, `[{"uri": "file:///…/x.go", "func": "Sum"}]`); err != nil {
		return nil, err
	}
	doc, r, err := resultFor(s, a)
	if err != nil {
		return nil, err
	}
	refuse := func(msg string) (any, error) {
		showMessage(ctx, s, protocol.MessageTypeWarning, "LessonL: "+msg)
		return ApplyResult{FailureReason: msg}, nil
	}
	if a.Variant != "" && r.Best != nil && a.Variant != r.Best.Code {
		return refuse(fmt.Sprintf("a later run replaced the variant of %s you reviewed, so nothing was applied: review the new one (%s faster) and apply it", r.Func, r.SpeedupText()))
	}
	if a.Version != nil && doc.Open && *a.Version != doc.Version {
		return refuse(fmt.Sprintf("%s changed (version %d, now %d) since you asked, so nothing was applied: try again", doc.Path, *a.Version, doc.Version))
	}
	if !s.Caps().ApplyEdit {
		return refuse("this editor does not accept workspace edits from the server (workspace/applyEdit); apply the variant from the code action instead")
	}
	edit, err := buildEdit(s, doc, r)
	var stale *StaleError
	if errors.As(err, &stale) {
		return refuse(stale.Msg)
	}
	if err != nil {
		return nil, notify(ctx, s, internal(err))
	}
	label := fmt.Sprintf("Apply optimized variant of %s (%s faster)", r.Func, r.SpeedupText())
	res, err := s.Client().ApplyEdit(ctx, &protocol.ApplyWorkspaceEditParams{Label: &label, Edit: *edit})
	if err != nil {
		return nil, notify(ctx, s, internal(fmt.Errorf("the editor did not answer the edit for %s: %w", r.Func, err)))
	}
	if res == nil || !res.Applied {
		return refuse(refusalReason(s, doc, r.Func, res))
	}
	applied := *r
	applied.Applied = timeNow()
	if err := s.SaveResult(&applied); err != nil {
		s.Log().Warn("couldn't record the apply", "func", r.Func, "err", err)
	}
	showMessage(ctx, s, protocol.MessageTypeInfo, fmt.Sprintf("LessonL: applied the %s variant of %s.", r.SpeedupText(), r.Func))
	return ApplyResult{Applied: true}, nil
}

// refusalReason says why the editor did not apply the edit, as far as it
// can be known: the editor's own reason, else a buffer that moved on while
// the edit was on its way (vscode-languageclient refuses those without a
// reason), else that the editor gave none.
func refusalReason(s Session, doc *Doc, fn string, res *protocol.ApplyWorkspaceEditResult) string {
	if res != nil && res.FailureReason != nil && *res.FailureReason != "" {
		return fmt.Sprintf("the editor did not apply the variant of %s: %s; nothing was written", fn, *res.FailureReason)
	}
	if now, err := s.Doc(doc.URI); err == nil && now.Open && doc.Open && now.Version != doc.Version {
		return fmt.Sprintf("%s changed while the edit was on its way (version %d, now %d), so the editor refused it and nothing was written: apply again", doc.Path, doc.Version, now.Version)
	}
	return fmt.Sprintf("the editor declined the edit of %s without giving a reason; nothing was written", fn)
}

// cancel stops the runs on one function, or all runs with no arguments.
func cancel(ctx context.Context, s Session, args []jsontext.Value, _ protocol.ProgressToken) (any, error) {
	n := 0
	if len(args) == 0 {
		n = s.Cancel("", "")
	} else {
		var a FuncRef
		if err := oneArg(cmdCancel, args, &a, `[] or [{"uri": "file:///…/x.go", "func": "Sum"}]`); err != nil {
			return nil, err
		}
		u, err := parseURI(a.URI)
		if err != nil {
			return nil, err
		}
		n = s.Cancel(u.FsPath(), a.Func)
	}
	return map[string]int{"cancelled": n}, nil
}

// lessonJSON is one lesson in lessonl.showLessons's answer.
type lessonJSON struct {
	ID          string             `json:"id"`
	Text        string             `json:"text"`
	Outcome     vectorbank.Outcome `json:"outcome"`
	Speedup     float64            `json:"speedup"`
	SpeedupLow  float64            `json:"speedup_low"`
	SpeedupHigh float64            `json:"speedup_high"`
	Factor      float64            `json:"factor"`
	Agent       string             `json:"agent"`
	Model       string             `json:"model"`
	Round       int                `json:"round"` // 1-based
	Func        string             `json:"func"`
	InPrompt    bool               `json:"in_prompt"` // it was in the best variant's prompt
}

// showLessons opens a Markdown list of the lessons learned on this function
// (same code up to white space) and of those its best variant read. It
// answers null when the editor opened the document, else {markdown, lessons}.
func showLessons(ctx context.Context, s Session, args []jsontext.Value, _ protocol.ProgressToken) (any, error) {
	var a FuncRef
	if err := oneArg(cmdShowLessons, args, &a, `[{"uri": "file:///…/x.go", "func": "Sum"}]`); err != nil {
		return nil, err
	}
	doc, err := docFor(s, uri.URI(a.URI))
	if err != nil {
		return nil, err
	}
	f, err := doc.Func(a.Func)
	if err != nil {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%v", err)
	}
	bank, err := s.Bank()
	if err != nil {
		return nil, notify(ctx, s, internal(err))
	}
	r := lastResult(s, doc.Path, f.Name)
	read := map[string]bool{}
	if r != nil {
		for _, l := range r.Read {
			read[l.ID] = true
		}
	}
	seen := map[string]bool{}
	var lessons []lessonJSON
	add := func(l vectorbank.Lesson) {
		if seen[l.ID] {
			return
		}
		seen[l.ID] = true
		lessons = append(lessons, lessonJSON{ID: l.ID, Text: l.Text, Outcome: l.Outcome, Speedup: l.Speedup,
			SpeedupLow: l.SpeedupLow, SpeedupHigh: l.SpeedupHigh, Factor: l.Factor, Agent: l.Agent, Model: l.Model,
			Round: l.Round + 1, Func: l.Func, InPrompt: read[l.ID]})
	}
	for id := range read {
		if l, ok := bank.Get(id); ok {
			add(l)
		}
	}
	for _, l := range bank.List(vectorbank.Filter{ProblemKey: team.ProblemKey(f)}) {
		add(l)
	}
	// After an apply the function's text is the variant: the lessons were
	// learned on the text the run started from.
	if r != nil && r.Original != "" && r.Original != f.Source {
		for _, l := range bank.List(vectorbank.Filter{ProblemKey: team.ProblemKey(&exec.Func{Lang: r.Lang, Source: r.Original})}) {
			add(l)
		}
	}
	md := lessonsMarkdown(f, lessons)
	if s.Caps().ShowDocument {
		path, err := s.WriteReport(safeName("lessons-"+f.Name), md)
		if err == nil {
			ok, err := showDoc(ctx, s, path, nil)
			if ok {
				return nil, nil
			}
			s.Log().Warn("couldn't show the lessons document", "path", path, "err", err)
		}
	}
	if lessons == nil {
		lessons = []lessonJSON{}
	}
	return map[string]any{"markdown": md, "lessons": lessons}, nil
}

func lessonsMarkdown(f *exec.Func, ls []lessonJSON) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# LessonL: lessons for %s\n\n", f.Name)
	if len(ls) == 0 {
		b.WriteString("No lessons yet. Run **Optimize with lessons** on it: each round, every agent writes one.\n")
		return b.String()
	}
	for _, l := range ls {
		head := optimize.OutcomeWord(l.Outcome)
		if l.Speedup > 0 {
			head += fmt.Sprintf(" %.2f× [%.2f, %.2f]", l.Speedup, l.SpeedupLow, l.SpeedupHigh)
		}
		fmt.Fprintf(&b, "- **%s** · factor %.2f · %s, round %d", head, l.Factor, l.Agent, l.Round)
		if l.InPrompt {
			b.WriteString(" · in the best variant's prompt")
		}
		fmt.Fprintf(&b, "\n  %s\n", strings.ReplaceAll(strings.TrimSpace(l.Text), "\n", "\n  "))
	}
	return b.String()
}

// showReport opens the function's last run report; section "diff" selects
// its diff.
func showReport(ctx context.Context, s Session, args []jsontext.Value, _ protocol.ProgressToken) (any, error) {
	var a reportArgs
	if err := oneArg(cmdShowReport, args, &a, `[{"uri": "file:///…/x.go", "func": "Sum"}]`); err != nil {
		return nil, err
	}
	_, r, err := resultFor(s, a.FuncRef)
	if err != nil {
		return nil, err
	}
	if r.Report == "" {
		return nil, notify(ctx, s, invalidParams(fmt.Errorf("the last run on %s left no report: run \"Optimize with lessons\" again", r.Func)))
	}
	var sel *protocol.Range
	if a.Section == "diff" {
		at := protocol.Position{Line: uint32(r.DiffLine)}
		sel = &protocol.Range{Start: at, End: at}
	}
	ru := string(uri.File(r.Report))
	if s.Caps().ShowDocument {
		if ok, err := showDoc(ctx, s, r.Report, sel); !ok {
			s.Log().Warn("couldn't show the report", "path", r.Report, "err", err)
			showMessage(ctx, s, protocol.MessageTypeInfo, "LessonL: the report on "+r.Func+" is "+r.Report)
		}
	} else {
		showMessage(ctx, s, protocol.MessageTypeInfo, "LessonL: the report on "+r.Func+" is "+r.Report)
	}
	return map[string]string{"uri": ru}, nil
}

// --- helpers shared by the commands ---

func showDoc(ctx context.Context, s Session, path string, sel *protocol.Range) (bool, error) {
	res, err := s.Client().ShowDocument(ctx, &protocol.ShowDocumentParams{URI: uri.File(path), TakeFocus: ptr(true), Selection: sel})
	if err != nil {
		return false, err
	}
	return res != nil && res.Success, nil
}

// resultFor finds the document and the stored result a FuncRef names.
func resultFor(s Session, a FuncRef) (*Doc, *Result, error) {
	doc, err := docFor(s, uri.URI(a.URI))
	if err != nil {
		return nil, nil, err
	}
	if a.Func == "" {
		return nil, nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "no function named: pass {\"uri\": …, \"func\": \"Name\"}")
	}
	r := lastResult(s, doc.Path, a.Func)
	if r == nil {
		return nil, nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s in %s has not been optimized yet: run \"Optimize with lessons\" on it first", a.Func, doc.Path)
	}
	return doc, r, nil
}

// oneArg decodes a command's single object argument.
func oneArg(cmd string, args []jsontext.Value, v any, want string) error {
	if len(args) != 1 {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s takes one argument, got %d: send %s", cmd, len(args), want)
	}
	if err := json.Unmarshal(args[0], v); err != nil {
		return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%s: bad argument %s: %v; send %s", cmd, clip(string(args[0]), 80), err, want)
	}
	return nil
}

func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// parseURI accepts file URIs only: the runner builds files on disk.
func parseURI(s string) (uri.URI, error) {
	if s == "" {
		return "", jsonrpc2.Errorf(jsonrpc2.InvalidParams, "no document URI: pass \"uri\": \"file:///path/to/file.go\"")
	}
	u, err := uri.ParseStrict(s)
	if err != nil {
		return "", jsonrpc2.Errorf(jsonrpc2.InvalidParams, "bad document URI %q: %v; pass a file URI like file:///path/to/file.go", s, err)
	}
	if !u.IsFile() || u.Path() == "" {
		return "", jsonrpc2.Errorf(jsonrpc2.InvalidParams, "LessonL works on files on disk, not %q: save the buffer to a file first", s)
	}
	return u, nil
}

// docFor resolves a URI to a document snapshot, answering bad URIs with
// InvalidParams.
func docFor(s Session, u uri.URI) (*Doc, error) {
	pu, err := parseURI(string(u))
	if err != nil {
		return nil, err
	}
	d, err := s.Doc(pu)
	if err != nil {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%v", err)
	}
	return d, nil
}

// invalidParams is a request the user can fix; internal is one they cannot.
func invalidParams(err error) error {
	return jsonrpc2.Errorf(jsonrpc2.InvalidParams, "%v", err)
}

func internal(err error) error {
	return jsonrpc2.Errorf(jsonrpc2.InternalError, "%v", err)
}

// notify shows err to the user and returns it for the response, so editors
// that ignore command errors still tell the user what to do.
func notify(ctx context.Context, s Session, err error) error {
	showMessage(ctx, s, protocol.MessageTypeError, "LessonL: "+err.Error())
	return err
}

func showMessage(ctx context.Context, s Session, t protocol.MessageType, msg string) {
	if err := s.Client().ShowMessage(context.WithoutCancel(ctx), &protocol.ShowMessageParams{Type: t, Message: msg}); err != nil {
		s.Log().Debug("couldn't show a message", "err", err)
	}
}

// command builds a Command with one JSON argument.
func command(name, title string, arg any) protocol.Command {
	b, err := json.Marshal(arg)
	if err != nil {
		panic(fmt.Sprintf("command %s: unencodable argument %#v: %v", name, arg, err))
	}
	return protocol.Command{Title: title, Command: name, Arguments: []protocol.LSPAny{jsontext.Value(b)}}
}
