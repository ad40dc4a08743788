# Shared by every stack script: where things live, how steps report, the environment the apps see.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STATE_DIR="${CT_STATE_DIR:-$ROOT/.ct}"
TOOLS_DIR="$STATE_DIR/tools"
DATA_DIR="$STATE_DIR/data"
LOG_DIR="$STATE_DIR/logs"
RUN_DIR="$STATE_DIR/run"
mkdir -p "$TOOLS_DIR" "$DATA_DIR" "$LOG_DIR" "$RUN_DIR"

# Pinned tool versions: change them here only.
NODE_VERSION="24.21.0"
PNPM_VERSION="12.4.2"
UV_VERSION="0.13.8"

# Loopback ports of the local stack; the defaults match LOCAL_DEFAULTS in packages/shared.
CT_REDIS_PORT="${CT_REDIS_PORT:-6390}"
CT_POSTGRES_PORT="${CT_POSTGRES_PORT:-5440}"
CT_MLFLOW_PORT="${CT_MLFLOW_PORT:-5050}"
API_PORT="${API_PORT:-3000}"

# A service named by the user's environment is used as it is; otherwise the stack runs its own. The URLs of the
# stack's own services are exported, and listed in CT_STACK_OWN_URLS: a stack script run from inside another
# (a documented block run by a test, `stack.sh up` inside `stack.sh test`) knows them for the stack's own.
external_url() { [[ -n "$1" && " ${CT_STACK_OWN_URLS:-} " != *" $1 "* ]] && echo 1 || true; }
REDIS_EXTERNAL="$(external_url "${REDIS_URL:-}")"
POSTGRES_EXTERNAL="$(external_url "${DATABASE_URL:-}")"
MLFLOW_EXTERNAL="$(external_url "${MLFLOW_TRACKING_URI:-}")"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:$CT_REDIS_PORT}"
export DATABASE_URL="${DATABASE_URL:-postgres://ct:ct@127.0.0.1:$CT_POSTGRES_PORT/ct}"
export MLFLOW_TRACKING_URI="${MLFLOW_TRACKING_URI:-http://127.0.0.1:$CT_MLFLOW_PORT}"
CT_STACK_OWN_URLS=""
[[ -n "$REDIS_EXTERNAL" ]] || CT_STACK_OWN_URLS+=" $REDIS_URL"
[[ -n "$POSTGRES_EXTERNAL" ]] || CT_STACK_OWN_URLS+=" $DATABASE_URL"
[[ -n "$MLFLOW_EXTERNAL" ]] || CT_STACK_OWN_URLS+=" $MLFLOW_TRACKING_URI"
export CT_STACK_OWN_URLS="${CT_STACK_OWN_URLS# }"
export API_PORT
export CT_PIPELINE_PYTHON="${CT_PIPELINE_PYTHON:-$ROOT/pipeline/.venv/bin/python}"
export CT_DATA_ROOT="${CT_DATA_ROOT:-$DATA_DIR/datasets}"
# Project directories that jobs may name (custom training functions, MLflow Projects): the shipped examples.
export CT_PROJECTS_ROOT="${CT_PROJECTS_ROOT:-$ROOT/pipeline/examples/projects}"
mkdir -p "$CT_DATA_ROOT"
export UV_PYTHON_DOWNLOADS=never
export TURBO_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1

if [[ -t 1 ]]; then BOLD=$'\e[1m'; RED=$'\e[31m'; GREEN=$'\e[32m'; DIM=$'\e[2m'; RESET=$'\e[0m'; else
  BOLD=''; RED=''; GREEN=''; DIM=''; RESET=''; fi

say() { printf '%s==>%s %s\n' "$BOLD" "$RESET" "$*"; }
ok() { printf '    %s%s%s\n' "$GREEN" "$*" "$RESET"; }
note() { printf '    %s%s%s\n' "$DIM" "$*" "$RESET"; }

# die MESSAGE [LOG]: stop with the reason and, when given, the end of the log that explains it.
die() {
  printf '%sFAILED:%s %s\n' "$RED$BOLD" "$RESET" "$1" >&2
  if [[ -n "${2:-}" && -f "$2" ]]; then
    printf '    last lines of %s:\n' "$2" >&2
    tail -n 25 "$2" | sed 's/^/    | /' >&2
  fi
  exit 1
}

# step TITLE LOGNAME COMMAND...: runs COMMAND with its output in $LOG_DIR/LOGNAME.log and says how it went.
step() {
  local title="$1" log="$LOG_DIR/$2.log"
  shift 2
  say "$title (log: ${log#"$ROOT"/})"
  local started=$SECONDS rc=0
  "$@" >"$log" 2>&1 || rc=$?
  if ((rc != 0)); then die "$title (exit code $rc; full log: $log)" "$log"; fi
  note "done in $((SECONDS - started))s"
}

# wait_until TITLE TIMEOUT_SECONDS LOG COMMAND...: polls COMMAND once a second until it succeeds.
wait_until() {
  local title="$1" timeout="$2" log="$3"
  shift 3
  say "Waiting for $title (up to ${timeout}s)"
  local deadline=$((SECONDS + timeout))
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then die "$title did not answer within ${timeout}s" "$log"; fi
    sleep 1
  done
  ok "$title answers"
}

is_root() { [[ "$(id -u)" == 0 ]]; }
have() { command -v "$1" >/dev/null 2>&1; }

# pid_alive NAME: the process recorded in $RUN_DIR/NAME.pid still runs.
pid_alive() {
  local pidfile="$RUN_DIR/$1.pid"
  [[ -f "$pidfile" ]] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# tcp_open HOST PORT: something accepts connections there.
tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

# url_host_port URL: prints "host port" of a URL with a default port per scheme.
url_host_port() {
  local url="$1" rest host port
  rest="${url#*://}"
  rest="${rest#*@}"
  rest="${rest%%/*}"
  host="${rest%%:*}"
  port="${rest##*:}"
  if [[ "$port" == "$rest" ]]; then
    case "$url" in redis*) port=6379 ;; postgres*) port=5432 ;; https*) port=443 ;; *) port=80 ;; esac
  fi
  printf '%s %s\n' "$host" "$port"
}

# start_daemon NAME LOG COMMAND...: runs COMMAND detached in its own session, output to LOG, pid recorded.
start_daemon() {
  local name="$1" log="$2"
  shift 2
  setsid "$@" </dev/null >>"$log" 2>&1 &
  echo $! >"$RUN_DIR/$name.pid"
}

# stop_daemon NAME [SECONDS]: SIGTERM to the process group, SIGKILL after SECONDS (default 15).
stop_daemon() {
  local name="$1" pidfile="$RUN_DIR/$1.pid" pid grace="${2:-15}"
  if ! pid_alive "$name"; then
    rm -f "$pidfile"
    return 0
  fi
  pid="$(cat "$pidfile")"
  say "Stopping $name (pid $pid)"
  kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 $((grace * 10))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    note "$name did not stop within ${grace}s; sending SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
