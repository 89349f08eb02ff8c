// Package ollamatest is a scripted, Ollama-compatible HTTP server for tests:
// every test that involves a model talks to it through the real
// github.com/ollama/ollama/api client (v0.17.4), in process (New) or in
// another process (`lessonl ollamatest --script FILE`).
//
// # Endpoints
//
// POST /api/chat (NDJSON streamed, or one JSON object with "stream": false),
// POST /api/embed, POST /api/embeddings (legacy), GET /api/tags,
// POST /api/show, POST /api/pull (streamed progress or not), GET /api/ps, GET /api/version,
// HEAD and GET / ("Ollama is running"). Wire formats, status codes and error
// bodies ({"error": "..."}) are Ollama's. Two extra endpoints serve tests in
// other processes: GET /ollamatest/requests (the request log, see
// FetchRequests) and PUT /ollamatest/script (see PutScript).
//
// # Scripts
//
// A script maps model names to what they answer. For a chat request, the
// model's rules are tried in order (every "contains" substring must occur in
// one message, "regex" must match one message; a rule with neither matches
// all) and the first one with uses left answers; otherwise the next of
// "replies" does, the last one repeating:
//
//	{"models": {
//	  "qwen2.5-coder:7b": {
//	    "tokens_per_second": 400,
//	    "rules": [
//	      {"contains": ["Your rewrite B", "B is correct and"], "reply": "Four accumulators ..."},
//	      {"contains": ["lesson text X"], "reply": "```go\nfunc Sum(xs []int) int {...}\n```"},
//	      {"reply": "", "times": 1, "misbehave": {"status": 500}}
//	    ],
//	    "replies": ["```go\n...\n```"]
//	  },
//	  "qwen2.5-coder:1.5b": {"missing": true, "replies": ["..."]},
//	  "nomic-embed-text": {"embed": true, "embed_dim": 256}
//	}}
//
// testdata/example.json plays a whole 3-agent team on examples/sum (Go) and
// examples/mins (C++).
//
// # What the client sees
//
// The real client's reactions, which callers must handle (the tests pin them):
//
//   - status: api.StatusError{StatusCode, ErrorMessage}; so do an unknown or
//     missing model (404, `model "X" not found, try pulling it first`) and chat
//     with an embedding model (400, `"X" does not support chat`).
//   - cut_after N (N >= 1) or garbage: a plain error whose text is the broken
//     line; the callback got the N complete chunks and never a done chunk.
//   - cut_after -1 (connection dropped before any line): Chat returns nil with
//     no chunk at all. The client ignores a broken connection between lines,
//     so a caller must treat "no done chunk" as a failed call.
//   - hang and long latency: the caller's context error (the client has no
//     timeout of its own).
//   - a failed pull: a plain error after the "pulling manifest" progress line,
//     as Ollama streams it; with "stream": false, a StatusError 500.
//
// # What real Ollama does that the server imitates
//
//   - num_predict cuts an answer with done_reason "length".
//   - The repeat guard: after 31 identical tokens (spaces aside) the stream
//     ends cleanly with no done line and no error: Chat returns nil.
//   - A prompt longer than num_ctx (default 4096) silently loses its start:
//     rules match what is left, prompt_eval_count is num_ctx, and
//     Request.Truncated counts the dropped tokens. With "truncate": false it
//     is an error instead ("the input length exceeds the context length").
//   - /api/show lists capabilities (completion, or embedding) and the
//     model's context_length (Model.ContextLength, default 32768).
//   - At most Script.MaxLoaded models (default 3, Ollama's) stay loaded: a
//     new one evicts the idle model with the shortest keep_alive (absent:
//     5m), ties by digest; a changed num_ctx reloads a model. Request.Load
//     and Server.Loads record every load, /api/ps lists the loaded models.
//
// Real Ollama 0.17.4 words some 404s differently (`model 'X' not found`):
// match on api.StatusError.StatusCode, not on the text.
package ollamatest
