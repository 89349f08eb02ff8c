package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"go.lsp.dev/protocol"
)

// clientLogHandler sends records to the client's log (window/logMessage)
// and to the process's own log (stderr for `lessonl serve`).
type clientLogHandler struct {
	base   slog.Handler // may be nil
	level  slog.Level
	client protocol.Client
	attrs  []slog.Attr
	groups []string
}

func newClientLogHandler(base *slog.Logger, level slog.Level, client protocol.Client) *clientLogHandler {
	h := &clientLogHandler{level: level, client: client}
	if base != nil {
		h.base = base.Handler()
	}
	return h
}

func (h *clientLogHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.level || h.base != nil && h.base.Enabled(ctx, l)
}

func (h *clientLogHandler) Handle(ctx context.Context, r slog.Record) error {
	if h.base != nil && h.base.Enabled(ctx, r.Level) {
		_ = h.base.Handle(ctx, r)
	}
	if r.Level < h.level {
		return nil
	}
	var b strings.Builder
	b.WriteString(r.Message)
	prefix := strings.Join(h.groups, ".")
	write := func(a slog.Attr) {
		if a.Equal(slog.Attr{}) {
			return
		}
		k := a.Key
		if prefix != "" {
			k = prefix + "." + k
		}
		fmt.Fprintf(&b, " %s=%v", k, a.Value.Resolve())
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(func(a slog.Attr) bool {
		write(a)
		return true
	})
	t := protocol.MessageTypeLog
	switch {
	case r.Level >= slog.LevelError:
		t = protocol.MessageTypeError
	case r.Level >= slog.LevelWarn:
		t = protocol.MessageTypeWarning
	case r.Level >= slog.LevelInfo:
		t = protocol.MessageTypeInfo
	}
	// Best effort: after the client left, there is nobody to tell.
	_ = h.client.LogMessage(context.WithoutCancel(ctx), &protocol.LogMessageParams{Type: t, Message: b.String()})
	return nil
}

func (h *clientLogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), as...)
	if h.base != nil {
		c.base = h.base.WithAttrs(as)
	}
	return &c
}

func (h *clientLogHandler) WithGroup(name string) slog.Handler {
	c := *h
	c.groups = append(append([]string(nil), h.groups...), name)
	if h.base != nil {
		c.base = h.base.WithGroup(name)
	}
	return &c
}
