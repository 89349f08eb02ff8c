package handlers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"

	"github.com/lessonl/lessonl/exec"
)

// CodeAction offers, on a cursor or selection inside a function, "Optimize
// with lessons"; and when a verified result for that function exists, the
// edit that applies it and the lessons behind it. It runs nothing: it is
// asked for on every cursor move.
func CodeAction(ctx context.Context, s Session, p *protocol.CodeActionParams) ([]protocol.CommandOrCodeAction, error) {
	if !wants(p.Context.Only, protocol.CodeActionKindRefactorRewrite) && !wants(p.Context.Only, protocol.CodeActionKindEmpty) {
		return nil, nil
	}
	doc, err := docFor(s, p.TextDocument.URI)
	if err != nil {
		return nil, err
	}
	if _, ok := exec.LangOf(doc.Path); !ok {
		return nil, nil
	}
	start, _, err := doc.Offsets(p.Range)
	if err != nil {
		return nil, invalidParams(err)
	}
	f, err := doc.FuncAt(start)
	if err != nil {
		if !errors.Is(err, exec.ErrNoFunc) {
			s.Log().Debug("no functions for code actions", "file", doc.Path, "err", err)
		}
		return nil, nil
	}
	ref := FuncRef{URI: string(doc.URI), Func: f.Name}
	kind := protocol.CodeActionKindRefactorRewrite
	var out []protocol.CommandOrCodeAction
	if wants(p.Context.Only, kind) {
		out = append(out, &protocol.CodeAction{
			Title:   "Optimize with lessons",
			Kind:    &kind,
			Command: command(cmdOptimize, "Optimize with lessons", optimizeArgs{URI: ref.URI, Position: ptr(doc.Position(f.Start))}),
		})
	}
	r := lastResult(s, doc.Path, f.Name)
	if r == nil {
		return out, nil
	}
	if r.Faster() && r.Fresh(f) && wants(p.Context.Only, kind) {
		apply := &protocol.CodeAction{
			Title:       "Apply optimized variant (" + r.SpeedupText() + " faster)",
			Kind:        &kind,
			IsPreferred: ptr(true),
		}
		// Splicing into a large file takes a parse, a gofmt and a diff:
		// too slow for a list asked for on every cursor move. The edit is
		// built when the user picks the action: resolved, or sent by
		// lessonl.apply; inline only for a client that can do neither.
		v := doc.Version
		pinned := FuncRef{URI: ref.URI, Func: f.Name, Version: &v}
		caps := s.Caps()
		switch {
		case caps.ResolveEdit:
			apply.Data = mustJSON(pinned)
			out = append(out, apply)
		case caps.ApplyEdit:
			apply.Command = command(cmdApply, apply.Title, pinned)
			out = append(out, apply)
		default:
			if edit, err := buildEdit(s, doc, r); err == nil {
				apply.Edit = edit
				out = append(out, apply)
			} else {
				s.Log().Debug("no apply action", "func", f.Name, "err", err)
			}
		}
	}
	if wants(p.Context.Only, protocol.CodeActionKindEmpty) {
		out = append(out, &protocol.CodeAction{
			Title:   "Show lessons for this function",
			Command: command(cmdShowLessons, "Show lessons for this function", ref),
		})
	}
	return out, nil
}

// ResolveCodeAction fills in the edit of an "Apply optimized variant"
// action. An action made on an older version of the document is answered
// with ContentModified: the client asks for code actions again.
func ResolveCodeAction(ctx context.Context, s Session, a *protocol.CodeAction) (*protocol.CodeAction, error) {
	if len(a.Data) == 0 || a.Edit != nil {
		return a, nil
	}
	var ref FuncRef
	if err := json.Unmarshal(a.Data, &ref); err != nil || ref.URI == "" || ref.Func == "" {
		return nil, jsonrpc2.Errorf(jsonrpc2.InvalidParams, "this code action's data is not LessonL's: %s", clip(string(a.Data), 80))
	}
	doc, r, err := resultFor(s, ref)
	if err != nil {
		return nil, err
	}
	if ref.Version != nil && doc.Open && *ref.Version != doc.Version {
		return nil, protocol.ErrContentModified
	}
	edit, err := buildEdit(s, doc, r)
	var stale *StaleError
	if errors.As(err, &stale) {
		return nil, protocol.ErrContentModified
	}
	if err != nil {
		return nil, notify(ctx, s, internal(err))
	}
	a.Edit = edit
	return a, nil
}

func mustJSON(v any) protocol.LSPAny {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("unencodable %#v: %v", v, err))
	}
	return b
}

// wants applies a code action request's "only" filter: kinds are
// hierarchical, so "refactor" admits "refactor.rewrite". The empty kind (an
// action without a kind) passes only when there is no filter.
func wants(only []protocol.CodeActionKind, k protocol.CodeActionKind) bool {
	if len(only) == 0 {
		return true
	}
	if k == protocol.CodeActionKindEmpty {
		return false
	}
	for _, o := range only {
		if k == o || strings.HasPrefix(string(k), string(o)+".") {
			return true
		}
	}
	return false
}

func ptr[T any](v T) *T { return &v }
