package server

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"go.lsp.dev/protocol"
	"go.lsp.dev/uri"

	"github.com/lessonl/lessonl/exec"
	"github.com/lessonl/lessonl/handlers"
)

// documents holds the open buffers as immutable snapshots. Notifications
// that change them run in order on the read loop; readers take a snapshot
// and never block a writer for long.
type documents struct {
	mu   sync.RWMutex
	open map[uri.URI]*handlers.Doc
}

func (d *documents) get(u uri.URI) (*handlers.Doc, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	doc, ok := d.open[u]
	return doc, ok
}

func (d *documents) set(doc *handlers.Doc) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.open == nil {
		d.open = map[uri.URI]*handlers.Doc{}
	}
	d.open[doc.URI] = doc
}

func (d *documents) remove(u uri.URI) {
	d.mu.Lock()
	defer d.mu.Unlock()
	delete(d.open, u)
}

// Doc is the open buffer of u, or the file on disk when it is not open.
func (s *server) Doc(u uri.URI) (*handlers.Doc, error) {
	if doc, ok := s.docs.get(u); ok {
		return doc, nil
	}
	path := u.FsPath()
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s is not open in the editor and couldn't be read from disk: %w", path, err)
	}
	return handlers.NewDoc(u, path, 0, false, string(data), s.encoding()), nil
}

func (s *server) DidOpen(ctx context.Context, p *protocol.DidOpenTextDocumentParams) error {
	td := p.TextDocument
	if !td.URI.IsFile() {
		s.log.Debug("not tracking a non-file document", "uri", td.URI)
		return nil
	}
	doc := handlers.NewDoc(td.URI, td.URI.FsPath(), td.Version, true, td.Text, s.encoding())
	s.docs.set(doc)
	s.preparse(doc)
	return nil
}

// DidChange applies full and incremental changes in order.
func (s *server) DidChange(ctx context.Context, p *protocol.DidChangeTextDocumentParams) error {
	u := p.TextDocument.URI
	doc, ok := s.docs.get(u)
	if !ok {
		if u.IsFile() {
			s.log.Warn("didChange for a document that is not open; ignored (the client must send didOpen first)", "uri", u)
		}
		return nil
	}
	changes := make([]handlers.Change, 0, len(p.ContentChanges))
	for _, c := range p.ContentChanges {
		switch c := c.(type) {
		case *protocol.TextDocumentContentChangePartial:
			r := c.Range
			changes = append(changes, handlers.Change{Range: &r, Text: c.Text})
		case *protocol.TextDocumentContentChangeWholeDocument:
			changes = append(changes, handlers.Change{Text: c.Text})
		}
	}
	text, clamped := handlers.ApplyChanges(doc.Text, doc.Enc, changes)
	if len(clamped) > 0 {
		s.log.Warn("didChange had ranges outside the document; clamped them, so the server's copy may differ from the editor's (reopen the file to resync)",
			"uri", u, "ranges", clamped)
	}
	if p.TextDocument.Version <= doc.Version {
		s.log.Warn("didChange went back in versions", "uri", u, "had", doc.Version, "got", p.TextDocument.Version)
	}
	next := handlers.NewDoc(u, doc.Path, p.TextDocument.Version, true, text, doc.Enc)
	s.docs.set(next)
	s.preparse(next)
	return nil
}

// parseQuiet is how long a buffer must stay unchanged before it is parsed
// ahead of the next request.
const parseQuiet = 50 * time.Millisecond

// preparse finds the functions of a buffer once typing pauses, so the
// hover or code action that follows does not wait for the parse of a large
// file. A newer version makes the older one's parse moot.
func (s *server) preparse(doc *handlers.Doc) {
	if _, ok := exec.LangOf(doc.Path); !ok {
		return
	}
	s.goBackground(func(ctx context.Context) {
		select {
		case <-ctx.Done():
			return
		case <-time.After(parseQuiet):
		}
		if cur, ok := s.docs.get(doc.URI); ok && cur == doc {
			doc.Funcs()
		}
	})
}

func (s *server) DidClose(ctx context.Context, p *protocol.DidCloseTextDocumentParams) error {
	s.docs.remove(p.TextDocument.URI)
	s.lensMu.Lock()
	delete(s.lenses, p.TextDocument.URI)
	s.lensMu.Unlock()
	return nil
}

func (s *server) DidSave(ctx context.Context, p *protocol.DidSaveTextDocumentParams) error {
	return nil
}
