#!/usr/bin/env bash
# Installs code-server (a real VS Code served to a browser) for the end-to-end
# tests, once per version, into a cache directory outside the checkout; later
# runs on the same machine find it there. Prints the code-server binary's path.
#
#   LESSONL_CODE_SERVER_CACHE=dir   where installs live (default ~/.cache/lessonl)
#
# Why it is done this way (each step fails without it on Debian 12 + Node 20):
# - 4.100.3 is the newest code-server whose engines field accepts Node 20.
# - Its own directory, not `npm install -g`: npm 11 fails a global install of it
#   with ENOTEMPTY while it renames its bundled node_modules.
# - Its postinstall builds native modules (node-pty, spdlog, kerberos, ...) with
#   node-gyp against the headers of the installed Node (npm_config_nodedir=/usr)
#   and the apt build tools below; node-pty runs `npx node-gyp`, which must not
#   prompt (npm_config_yes=true).
# - @vscode/ripgrep's postinstall downloads a ripgrep release from outside the
#   registries; it takes a cached archive first, so the cache is seeded with
#   Debian's ripgrep.
set -euo pipefail

version=4.100.3
ripgrep_pkg=1.15.11          # @vscode/ripgrep in code-server 4.100.3's shrinkwrap
ripgrep_asset=ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz
cache="${LESSONL_CODE_SERVER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lessonl}"
dir="$cache/code-server-$version"
bin="$dir/node_modules/.bin/code-server"

if [ -f "$dir/.installed" ] && [ -x "$bin" ]; then
  echo "$bin"
  exit 0
fi

need=()
for p in build-essential python3 pkg-config libsecret-1-dev libkrb5-dev libxkbfile-dev libx11-dev ripgrep; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || need+=("$p")
done
if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing ${need[*]}" >&2
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "code-server needs: ${need[*]}; install them with: sudo apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
if [ ! -d /usr/include/node ]; then
  echo "code-server's native modules need Node's headers in /usr/include/node (NodeSource's nodejs or Debian's libnode-dev)" >&2
  exit 1
fi

echo "== installing code-server $version into $dir (first run only; native builds take several minutes)" >&2
rm -rf "$dir"
mkdir -p "$dir/tmp/vscode-ripgrep-cache-$ripgrep_pkg"
tar -czf "$dir/tmp/vscode-ripgrep-cache-$ripgrep_pkg/$ripgrep_asset" -C "$(dirname "$(command -v rg)")" rg
echo '{"name":"lessonl-code-server","private":true}' >"$dir/package.json"
start=$SECONDS
if ! (cd "$dir" && TMPDIR="$dir/tmp" npm_config_nodedir=/usr npm_config_yes=true npm_config_unsafe_perm=true \
  npm install --no-audit --no-fund --no-save --loglevel=error "code-server@$version" >"$dir/install.log" 2>&1); then
  echo "code-server $version did not install; the end of $dir/install.log:" >&2
  tail -n 40 "$dir/install.log" >&2
  exit 1
fi
"$bin" --version >/dev/null
touch "$dir/.installed"
echo "== code-server $version installed in $((SECONDS - start)) s" >&2
echo "$bin"
