#!/usr/bin/env bash
# The local ct stack: one script for the README, the tests and CI.
#   setup                 install Node 24, pnpm, uv, Redis, PostgreSQL and the JS/Python dependencies
#   services up|down      start or stop Redis, PostgreSQL and MLflow on loopback ports
#   up                    setup, services, build, the api and worker, then a real training job end to end and
#                         the continuous-training loop of docs/continuous-training.md
#   down                  stop the api, the worker and the services
#   status                what runs and where
#   test                  setup (and Chromium for the browser tests), services, then every check and test
#                         suite; stops the services it started
#   bench [--small]       setup, services, build, then the performance benchmarks (bench/); --small: CI sizes
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/toolchain.sh"
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/apps.sh"
source "$ROOT/scripts/lib/bench.sh"
source "$ROOT/scripts/lib/docs.sh"

status() {
  # Tool paths only; nothing is installed by asking.
  [[ -d "$TOOLS_DIR/node" ]] && export PATH="$(ls -d "$TOOLS_DIR"/node/node_modules/node-linux-*/bin | head -n 1):$PATH"
  PG_BIN="$(postgres_bindir || echo /usr/bin)"
  echo "ct local stack (state in ${STATE_DIR})"
  service_status redis "$REDIS_URL" redis_answers
  service_status postgres "${DATABASE_URL%%//*}//…@${DATABASE_URL##*@}" postgres_answers
  service_status mlflow "$MLFLOW_TRACKING_URI" mlflow_answers
  service_status api "$(api_url)" api_ready
  service_status worker "pid file $RUN_DIR/worker.pid" pid_alive worker
}

show_ready() {
  say "Readiness of the API ($(api_url)/health/ready):"
  curl -fsS "$(api_url)/health/ready" | node -e 'process.stdin.pipe(process.stdout)'
  echo
  say "MLflow UI: $MLFLOW_TRACKING_URI"
  say "Admin API key (team admin): .ct/admin-key; try: curl -H \"Authorization: Bearer \$(cat .ct/admin-key)\" $(api_url)/v1/jobs"
  say "Stop everything with: bash scripts/stack.sh down"
}

run_tests() {
  local started_services=0 failed=0
  # Leave the machine as it was found: services this run starts, it also stops.
  redis_answers || started_services=1
  setup
  ensure_chromium
  services_up
  if ((started_services)) && [[ -z "${CT_KEEP_SERVICES:-}" ]]; then
    trap services_down EXIT
    export CT_SMOKE_MAY_STOP=1 # the smoke test may run the documented `stack.sh down` as its last check
  fi
  cd "$ROOT"
  rm -rf "$STATE_DIR/reports"
  mkdir -p "$STATE_DIR/reports"
  export CT_REPORT_DIR="$STATE_DIR/reports"
  say "Lint, typecheck, build and test every TypeScript package (turbo)"
  pnpm exec turbo run lint typecheck build test --output-logs=new-only || failed=1
  say "The fault suite, as docs/failure-modes.md gives it (real processes killed, paused and stopped)"
  # runs doc blocks: docs/failure-modes.md "## Failure modes" 1
  run_doc_block docs/failure-modes.md '## Failure modes' 1 || failed=1
  say "Lint and test the Python pipeline (ruff, pytest)"
  (cd pipeline && uv run --frozen ruff check . && uv run --frozen ruff format --check .) || failed=1
  (cd pipeline && uv run --frozen pytest --junitxml="$CT_REPORT_DIR/pytest.xml") || failed=1
  say "The README's first command: bash scripts/stack.sh up"
  bash "$ROOT/scripts/stack-smoke.sh" || failed=1
  node "$ROOT/scripts/test-summary.mjs" "$CT_REPORT_DIR" || failed=1
  return "$failed"
}

case "${1:-}" in
  setup) setup ;;
  services)
    case "${2:-up}" in
      up) setup; services_up ;;
      down) services_down ;;
      *) die "usage: stack.sh services up|down" ;;
    esac ;;
  up) setup; services_up; build_apps; apps_up; run_demo_job; run_continuous_training_demo; show_ready ;;
  down) apps_down; services_down ;;
  stop-apps) apps_down ;;
  status) status ;;
  test) run_tests ;;
  bench) setup; services_up; build_apps; run_benchmarks "${2:-}" ;;
  *) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
