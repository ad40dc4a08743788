# shellcheck shell=bash
# The performance benchmarks (bench/), each printing its figures and ratios against a baseline measured in the
# same run; docs/performance.md lists what they measure. Sourced by scripts/stack.sh.

# name, full-size options, CI-size options
BENCHMARKS=(
  "submissions.mjs||--jobs=200 --rounds=1"
  "queue-monitoring.mjs||--jobs=2000 --rounds=1 --requests=50"
  "job-latency.mjs||--rounds=1"
  "mlflow-traffic.mjs||--small"
  "throughput.mjs||--jobs=8"
)

# run_benchmarks [--small]: every benchmark against the running services, its output also in
# $LOG_DIR/bench-<name>.log. --small runs each at a size that only shows it works (CI).
run_benchmarks() {
  local small=0 failed=0 entry name full ci options
  [[ "${1:-}" == "--small" ]] && small=1
  cd "$ROOT" || return 1
  for entry in "${BENCHMARKS[@]}"; do
    IFS='|' read -r name full ci <<<"$entry"
    options="$full"
    ((small)) && options="$ci"
    say "node bench/$name $options"
    # shellcheck disable=SC2086 # options are words
    if ! node "bench/$name" $options 2>&1 | tee "$LOG_DIR/bench-${name%.mjs}.log"; then
      failed=1
    fi
  done
  return "$failed"
}
