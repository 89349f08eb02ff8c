package server

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"

	"go.lsp.dev/jsonrpc2"
	"go.lsp.dev/protocol"
)

// codec routes payloads through protocol's own Marshal/Unmarshal, which know
// the LSP unions; jsonrpc2's default codec does not.
type codec struct{}

func (codec) Marshal(v any) ([]byte, error) {
	switch m := v.(type) {
	case jsonrpc2.RawMessage:
		if m == nil {
			return []byte("null"), nil
		}
		return m, nil
	case *jsonrpc2.RawMessage:
		if m == nil || *m == nil {
			return []byte("null"), nil
		}
		return *m, nil
	}
	return protocol.Marshal(v)
}

func (codec) Unmarshal(data []byte, v any) error {
	if p, ok := v.(*jsonrpc2.RawMessage); ok {
		*p = append(jsonrpc2.RawMessage(nil), data...)
		return nil
	}
	return protocol.Unmarshal(data, v)
}

// frameReader is the raw-frame read of jsonrpc2's header stream.
type frameReader interface {
	ReadFrame(ctx context.Context) ([]byte, int64, error)
}

// tolerantStream keeps the connection alive across a malformed message. The
// jsonrpc2 read loop ends the connection on any decode error; a JSON-RPC
// server should instead answer a parse error (or an invalid request) with a
// null id and go on reading. Only broken framing (a bad header) ends it, since
// nothing after it can be trusted to start a message.
//
// It deliberately does not expose ReadFrame itself: that would put the
// connection back on its fast path, which fails hard on bad JSON.
type tolerantStream struct {
	inner  jsonrpc2.Stream
	frames frameReader
	log    *slog.Logger

	closeOnce sync.Once
	onEOF     func() // called once when reading stops: the client went away
}

func newTolerantStream(rwc io.ReadWriteCloser, log *slog.Logger, onEOF func()) *tolerantStream {
	inner := jsonrpc2.NewHeaderStream(rwc)
	fr, _ := inner.(frameReader)
	return &tolerantStream{inner: inner, frames: fr, log: log, onEOF: onEOF}
}

func (s *tolerantStream) Read(ctx context.Context) (jsonrpc2.Message, int64, error) {
	if s.frames == nil {
		msg, n, err := s.inner.Read(ctx)
		if err != nil {
			s.stopped()
		}
		return msg, n, err
	}
	for {
		body, n, err := s.frames.ReadFrame(ctx)
		if err != nil {
			if !errors.Is(err, io.EOF) && !errors.Is(err, context.Canceled) {
				s.log.Error("the client's message framing is broken; closing the connection (check that the client sends Content-Length headers)", "err", err)
			}
			s.stopped()
			return nil, 0, err
		}
		msg, err := jsonrpc2.DecodeMessage(body)
		if err == nil {
			return msg, n, nil
		}
		code := jsonrpc2.ErrParse
		if errors.Is(err, jsonrpc2.ErrInvalidRequest) {
			code = jsonrpc2.ErrInvalidRequest
		}
		s.log.Warn("ignored a malformed JSON-RPC message", "err", err, "bytes", len(body))
		if _, werr := s.inner.Write(context.Background(), jsonrpc2.NewResponse(jsonrpc2.ID{}, nil, code)); werr != nil {
			s.stopped()
			return nil, 0, werr
		}
	}
}

func (s *tolerantStream) Write(ctx context.Context, msg jsonrpc2.Message) (int64, error) {
	return s.inner.Write(ctx, msg)
}

func (s *tolerantStream) Close() error {
	s.stopped()
	return s.inner.Close()
}

func (s *tolerantStream) stopped() {
	s.closeOnce.Do(func() {
		if s.onEOF != nil {
			s.onEOF()
		}
	})
}
