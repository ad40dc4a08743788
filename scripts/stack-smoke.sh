#!/usr/bin/env bash
# Runs the README's first command and checks what it promises: the api, the worker, Redis, Postgres and
# MLflow all up, the MLflow UI answering. Stops the api and worker again if it started them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
source "$ROOT/scripts/lib/toolchain.sh"
source "$ROOT/scripts/lib/services.sh"
source "$ROOT/scripts/lib/apps.sh"
source "$ROOT/scripts/lib/docs.sh"
export DOC_BLOCK_LOG="$LOG_DIR/stack-smoke.log"

report="${CT_REPORT_DIR:-$STATE_DIR/reports}/stack-smoke.json"
mkdir -p "$(dirname "$report")"
passed=0
failed=0
check() {
  local title="$1"
  shift
  if "$@"; then
    ok "ok: $title"
    passed=$((passed + 1))
  else
    printf '    %sfailed: %s%s\n' "$RED" "$title" "$RESET"
    failed=$((failed + 1))
  fi
}

# What git sees changed or added in the checkout, contents included.
tree_state() { (cd "$ROOT" && git status --porcelain -uall && git diff) | sha1sum; }

# docs/development.md's loop (build, format, regenerate) as written, on a checkout it must leave as it was.
dev_loop_changes_nothing() {
  local before
  before="$(tree_state)"
  run_doc_block docs/development.md '## Development' 1 && [[ "$(tree_state)" == "$before" ]]
}

# Nothing of the stack answers (after the documented `stack.sh down`).
all_stopped() {
  PG_BIN="$(postgres_bindir)" || return 1
  ! api_ready 2>/dev/null && ! pid_alive worker && ! redis_answers && ! postgres_answers && ! mlflow_answers
}

apps_were_running=0
pid_alive api && apps_were_running=1
if ((apps_were_running == 0)); then trap 'bash "$ROOT/scripts/stack.sh" stop-apps' EXIT; fi

if bash "$ROOT/scripts/stack.sh" up >"$LOG_DIR/stack-smoke.log" 2>&1; then
  ok "ok: bash scripts/stack.sh up (log: ${LOG_DIR#"$ROOT"/}/stack-smoke.log)"
  passed=$((passed + 1))
  ready="$(curl -sS --max-time 10 "$(api_url)/health/ready" || true)"
  check "GET /health/ready says ready with nothing down" grep -q '"status":"ready","down":\[\]' <<<"$ready"
  check "the worker runs" pid_alive worker
  check "the MLflow UI answers" bash -c "curl -fsS --max-time 10 '$MLFLOW_TRACKING_URI/' | grep -qi '<title>mlflow'"
  check "a second build is all turbo cache hits" bash -c "cd '$ROOT' && pnpm exec turbo run build | grep -q 'FULL TURBO'"
  check "stack.sh up is idempotent" bash "$ROOT/scripts/stack.sh" up >>"$LOG_DIR/stack-smoke.log" 2>&1
  # runs doc blocks: README.md "## The first job with `ct`" 1
  check "the README's first job (its ct block) runs against the stack" \
    run_doc_block README.md '## The first job with `ct`' 1
  # runs doc blocks: docs/pipeline-spec.md "### Custom training code: functions and MLflow Projects" 2
  check "docs/pipeline-spec.md's MLflow REST block finds the demo job's model and champion" \
    run_doc_block docs/pipeline-spec.md '### Custom training code: functions and MLflow Projects' 2
  check "the audit benchmark runs (node bench/audit-throughput.mjs 5000)" \
    bash -c "cd '$ROOT' && node bench/audit-throughput.mjs 5000 >>'$LOG_DIR/stack-smoke.log' 2>&1"
  check "the schedules benchmark runs (node bench/pipeline-schedules.mjs, 20 pipelines, 5 s idle)" \
    bash -c "cd '$ROOT' && node bench/pipeline-schedules.mjs --pipelines=20 --idle=5 --requests=50 \
      >>'$LOG_DIR/stack-smoke.log' 2>&1"
  check "the scoring benchmark runs (node bench/scoring.mjs, 2000 rows, 1 round, 20000 monitored)" \
    bash -c "cd '$ROOT' && node bench/scoring.mjs --rows=2000 --rounds=1 --monitor-rows=20000 \
      >>'$LOG_DIR/stack-smoke.log' 2>&1"
  # runs doc blocks: docs/development.md "## Development" 1,2
  check "docs/development.md's build, format and regenerate loop runs as written and changes no file" \
    dev_loop_changes_nothing
  check "docs/development.md's one-package and one-file test block runs as written" \
    run_doc_block docs/development.md '## Development' 2
  # runs doc blocks: docs/performance.md "## Performance" 1
  check "docs/performance.md's benchmarks run at CI size, as written (stack.sh bench --small)" \
    run_doc_block docs/performance.md '## Performance' 1
  # Last, and only when this test run started the services itself: the documented block ends with `down`.
  if [[ -n "${CT_SMOKE_MAY_STOP:-}" ]] && ((apps_were_running == 0)); then
    # runs doc blocks: docs/local-stack.md "## What `stack.sh up` gives you" 1
    check "docs/local-stack.md's health, status and down block runs as written" \
      run_doc_block docs/local-stack.md '## What `stack.sh up` gives you' 1
    check "after stack.sh down, the api, worker, Redis, Postgres and MLflow are all stopped" all_stopped
  fi
else
  printf '    %sfailed: bash scripts/stack.sh up; its output:%s\n' "$RED" "$RESET"
  sed 's/^/    | /' "$LOG_DIR/stack-smoke.log"
  failed=$((failed + 1))
fi
# The README opens with the two commands; CI must run the second one exactly (stack.sh test runs the first).
# runs doc blocks: README.md "# ct: continuous training for ML models" 1
readme_commands="$(doc_block README.md '# ct: continuous training for ML models' 1 | sed 's/ *#.*//')"
check "README opens with 'bash scripts/stack.sh up' and 'bash scripts/stack.sh test'" \
  test "$readme_commands" = $'bash scripts/stack.sh up\nbash scripts/stack.sh test'
check ".ci/run calls the README's test command" grep -qx 'bash scripts/stack.sh test' "$ROOT/.ci/run"
printf '{"passed":%d,"failed":%d,"skipped":0}\n' "$passed" "$failed" >"$report"
((failed == 0))
