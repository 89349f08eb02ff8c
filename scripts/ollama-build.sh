#!/usr/bin/env bash
# Builds the pinned real Ollama server from its Go module and prints the binary's
# path. The binary is cached outside the checkout, keyed by version, so only the
# first run pays the build (about 6 minutes on a quiet 2-core machine).
#
# Plain `go install github.com/ollama/ollama@VERSION` fails: module zips drop
# llama.cpp's vendor headers. Debian's nlohmann-json3-dev and libstb-dev supply
# two of them; miniaudio.h ships in the github.com/gen2brain/malgo module. They
# reach the cgo build through CGO_CPPFLAGS.
#
# Environment: OLLAMA_VERSION (default v0.17.4), LESSONL_OLLAMA_CACHE (default
# ${XDG_CACHE_HOME:-$HOME/.cache}/lessonl/ollama-$OLLAMA_VERSION).
set -euo pipefail

version="${OLLAMA_VERSION:-v0.17.4}"
malgo="github.com/gen2brain/malgo@v0.11.24"
cache="${LESSONL_OLLAMA_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lessonl/ollama-$version}"
bin="$cache/ollama"

if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
mkdir -p "$cache"

# One build at a time per cache directory: a second caller waits, then reuses it.
exec 9>"$cache/.lock"
flock 9
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi

missing=()
[ -f /usr/include/nlohmann/json.hpp ] || missing+=(nlohmann-json3-dev)
[ -f /usr/include/stb/stb_image.h ] || missing+=(libstb-dev)
command -v g++ >/dev/null || missing+=(g++)
if ((${#missing[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "ollama-build: installing ${missing[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "ollama-build: missing ${missing[*]}; install them with: sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Download outside any module so the caller's go.mod is untouched.
malgodir="$(cd "$work" && GOFLAGS=-mod=mod go mod download -json "$malgo" | sed -n 's/^\s*"Dir": "\(.*\)",$/\1/p')"
if [ ! -f "$malgodir/miniaudio.h" ]; then
  echo "ollama-build: miniaudio.h not found in $malgo (got dir '$malgodir')" >&2
  exit 1
fi
mkdir -p "$work/include"
ln -s "$malgodir" "$work/include/miniaudio"

echo "ollama-build: building ollama $version into $cache (several minutes)" >&2
start=$SECONDS
# No -g: debug info only slows the C++ build.
(cd "$work" &&
  GOBIN="$work/bin" CGO_ENABLED=1 \
    CGO_CPPFLAGS="-I/usr/include/stb -I$work/include ${CGO_CPPFLAGS:-}" \
    CGO_CFLAGS="${CGO_CFLAGS:--O2}" CGO_CXXFLAGS="${CGO_CXXFLAGS:--O2}" \
    GOFLAGS=-buildvcs=false \
    go install -trimpath -ldflags "-X github.com/ollama/ollama/version.Version=${version#v}" \
      "github.com/ollama/ollama@$version" >&2)
mv "$work/bin/ollama" "$bin.tmp"
mv "$bin.tmp" "$bin"
echo "ollama-build: built in $((SECONDS - start))s" >&2
echo "$bin"
