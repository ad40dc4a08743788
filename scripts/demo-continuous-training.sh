#!/usr/bin/env bash
# The continuous-training loop of docs/continuous-training.md ("## Continuous training"), run as written: its
# bash blocks, in order, in one shell (later blocks use what the first defines). Needs a running api and worker
# (stack.sh up); CT_API_URL and CT_API_KEY default to the local stack's.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Each block is preceded by a line that announces it.
# runs doc blocks: docs/continuous-training.md "## Continuous training" all
script="$(awk '
  /^## Continuous training$/ { inside = 1; next }
  inside && /^## / { exit }
  inside && /^```bash$/ { printf "echo \"==> continuous training, step %d of ${CT_DEMO_STEPS}\"\n", ++block; copying = 1; next }
  inside && /^```$/ { copying = 0; next }
  copying { print }
' docs/continuous-training.md)"
steps="$(grep -c '^echo "==> continuous training, step' <<<"$script" || true)"
[[ "$steps" -gt 0 ]] || { echo "docs/continuous-training.md has no bash blocks under '## Continuous training'" >&2; exit 1; }
CT_DEMO_STEPS="$steps" exec bash -euo pipefail -c "$script"
