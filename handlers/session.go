// Package handlers turns LSP requests into calls on the runner, the team and
// the lesson bank, and their answers into LSP types: one file per feature,
// thin. The server owns the connection and all state; handlers see it through
// Session.
package handlers

import (
	"context"
	"log/slog"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/vectorbank"
)

// Session is what handlers need from the language server.
type Session interface {
	// Doc is the current snapshot of u: the open buffer, or the file on disk.
	// It refuses URIs that are not files.
	Doc(u uri.URI) (*Doc, error)
	// Result is the last run's result for a function of a file, or nil.
	Result(file, fn string) *Result
	// Results are all results for a file.
	Results(file string) []*Result
	// SaveResult stores r (in memory and on disk).
	SaveResult(r *Result) error
	// Optimize runs the method on f with progress and cancellation, and
	// returns the stored result. It is cancelled by ctx, by the progress
	// token's cancel and by lessonl.cancel.
	Optimize(ctx context.Context, doc *Doc, f *exec.Func, token protocol.ProgressToken) (*Result, error)
	// Cancel cancels the runs on fn in file ("" and "" for all) and says how many.
	Cancel(file, fn string) int
	// Bank is the lesson bank of the configured store.
	Bank() (*vectorbank.Bank, error)
	// WriteReport writes a Markdown document under the store and returns its path.
	WriteReport(name, markdown string) (string, error)
	// LensesEverywhere is the codeLens setting: "Optimize with lessons" above every function.
	LensesEverywhere() bool
	Caps() ClientCaps
	Client() protocol.Client
	Log() *slog.Logger
}

// ClientCaps are the client capabilities handlers adapt to.
type ClientCaps struct {
	ApplyEdit         bool // workspace/applyEdit
	DocumentChanges   bool // versioned TextDocumentEdits
	ChangeAnnotations bool // annotations that ask for confirmation
	ShowDocument      bool // window/showDocument
	WorkDoneProgress  bool // window/workDoneProgress/create
	CodeLensRefresh   bool // workspace/codeLens/refresh
	ResolveEdit       bool // codeAction/resolve fills in an action's edit
	// ShowsOutcome: the client presents lessonl.optimize's answer (result or
	// error) itself, so the server does not announce it with showMessage
	// (experimental capability lessonl.showsOutcome; the VS Code extension).
	ShowsOutcome bool
}
