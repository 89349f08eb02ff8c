package handlers

import (
	"fmt"

	udiff "github.com/aymanbagabas/go-udiff"
	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/lessonl/lessonl/exec"
)

// annotationID labels the edits of an apply (undo history, previews). It never
// asks for confirmation: VS Code answers needsConfirmation with its Refactor
// Preview, every change unticked, where Apply writes nothing; the user has
// already chosen Apply, after the diff where the editor shows one.
const annotationID protocol.ChangeAnnotationIdentifier = "lessonl.apply"

// StaleError says why a result cannot be applied to the document as it is.
type StaleError struct{ Msg string }

func (e *StaleError) Error() string { return e.Msg }

type editKey struct {
	fn       string
	finished int64 // the result's run: a new run makes a new edit
}

type editEntry struct {
	edit *protocol.WorkspaceEdit
	err  error
}

// buildEdit is makeEdit, once per snapshot and result.
func buildEdit(s Session, doc *Doc, r *Result) (*protocol.WorkspaceEdit, error) {
	k := editKey{r.Func, r.Finished.UnixNano()}
	if e, ok := doc.edits.Load(k); ok {
		return e.(editEntry).edit, e.(editEntry).err
	}
	edit, err := makeEdit(s, doc, r)
	doc.edits.Store(k, editEntry{edit, err})
	return edit, err
}

// makeEdit makes the edit that puts r's best variant into doc. The
// function is found again by name, so edits elsewhere in the file are fine;
// if the function's own text changed since the run started, the edit is
// refused: the result was measured against other code, and applying it would
// overwrite the user's edit. The edit is versioned when the client supports
// it, so a client whose buffer moved on meanwhile refuses it too.
func makeEdit(s Session, doc *Doc, r *Result) (*protocol.WorkspaceEdit, error) {
	if !r.Faster() {
		return nil, &StaleError{fmt.Sprintf("there is no verified faster variant of %s: run \"Optimize with lessons\" first", r.Func)}
	}
	f, err := doc.Func(r.Func)
	if err != nil {
		return nil, &StaleError{fmt.Sprintf("%s is no longer in %s, so nothing was applied: %v", r.Func, doc.Path, err)}
	}
	if !r.Fresh(f) {
		return nil, &StaleError{fmt.Sprintf("%s changed since it was optimized, so nothing was applied and your edits are kept: run \"Optimize with lessons\" again", r.Func)}
	}
	out, err := exec.Apply(exec.Target{File: doc.Path, Func: f.Name, Source: []byte(doc.Text)}, r.Best.Code)
	if err != nil {
		return nil, fmt.Errorf("couldn't splice the variant of %s into %s (the runner could not place it; run the optimization again): %w", r.Func, doc.Path, err)
	}
	diffs := udiff.Lines(doc.Text, string(out))
	caps := s.Caps()
	label := fmt.Sprintf("Apply optimized variant of %s (%s faster)", r.Func, r.SpeedupText())
	if !caps.DocumentChanges {
		edits := make([]protocol.TextEdit, len(diffs))
		for i, d := range diffs {
			edits[i] = protocol.TextEdit{Range: doc.Range(d.Start, d.End), NewText: d.New}
		}
		return &protocol.WorkspaceEdit{Changes: map[uri.URI][]protocol.TextEdit{doc.URI: edits}}, nil
	}
	elems := make([]protocol.TextDocumentEditElement, len(diffs))
	for i, d := range diffs {
		te := protocol.TextEdit{Range: doc.Range(d.Start, d.End), NewText: d.New}
		if caps.ChangeAnnotations {
			elems[i] = &protocol.AnnotatedTextEdit{TextEdit: te, AnnotationID: annotationID}
		} else {
			elems[i] = &te
		}
	}
	id := protocol.OptionalVersionedTextDocumentIdentifier{TextDocumentIdentifier: protocol.TextDocumentIdentifier{URI: doc.URI}}
	if doc.Open {
		id.Version = ptr(doc.Version)
	}
	edit := &protocol.WorkspaceEdit{DocumentChanges: []protocol.DocumentChange{&protocol.TextDocumentEdit{TextDocument: id, Edits: elems}}}
	if caps.ChangeAnnotations {
		desc := fmt.Sprintf("Replaces %s with the variant by %s (round %d), verified %s.", r.Func, r.Best.Agent, r.Best.Round+1, r.IntervalText())
		edit.ChangeAnnotations = map[protocol.ChangeAnnotationIdentifier]protocol.ChangeAnnotation{
			annotationID: {Label: label, NeedsConfirmation: ptr(false), Description: &desc},
		}
	}
	return edit, nil
}
