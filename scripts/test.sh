#!/usr/bin/env bash
# Runs every test of the project. On a fresh Debian/Ubuntu machine run as root it
# installs what the tests need (bubblewrap, neovim, the extension's npm packages);
# otherwise it says what to install. .ci/run calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOFLAGS="${GOFLAGS:-} -buildvcs=false"

need_apt=()
command -v bwrap >/dev/null || need_apt+=(bubblewrap)
command -v nvim >/dev/null || need_apt+=(neovim)
command -v g++ >/dev/null || need_apt+=(g++)
command -v node >/dev/null || need_apt+=(nodejs npm)
# The real-world corpus (exec/realworld) measures headers of these Debian packages;
# as root they are installed with the rest, otherwise its C/C++ cases skip and say so.
if [ "$(id -u)" = 0 ] && command -v dpkg-query >/dev/null; then
  for p in $(sed -n 's/^deb: *//p' exec/realworld/testdata/cxx.txtar); do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need_apt+=("$p")
  done
fi
if ((${#need_apt[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${need_apt[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "missing: ${need_apt[*]}; install them with: sudo apt-get install ${need_apt[*]}" >&2
    exit 1
  fi
fi

echo "== gofmt"
bad=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))
if [ -n "$bad" ]; then echo "gofmt needed on:"; echo "$bad"; exit 1; fi

echo "== go vet"
go vet ./...

echo "== go build"
mkdir -p bin
go build -o bin/lessonl ./cmd/lessonl
export PATH="$PWD/bin:$PATH"

# The real Ollama server (v0.17.4, built from its Go module and cached outside
# the checkout: ~6 min the first time) for the real-server suite.
echo "== real Ollama server"
LESSONL_OLLAMA_BIN="$(scripts/ollama-build.sh)"
export LESSONL_OLLAMA_BIN LESSONL_BIN="$PWD/bin/lessonl"

echo "== go test -race"
go test -race -count=1 -timeout 20m ./...

# Fuzz targets run briefly: their seed corpora run in every go test above. The
# budget is a count, not a duration: Go 1.26's fuzz coordinator can fail a
# duration budget with a spurious "context deadline exceeded" when the machine
# is loaded (go.dev/issue/75804, fixed in Go 1.27).
if [ -f scripts/fuzz-targets ]; then
  while read -r pkg target; do
    [ -n "$pkg" ] && [ "${pkg#\#}" = "$pkg" ] || continue
    echo "== fuzz $pkg $target"
    go test -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZTIME:-3000x}" "$pkg"
  done < scripts/fuzz-targets
fi

# Real LSP clients against the real server, then the editor clients; each owns its script.
for t in server/testdata/nodeclient/run.sh server/testdata/nvimclient/run.sh editors/vscode/test.sh editors/nvim/test.sh; do
  if [ -f "$t" ]; then echo "== $t"; LESSONL_BIN="$PWD/bin/lessonl" bash "$t"; fi
done
echo "== all tests passed"
