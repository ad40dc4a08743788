#!/usr/bin/env bash
# The continuous-training loop of docs/continuous-training.md ("## Continuous training"), run as written: its
# bash blocks, in order, in one shell (later blocks use what the first defines). Needs a running api and worker
# (stack.sh up); CT_API_URL and CT_API_KEY default to the local stack's.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/lib/docs.sh"

# Each block is preceded by a line that announces it.
# runs doc blocks: docs/continuous-training.md "## Continuous training" all
blocks=()
while block="$(doc_block docs/continuous-training.md '## Continuous training' $((${#blocks[@]} + 1)))" &&
  [[ -n "$block" ]]; do
  blocks+=("$block")
done
((${#blocks[@]} > 0)) || { echo "docs/continuous-training.md has no bash blocks under '## Continuous training'" >&2; exit 1; }
script=""
for i in "${!blocks[@]}"; do
  script+="echo \"==> continuous training, step $((i + 1)) of ${#blocks[@]}\""$'\n'"${blocks[i]}"$'\n'
done
cd "$ROOT"
exec bash -euo pipefail -c "$script"
