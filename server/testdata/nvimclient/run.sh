#!/usr/bin/env bash
# Real-client test of the language server on headless Neovim (0.7.2 from
# Debian) through raw vim.lsp calls, against the scripted Ollama. Shares the
# Node test's script and Go module. Uses $LESSONL (or $LESSONL_BIN), else
# bin/lessonl, else
# builds it.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
shared="$here/../nodeclient"
command -v nvim >/dev/null || { echo "nvim is missing: apt-get install neovim" >&2; exit 1; }
work="$(mktemp -d)"
cleanup() {
  [ -n "${ollama_pid:-}" ] && kill "$ollama_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
LESSONL="${LESSONL:-${LESSONL_BIN:-}}"
if [ -z "${LESSONL:-}" ]; then
  if [ -x "$root/bin/lessonl" ]; then
    LESSONL="$root/bin/lessonl"
  else
    (cd "$root" && go build -o "$work/lessonl" ./cmd/lessonl)
    LESSONL="$work/lessonl"
  fi
fi
cp -r "$shared/maxof" "$work/maxof"
mkfifo "$work/ollama.out"
"$LESSONL" ollamatest --script "$shared/ollama-script.json" >"$work/ollama.out" &
ollama_pid=$!
read -r first <"$work/ollama.out"
url="$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' <<<"$first")"
[ -n "$url" ] || { echo "ollamatest said: $first" >&2; exit 1; }
LESSONL="$LESSONL" LESSONL_TEST_OLLAMA="$url" LESSONL_TEST_FILE="$work/maxof/maxof.go" LESSONL_TEST_STORE="$work/store" \
  timeout "${NVIMCLIENT_TIMEOUT:-600}" nvim --headless --clean -c "luafile $here/test.lua"
