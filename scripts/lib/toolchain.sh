# Installs what the stack runs on: Node 24, pnpm, uv, Redis, PostgreSQL, and the JS and Python dependencies.
# shellcheck shell=bash

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

ensure_node() {
  local arch dir
  case "$(uname -m)" in x86_64) arch=x64 ;; aarch64 | arm64) arch=arm64 ;; *) die "no Node $NODE_VERSION build for $(uname -m)" ;; esac
  dir="$TOOLS_DIR/node/node_modules/node-linux-$arch/bin"
  if [[ -x "$dir/node" && "$("$dir/node" --version)" == "v$NODE_VERSION" ]]; then
    export PATH="$dir:$PATH"
  elif (($(node_major) >= 24)); then
    return 0
  else
    have npm || die "npm is needed to install Node $NODE_VERSION; install Node.js and npm first"
    step "Installing Node $NODE_VERSION (the system has $(node --version 2>/dev/null || echo none))" install-node \
      npm install --no-save --no-audit --no-fund --prefix "$TOOLS_DIR/node" "node-linux-$arch@$NODE_VERSION"
    export PATH="$dir:$PATH"
  fi
  (($(node_major) >= 24)) || die "Node 24 or newer is needed; found $(node --version)"
}

ensure_pnpm() {
  local bin="$TOOLS_DIR/pnpm/node_modules/.bin"
  if [[ ! -x "$bin/pnpm" || "$("$bin/pnpm" --version 2>/dev/null)" != "$PNPM_VERSION" ]]; then
    step "Installing pnpm $PNPM_VERSION" install-pnpm \
      npm install --no-save --no-audit --no-fund --prefix "$TOOLS_DIR/pnpm" "pnpm@$PNPM_VERSION"
  fi
  export PATH="$bin:$PATH"
}

find_python() {
  local candidate
  for candidate in python3.11 python3.12 python3.13 python3; do
    # sys.executable names the real interpreter behind shims such as pyenv's, so uv keeps the same one.
    if have "$candidate" &&
      "$candidate" -c 'import sys; sys.exit(not ((3, 11) <= sys.version_info[:2] < (3, 14)))' 2>/dev/null; then
      "$candidate" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  return 1
}

ensure_uv() {
  local target="$TOOLS_DIR/uv"
  PYTHON="$(find_python)" || die "Python 3.11 to 3.13 is needed for the pipeline; install python3.11"
  export UV_PYTHON="$PYTHON"
  if [[ ! -x "$target/bin/uv" || "$("$target/bin/uv" --version 2>/dev/null)" != "uv $UV_VERSION"* ]]; then
    rm -rf "$target"
    step "Installing uv $UV_VERSION with pip" install-uv \
      "$PYTHON" -m pip install --disable-pip-version-check --no-input --target "$target" "uv==$UV_VERSION"
  fi
  export PATH="$target/bin:$PATH"
}

apt_install() {
  if [[ -z "${APT_UPDATED:-}" ]]; then
    step "Updating the apt package lists" apt-update apt-get update
    APT_UPDATED=1
  fi
  step "Installing $* from apt" "apt-install" \
    env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$@"
}

postgres_bindir() {
  local dir
  dir="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)"
  if [[ -n "$dir" && -x "$dir/initdb" ]]; then echo "$dir"; return 0; fi
  if have initdb && have pg_ctl; then dirname "$(command -v initdb)"; return 0; fi
  return 1
}

# Redis and PostgreSQL come from the system: apt on Debian/Ubuntu as root, otherwise the user installs them
# or points REDIS_URL / DATABASE_URL at running servers.
ensure_system_packages() {
  local wanted=()
  [[ -z "$REDIS_EXTERNAL" ]] && ! have redis-server && wanted+=(redis-server)
  [[ -z "$POSTGRES_EXTERNAL" ]] && ! postgres_bindir >/dev/null && wanted+=(postgresql)
  ((${#wanted[@]} == 0)) && return 0
  if is_root && have apt-get; then
    apt_install "${wanted[@]}"
  else
    die "missing ${wanted[*]}. Install them (Debian/Ubuntu: sudo apt-get install ${wanted[*]}; macOS: brew install redis postgresql), or set REDIS_URL / DATABASE_URL to servers that are already running."
  fi
}

# The browser tests (Bull Board) drive Debian's Chromium with playwright-core; nothing is downloaded by Playwright.
ensure_chromium() {
  local found
  found="${CHROMIUM_PATH:-$(command -v chromium || command -v chromium-browser || true)}"
  if [[ -z "$found" ]]; then
    if is_root && have apt-get; then
      apt_install chromium
      found="$(command -v chromium)"
    else
      die "missing chromium, which the browser tests need. Install it (Debian/Ubuntu: sudo apt-get install chromium), or set CHROMIUM_PATH to a Chromium binary."
    fi
  fi
  export CHROMIUM_PATH="$found"
}

install_dependencies() {
  cd "$ROOT" || exit 1
  step "Installing JS dependencies from pnpm-lock.yaml" pnpm-install pnpm install --frozen-lockfile
  # Bytecode compiled now (about 10 s once, under 1 s after): uv leaves it to the first import, which made
  # the first jobs on a fresh machine pay about 4 s of compiling (the image does the same: worker.Dockerfile).
  step "Installing the Python pipeline environment from pipeline/uv.lock" uv-sync \
    uv sync --frozen --compile-bytecode --project "$ROOT/pipeline"
}

# $STATE_DIR/dev-env.sh: `source` it for the Node, pnpm and uv that setup chose, in your own shell.
write_dev_env() {
  cat >"$STATE_DIR/dev-env.sh" <<EOF
# Written by scripts/stack.sh setup: the stack's Node, pnpm and uv first on PATH (docs/development.md).
export PATH="$(dirname "$(command -v node)"):$TOOLS_DIR/pnpm/node_modules/.bin:$TOOLS_DIR/uv/bin:\$PATH"
export UV_PYTHON="$UV_PYTHON"
export UV_PYTHON_DOWNLOADS=never
EOF
}

# setup: everything the stack and the tests need, installed idempotently.
setup() {
  ensure_node
  ensure_pnpm
  ensure_uv
  write_dev_env
  ensure_system_packages
  install_dependencies
}
