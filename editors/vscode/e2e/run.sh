#!/usr/bin/env bash
# The extension in a real VS Code: code-server (installed once per version by
# install-code-server.sh) with the built lessonl.vsix, driven by puppeteer-core
# on Debian's chromium, against the real `lessonl serve` whose models are the
# scripted Ollama server (`lessonl ollamatest`). editors/vscode/test.sh runs
# it after building the .vsix.
#   LESSONL_BIN=path        the lessonl binary (default: built from this checkout)
#   LESSONL_E2E_VSIX=file   the extension to test (default: editors/vscode/lessonl.vsix)
#   LESSONL_E2E_OUT=dir     screenshots, code-server's and the extension's logs
#                           (default editors/vscode/e2e-out)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
ext="$(cd "$here/.." && pwd)"
repo="$(cd "$ext/../.." && pwd)"
out="${LESSONL_E2E_OUT:-$ext/e2e-out}"

if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "== installing chromium"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "the VS Code end-to-end tests need Debian's chromium: sudo apt-get install chromium" >&2
    exit 1
  fi
fi
vsix="${LESSONL_E2E_VSIX:-$ext/lessonl.vsix}"
[ -s "$vsix" ] || { echo "build the .vsix first (npm run package)" >&2; exit 1; }

start=$SECONDS
code_server="$(bash "$here/install-code-server.sh")"
echo "== code-server ready ($((SECONDS - start)) s): $code_server"

tmp="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$tmp"
}
trap cleanup EXIT

. "$ext/../testlib.sh"
lessonl_bin "$tmp/lessonl"

# The workspace a user would open: a Go module, a C++ file, and a Go file
# outside any module (a scratch copy), which the server must refuse up front.
ws="$tmp/ws"
mkdir -p "$ws/sum" "$ws/mins" "$ws/scratch"
cp "$repo/examples/sum/sum.go" "$ws/sum/"
printf 'module example.com/sum\n\ngo 1.22\n' >"$ws/sum/go.mod"
cp "$repo/examples/mins/mins.cpp" "$ws/mins/"
cp "$repo/examples/sum/sum.go" "$ws/scratch/"

# The scripted Ollama server (it exits with this script).
start_scripted_ollama "$bin" "$here/testdata/script.json" "$tmp"
ollama="$ollama_url"

# A fresh profile: workspace trust off (LessonL needs a trusted workspace), no
# welcome page, the extension pointed at this lessonl and the scripted team.
data="$tmp/data"
mkdir -p "$data/User" "$tmp/extensions" "$tmp/store"
cat >"$data/User/settings.json" <<EOF
{
  "security.workspace.trust.enabled": false,
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "editor.hover.delay": 300,
  "window.commandCenter": false,
  "lessonl.serverPath": "$bin",
  "lessonl.models": ["alpha:1b@$ollama", "beta:1b@$ollama"],
  "lessonl.rounds": 1,
  "lessonl.lessons": 2,
  "lessonl.store": "$tmp/store",
  "lessonl.timeout": "10m"
}
EOF
cs_args=(--user-data-dir "$data" --extensions-dir "$tmp/extensions")
"$code_server" "${cs_args[@]}" --install-extension "$vsix" >"$tmp/install-ext.log" 2>&1 ||
  { cat "$tmp/install-ext.log" >&2; exit 1; }

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
rm -rf "$out"
mkdir -p "$out"
"$code_server" "${cs_args[@]}" --auth none --bind-addr "127.0.0.1:$port" --disable-telemetry \
  --disable-update-check --disable-workspace-trust --disable-getting-started-override "$ws" \
  >"$out/code-server.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
  sleep 0.2
done

status=0
LESSONL_E2E_URL="http://127.0.0.1:$port/?folder=$ws" LESSONL_E2E_WS="$ws" LESSONL_E2E_OUT="$out" \
  LESSONL_E2E_LOGS="$data/logs" LESSONL_E2E_CHROMIUM="$(command -v chromium)" \
  node --test --test-concurrency=1 "$here/vscode.e2e.mjs" || status=$?
# The extension's log as VS Code writes it (the Output panel's "LessonL").
find "$data/logs" -name 'LessonL.log' -exec cp {} "$out/extension.log" \; 2>/dev/null || true
cp "$tmp/ollama.err" "$out/ollama.log" 2>/dev/null || true
exec 3>&-
echo "== screenshots and logs in $out"
exit $status
