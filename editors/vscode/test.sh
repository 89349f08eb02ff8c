#!/usr/bin/env bash
# Tests of the VS Code extension; scripts/test.sh runs this. Installs the locked
# npm packages (npm ci), type-checks, runs the unit and integration tests with
# Node's test runner, builds the .vsix offline, then runs it in a real VS Code
# (code-server, driven by chromium: e2e/run.sh; the first run on a machine
# installs code-server into ~/.cache/lessonl). Needs Node 20 and npm.
#   LESSONL_BIN=path   the lessonl binary for the end-to-end suite
#   LESSONL_VSCODE_E2E=0   skip the end-to-end suite (it needs root or chromium,
#                          code-server's build tools and a few minutes)
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "editors/vscode: node and npm are missing; install Node.js 20 or newer (e.g. from https://nodejs.org or NodeSource) with npm" >&2
  exit 1
fi
major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 20 ]; then
  echo "editors/vscode: Node $(node --version) is too old; @vscode/vsce 3.9 and the tests need Node 20 or newer" >&2
  exit 1
fi

echo "== npm ci"
npm ci --no-audit --no-fund --loglevel=error

echo "== type-check (tsc)"
npm run --silent typecheck

echo "== bundle (esbuild)"
npm run --silent bundle

echo "== unit and integration tests (node --test)"
npm run --silent build:test
node --test out/test/*.test.js

echo "== package (vsce)"
rm -f lessonl.vsix
npm run --silent package
test -s lessonl.vsix
# The .vsix must carry the bundle and the manifest, and nothing from node_modules or src.
files=$(npx --no-install vsce ls --no-dependencies)
for want in dist/extension.js package.json README.md LICENSE; do
  grep -qx "$want" <<<"$files" || { echo "editors/vscode: $want is missing from the .vsix:"; echo "$files"; exit 1; }
done
if grep -qE '^(src|test|node_modules|out)/' <<<"$files"; then
  echo "editors/vscode: the .vsix would ship sources or dependencies:"; echo "$files"; exit 1
fi
echo "== .vsix ok ($(du -h lessonl.vsix | cut -f1) lessonl.vsix)"

if [ "${LESSONL_VSCODE_E2E:-1}" = 0 ]; then
  echo "== real VS Code suite skipped (LESSONL_VSCODE_E2E=0)"
else
  echo "== real VS Code (code-server + chromium)"
  bash e2e/run.sh
fi
echo "== editors/vscode: ok"
