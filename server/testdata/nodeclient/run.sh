#!/usr/bin/env bash
# Real-client test of the language server: Microsoft's LSP client library
# (vscode-languageserver-protocol, as in VS Code) drives `lessonl serve`
# against the scripted Ollama. Uses $LESSONL (or $LESSONL_BIN), else bin/lessonl, else builds it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
command -v node >/dev/null || { echo "node is missing: install Node.js 18 or newer (apt-get install nodejs npm)" >&2; exit 1; }
LESSONL="${LESSONL:-${LESSONL_BIN:-}}"
if [ -z "${LESSONL:-}" ]; then
  if [ -x "$root/bin/lessonl" ]; then
    LESSONL="$root/bin/lessonl"
  else
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    (cd "$root" && go build -o "$tmp/lessonl" ./cmd/lessonl)
    LESSONL="$tmp/lessonl"
  fi
fi
cd "$here"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
LESSONL="$LESSONL" timeout "${NODECLIENT_TIMEOUT:-600}" node client.mjs
