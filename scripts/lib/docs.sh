# Documented command blocks, run as written: by stack.sh test (the fault suite) and by the smoke test.
# shellcheck shell=bash

# Bash block $3 (1-based) of the section under the heading $2 of the file $1, as written: the section ends at the
# next heading of the same or a higher level; a line inside a fence is never a heading.
doc_block() {
  awk -v heading="$2" -v n="$3" '
    fence && $0 == "```" { fence = 0; if (copying) exit; next }
    fence { if (copying) print; next }
    /^```/ { fence = 1; if (inside && $0 == "```bash" && ++block == n) copying = 1; next }
    /^#+ / {
      level = index($0, " ") - 1
      if (inside && level <= start) exit
      if ($0 == heading) { inside = 1; start = level }
    }' "$ROOT/$1"
}

# run_doc_block FILE HEADING N: the block run from the checkout in the environment of a user's shell (the API
# address and key of the scripts are not set there), its output into $DOC_BLOCK_LOG (default: the terminal).
run_doc_block() {
  local block
  block="$(doc_block "$@")"
  [[ -n "$block" ]] || return 1
  (cd "$ROOT" && unset CT_API_URL CT_API_KEY && bash -euo pipefail -c "$block") >>"${DOC_BLOCK_LOG:-/dev/stdout}" 2>&1
}
