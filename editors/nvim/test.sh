#!/usr/bin/env bash
# Tests of the Neovim plugin on headless Neovim (0.7.2 from Debian's apt here):
# unit tests of its own logic, setup() without a server binary, and an end-to-end
# run through :Lessonl against the real `lessonl serve` and the scripted Ollama
# server. Run as root on a clean Debian/Ubuntu machine it installs Neovim.
#   LESSONL_BIN=path   use this lessonl binary instead of building one
#   NVIM_TEST_ONLY=lint|unit|setup|optimize|tmux   run one suite
#   LESSONL_TEST_TRANSCRIPT=file   write the end-to-end session's transcript there
#   LESSONL_TMUX_OUT=dir   the tmux suite's screens (default editors/nvim/tmux-out)
# The tmux suite runs nvim in a real terminal (tmux) and types as a user does;
# it needs tmux and Node.js (installed as root from apt when missing).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

need=()
command -v nvim >/dev/null || need+=(neovim)
command -v luacheck >/dev/null || need+=(lua-check)
command -v tmux >/dev/null || need+=(tmux)
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  elif ! command -v nvim >/dev/null; then
    echo "neovim is missing; install it with: sudo apt-get install neovim" >&2
    exit 1
  fi
fi
nvim --version | head -1

# The shipped help tags must be those of doc/lessonl.txt (:help lessonl).
if [ -z "${NVIM_TEST_ONLY:-}" ] || [ "$NVIM_TEST_ONLY" = lint ]; then
  echo "== doc/tags"
  tags="$(mktemp -d)"
  cp "$here/doc/lessonl.txt" "$tags/"
  nvim --headless --clean -u NONE -c "helptags $tags" -c q
  if ! diff -u "$here/doc/tags" "$tags/tags"; then
    echo "editors/nvim/doc/tags is out of date: run nvim --headless -u NONE -c 'helptags editors/nvim/doc' -c q" >&2
    exit 1
  fi
  rm -rf "$tags"
fi

if [ -z "${NVIM_TEST_ONLY:-}" ] || [ "$NVIM_TEST_ONLY" = lint ]; then
  if command -v luacheck >/dev/null; then
    echo "== luacheck"
    (cd "$here" && luacheck --formatter plain --quiet .)
  else
    echo "== luacheck skipped: not installed (sudo apt-get install lua-check)"
  fi
fi

tmp="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

# run NAME FILE [timeout]: one headless Neovim on a test file; its own
# exit status (cquit 1 on failure) is the suite's. Neovim's state and data
# directories are temporary; its cache directory is not, because the server's
# runner keeps its sandbox's Go build cache there (a cold one makes the first
# measurements rebuild the standard library, minutes on a busy machine).
run() {
  local name="$1" file="$2" limit="${3:-60}"
  if [ -n "${NVIM_TEST_ONLY:-}" ] && [ "$NVIM_TEST_ONLY" != "$name" ]; then return 0; fi
  echo "== nvim $name"
  if ! XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data" \
    timeout "$limit" nvim --headless --clean -u NONE --cmd "set rtp^=$here" -c "luafile $here/tests/$file"; then
    echo "nvim $name: FAILED (exit status above; a timeout exits 124)" >&2
    for log in "${XDG_CACHE_HOME:-$HOME/.cache}/nvim/lsp.log" "$tmp/state/nvim/lsp.log"; do
      [ -f "$log" ] && { echo "-- tail of $log" >&2; tail -n 40 "$log" >&2; }
    done
    [ -f "$tmp/ollama.err" ] && { echo "-- scripted Ollama stderr" >&2; tail -n 20 "$tmp/ollama.err" >&2; }
    exit 1
  fi
}

run unit unit.lua 60
run setup setup.lua 60

if [ -n "${NVIM_TEST_ONLY:-}" ] && [ "$NVIM_TEST_ONLY" != optimize ] && [ "$NVIM_TEST_ONLY" != tmux ]; then exit 0; fi

# The server under test.
. "$here/../testlib.sh"
lessonl_bin "$tmp/bin/lessonl"
mkdir -p "$tmp/bin"
[ "$bin" = "$tmp/bin/lessonl" ] || ln -sf "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$tmp/bin/lessonl"

# A Go module holding the slow functions: the team's own test package (Max,
# and Min, the run the test cancels: the scripted model never answers for it).
mkdir -p "$tmp/mod"
cp "$here/../../team/testdata/maxof/"*.go "$tmp/mod/"
printf 'module example.com/maxof\n\ngo 1.22\n' >"$tmp/mod/go.mod"

# The runner builds every variant in its sandbox with its own persistent Go
# build cache; cold, the first builds compile the standard library (minutes on
# a busy 2-core machine). scripts/test.sh's Go tests warm it; run standalone on
# a fresh machine, one measurement here does, outside nvim's time limit.
runner_cache="${XDG_CACHE_HOME:-$HOME/.cache}/lessonl/gocache"
if [ ! -d "$runner_cache" ]; then
  echo "== warming the runner's build cache ($runner_cache), first run only"
  timeout 900 "$bin" measure "$tmp/mod/maxof.go:Max" "$here/tests/testdata/max_scan.go.txt" --timeout 14m >/dev/null
fi

# The scripted Ollama server (it exits with this script).
start_scripted_ollama "$bin" "$here/tests/testdata/script.json" "$tmp"
url="$ollama_url"

export PATH="$tmp/bin:$PATH" LESSONL_HOME="$tmp/store" LESSONL_TEST_OLLAMA="$url" LESSONL_TEST_MODULE="$tmp/mod"
run optimize optimize.lua 240

if [ -z "${NVIM_TEST_ONLY:-}" ] || [ "$NVIM_TEST_ONLY" = tmux ]; then
  echo "== nvim in tmux"
  command -v node >/dev/null || { echo "the tmux suite needs Node.js (apt-get install nodejs)" >&2; exit 1; }
  mkdir -p "$tmp/tmuxmod"
  cp "$here/../../team/testdata/maxof/"*.go "$tmp/tmuxmod/"
  printf 'module example.com/maxof\n\ngo 1.22\n' >"$tmp/tmuxmod/go.mod"
  mkdir -p "$tmp/scratch"
  cp "$here/../../team/testdata/maxof/maxof.go" "$tmp/scratch/"
  out="${LESSONL_TMUX_OUT:-$here/tmux-out}"
  rm -rf "$out"
  if ! XDG_STATE_HOME="$tmp/tmuxstate" XDG_DATA_HOME="$tmp/tmuxdata" LESSONL_TEST_TMUX_MODULE="$tmp/tmuxmod" LESSONL_TEST_TMUX_SCRATCH="$tmp/scratch" \
    LESSONL_TEST_TMUX_STORE="$tmp/tmuxstore" LESSONL_TEST_TMUX_OUT="$out" \
    timeout 600 node --test --test-concurrency=1 "$here/tests/tmux.test.mjs"; then
    echo "nvim in tmux: FAILED; the screens are in $out" >&2
    exit 1
  fi
fi
exec 3>&-
echo "== nvim plugin: all passed"
