# The api and worker as background processes of the local stack.
# shellcheck shell=bash

api_url() { echo "http://127.0.0.1:$API_PORT"; }
api_ready() { curl -fsS --max-time 5 "$(api_url)/health/ready" >/dev/null; }

build_apps() {
  cd "$ROOT" || exit 1
  step "Building the workspace (turbo)" build pnpm exec turbo run build
}

start_app() {
  local name="$1" log="$LOG_DIR/$1.log"
  if pid_alive "$name"; then
    ok "$name already runs (pid $(cat "$RUN_DIR/$name.pid"))"
    return 0
  fi
  say "Starting the $name (log: ${log#"$ROOT"/})"
  start_daemon "$name" "$log" node "$ROOT/apps/$name/dist/main.js"
}

apps_up() {
  start_app api
  start_app worker
  wait_until "the API at $(api_url)/health/ready" 60 "$LOG_DIR/api.log" api_ready
  grep -q 'worker ready' "$LOG_DIR/worker.log" 2>/dev/null ||
    wait_until "the worker to connect to Redis" 30 "$LOG_DIR/worker.log" grep -q 'worker ready' "$LOG_DIR/worker.log"
}

apps_down() {
  stop_daemon worker
  stop_daemon api
}
