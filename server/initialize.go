package server

import (
	"context"
	"encoding/json"
	"slices"

	"go.lsp.dev/protocol"

	"github.com/lessonl/lessonl/handlers"
)

// Initialize negotiates the position encoding, records what the client can
// do, and takes initializationOptions as the first layer of settings.
func (s *server) Initialize(ctx context.Context, p *protocol.InitializeParams) (*protocol.InitializeResult, error) {
	enc := negotiateEncoding(p.Capabilities.General)
	caps := clientCaps(&p.Capabilities)
	s.mu.Lock()
	s.enc = enc
	s.caps = caps
	s.configPull = p.Capabilities.Workspace != nil && isTrue(p.Capabilities.Workspace.Configuration)
	s.mu.Unlock()
	if len(p.InitializationOptions) > 0 {
		s.applySettings(layerInit, p.InitializationOptions, "initializationOptions", 0)
	}
	s.state.Store(stateInitialized)
	s.log.Info("initialized", "client", p.ClientInfo.Name, "positionEncoding", enc.String())

	sync := protocol.TextDocumentSyncKindIncremental
	open := true
	kinds := []protocol.CodeActionKind{protocol.CodeActionKindRefactorRewrite}
	v := s.opts.Version
	if v == "" {
		v = "dev"
	}
	version := protocol.NewOptional(v)
	return &protocol.InitializeResult{
		Capabilities: protocol.ServerCapabilities{
			PositionEncoding: protocol.PositionEncodingKind(enc.String()),
			TextDocumentSync: &protocol.TextDocumentSyncOptions{
				OpenClose: &open,
				Change:    &sync,
				Save:      protocol.Boolean(true),
			},
			HoverProvider:          protocol.Boolean(true),
			CodeActionProvider:     &protocol.CodeActionOptions{CodeActionKinds: kinds, ResolveProvider: &open},
			CodeLensProvider:       &protocol.CodeLensOptions{},
			ExecuteCommandProvider: protocol.ExecuteCommandOptions{Commands: handlers.CommandNames()},
		},
		ServerInfo: protocol.ServerInfo{Name: "lessonl", Version: version},
	}, nil
}

// negotiateEncoding picks UTF-8 when the client offers it (no conversion at
// all), else the mandatory UTF-16.
func negotiateEncoding(g *protocol.GeneralClientCapabilities) handlers.Encoding {
	if g != nil && slices.Contains(g.PositionEncodings, protocol.PositionEncodingKindUTF8) {
		return handlers.UTF8
	}
	return handlers.UTF16
}

func clientCaps(c *protocol.ClientCapabilities) handlers.ClientCaps {
	var caps handlers.ClientCaps
	if w := c.Workspace; w != nil {
		caps.ApplyEdit = isTrue(w.ApplyEdit)
		if we := w.WorkspaceEdit; we != nil {
			caps.DocumentChanges = isTrue(we.DocumentChanges)
			caps.ChangeAnnotations = we.ChangeAnnotationSupport != nil
		}
		if cl := w.CodeLens; cl != nil {
			caps.CodeLensRefresh = isTrue(cl.RefreshSupport)
		}
	}
	if td := c.TextDocument; td != nil && td.CodeAction != nil {
		caps.ResolveEdit = slices.Contains(td.CodeAction.ResolveSupport.Properties, "edit")
	}
	if w := c.Window; w != nil {
		caps.WorkDoneProgress = isTrue(w.WorkDoneProgress)
		caps.ShowDocument = w.ShowDocument != nil && w.ShowDocument.Support
	}
	if len(c.Experimental) > 0 {
		var x struct {
			Lessonl struct {
				ShowsOutcome bool `json:"showsOutcome"`
			} `json:"lessonl"`
		}
		if json.Unmarshal(c.Experimental, &x) == nil {
			caps.ShowsOutcome = x.Lessonl.ShowsOutcome
		}
	}
	return caps
}

func isTrue(b *bool) bool { return b != nil && *b }

// Initialized pulls the `lessonl` section of the client's settings, off the
// read loop: it is a call to the client, answered on that loop.
func (s *server) Initialized(ctx context.Context, p *protocol.InitializedParams) error {
	s.schedulePull()
	return nil
}

// Shutdown stops every run; the server then refuses all but exit.
func (s *server) Shutdown(ctx context.Context) error {
	s.state.Store(stateShutdown)
	n := s.runs.cancel("", "")
	s.log.Info("shutting down", "cancelled runs", n)
	return nil
}

// Exit ends Serve.
func (s *server) Exit(ctx context.Context) error {
	s.exitOK.Store(s.state.Load() == stateShutdown)
	select {
	case <-s.exited:
	default:
		close(s.exited)
	}
	return nil
}
