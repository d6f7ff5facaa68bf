#!/usr/bin/env bash
# npm run package [-- --verify]: a production build, then wirelane-<version>.vsix at the repo root, made by
# @vscode/vsce under the cached Node 24 (vsce 4 needs Node >= 22; see scripts/setup-code-server.sh).
# The extension and server are bundles, so the .vsix carries no node_modules.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/setup-code-server.sh --print-env)"
version="$(node -p 'require("./package.json").version')"
out="wirelane-$version.vsix"

node scripts/build.mjs --production
rm -f "$out"
"$WIRELANE_NODE24" "$WIRELANE_TOOLS/@vscode/vsce/vsce" package --no-dependencies --allow-missing-repository --skip-license --no-rewrite-relative-links --out "$out" >&2

size=$(stat -c %s "$out")
listing="$(python3 -c 'import sys, zipfile; print("\n".join(n[len("extension/"):] for n in zipfile.ZipFile(sys.argv[1]).namelist() if n.startswith("extension/")))' "$out")"
if grep -Eq '^(src|test|node_modules|bench|scripts)/' <<<"$listing"; then
  echo "package: sources, tests or node_modules got into $out:" >&2
  grep -E '^(src|test|node_modules|bench|scripts)/' <<<"$listing" >&2
  exit 1
fi
if (( size >= 2 * 1024 * 1024 )); then
  echo "package: $out is $size bytes, over the 2 MB budget" >&2
  exit 1
fi
echo "$out ($((size / 1024)) KiB)"
echo "$listing" | sed 's/^/  /'
# Leave a development build behind (with source maps) for the tests that follow.
node scripts/build.mjs
if [[ "${1:-}" == "--verify" ]]; then
  # Install the .vsix into a fresh code-server and run the person-level test on it.
  node --import tsx test/integration/runInCodeServer.ts --only vsix --vsix "$out"
fi
