// Package handlers turns LSP requests into calls on the optimise flow
// (package optimize), the runner and the lesson bank, and their answers into
// LSP types: one file per feature, thin. The server owns the connection and
// all state (documents, settings, results, runs); handlers see it through
// Session, which is plumbing only: the use case is optimize's.
package handlers

import (
	"context"
	"log/slog"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/settings"
	"github.com/lessonl/lessonl/vectorbank"
)

// Session is what handlers need from the language server.
type Session interface {
	// Doc is the current snapshot of u: the open buffer, or the file on disk.
	// It refuses URIs that are not files.
	Doc(u uri.URI) (*Doc, error)
	// Results are the last runs' results for the functions of a file.
	Results(file string) []*Result
	// SaveResult stores r (in memory and on disk).
	SaveResult(r *Result) error
	// Run runs work as the run on fn in file: one run at a time (others
	// wait, cancellably), with progress on token titled title, cancelled by
	// ctx, by the token's cancel and by lessonl.cancel. work reports
	// through p and returns the text that ends the progress. A cancelled
	// run returns protocol.ErrRequestCancelled; a failed one is shown to
	// the user in full, logged, and returned as the response's error.
	Run(ctx context.Context, file, fn string, token protocol.ProgressToken, title string, work func(ctx context.Context, p Progress) (string, error)) error
	// Cancel cancels the runs on fn in file ("" and "" for all) and says how many.
	Cancel(file, fn string) int
	// Config is what runs and features read: the settings in effect.
	Config() Config
	// Bank is the lesson bank of the configured store.
	Bank() (*vectorbank.Bank, error)
	// WriteReport writes a Markdown document under the store and returns its path.
	WriteReport(name, markdown string) (string, error)
	Caps() ClientCaps
	Client() protocol.Client
	Log() *slog.Logger
}

// Config is the session's configuration.
type Config struct {
	Settings settings.Settings
	// Measure holds the runner options that are not settings (input size,
	// timing rounds); tests make runs small with it.
	Measure exec.Options
}

// lastResult is the last run's result for fn in file, or nil.
func lastResult(s Session, file, fn string) *Result {
	for _, r := range s.Results(file) {
		if r.Func == fn {
			return r
		}
	}
	return nil
}

// Progress is a run's progress: a message and the share done (0 to 100);
// force sends it even when the last one went out a moment ago.
type Progress interface {
	Report(msg string, pct int, force bool)
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
