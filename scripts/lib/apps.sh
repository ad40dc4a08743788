# The api and worker as background processes of the local stack.
# shellcheck shell=bash

api_url() { echo "http://127.0.0.1:$API_PORT"; }
api_ready() { curl -fsS --max-time 5 "$(api_url)/health/ready" >/dev/null; }

build_apps() {
  cd "$ROOT" || exit 1
  step "Building the workspace (turbo)" build pnpm exec turbo run build
}

# The local stack's admin key: made once, kept in .ct/admin-key (readable by you only).
ensure_admin_key() {
  local file="$STATE_DIR/admin-key"
  if [[ -z "${CT_BOOTSTRAP_ADMIN_KEY:-}" ]]; then
    if [[ ! -s "$file" ]]; then
      (umask 077 && node -e 'process.stdout.write("ct_" + require("crypto").randomBytes(32).toString("base64url"))' >"$file")
    fi
    CT_BOOTSTRAP_ADMIN_KEY="$(cat "$file")"
  fi
  export CT_BOOTSTRAP_ADMIN_KEY
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
  ensure_admin_key
  # The audit trail's file transport (no IRIS configured): one JSON-lines file for the api and the worker.
  export AUDIT_FILE="${AUDIT_FILE:-$LOG_DIR/audit.jsonl}"
  start_app api
  start_app worker
  wait_until "the API at $(api_url)/health/ready" 60 "$LOG_DIR/api.log" api_ready
  grep -q 'worker ready' "$LOG_DIR/worker.log" 2>/dev/null ||
    wait_until "the worker to connect to Redis" 30 "$LOG_DIR/worker.log" grep -q 'worker ready' "$LOG_DIR/worker.log"
}

apps_down() {
  # The worker lets running jobs finish for WORKER_SHUTDOWN_GRACE_MS (30 s), then stops them for a retry.
  stop_daemon worker 60
  stop_daemon api
}

# A real training job through the API, followed to the end: the proof that the whole stack works.
run_demo_job() {
  say "Running a demo training job (examples/diabetes-lgbm.job.json) through the API"
  export CT_API_URL="$(api_url)" CT_API_KEY="$CT_BOOTSTRAP_ADMIN_KEY"
  node "$ROOT/apps/cli/dist/main.js" submit "$ROOT/examples/diabetes-lgbm.job.json" --watch ||
    die "the demo job did not succeed; see .ct/logs/worker.log"
  node "$ROOT/apps/cli/dist/main.js" models admin.diabetes-lgbm || die "the demo model is not in the registry"
}

run_continuous_training_demo() {
  say "Running the continuous-training loop of docs/continuous-training.md (scripts/demo-continuous-training.sh)"
  CT_API_URL="$(api_url)" CT_API_KEY="$CT_BOOTSTRAP_ADMIN_KEY" bash "$ROOT/scripts/demo-continuous-training.sh" ||
    die "the continuous-training demo did not run to its end; see .ct/logs/worker.log"
  say "Monitoring runs: $MLFLOW_TRACKING_URI (experiment ct/admin/points/monitoring); trigger history: ct pipelines triggers points"
}
