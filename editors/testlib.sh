# Shell helpers shared by the editors' test scripts (sourced, not run).

# lessonl_bin OUT sets bin to $LESSONL_BIN, else builds ./cmd/lessonl of this
# checkout into OUT.
lessonl_bin() {
  if [ -n "${LESSONL_BIN:-}" ]; then
    bin="$LESSONL_BIN"
    return 0
  fi
  echo "== go build ./cmd/lessonl"
  (cd "$(dirname "${BASH_SOURCE[0]}")/.." && GOFLAGS="${GOFLAGS:-} -buildvcs=false" go build -o "$1" ./cmd/lessonl)
  bin="$1"
}

# start_scripted_ollama BIN SCRIPT DIR starts the scripted Ollama server
# (`BIN ollamatest --script SCRIPT`) and sets ollama_url. It exits when fd 3,
# the write end of a fifo in DIR, closes (the caller's exit or `exec 3>&-`), so
# a test that dies takes it along. Its pid is added to the caller's pids.
start_scripted_ollama() {
  local bin="$1" script="$2" dir="$3"
  mkfifo "$dir/ollama.in"
  "$bin" ollamatest --script "$script" --exit-on-stdin-close \
    <"$dir/ollama.in" >"$dir/ollama.out" 2>"$dir/ollama.err" &
  pids+=($!)
  exec 3>"$dir/ollama.in"
  ollama_url=""
  for _ in $(seq 100); do
    ollama_url="$(sed -n 's/^ollamatest listening on \(http:[^ ]*\).*/\1/p' "$dir/ollama.out" | head -1)"
    [ -n "$ollama_url" ] && return 0
    sleep 0.1
  done
  echo "the scripted Ollama server did not start:" >&2
  cat "$dir/ollama.err" >&2
  return 1
}
