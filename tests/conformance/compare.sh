#!/usr/bin/env bash
# Fails if any scenario that passed against the upstream directly fails through the gateway.
# Usage: tests/conformance/compare.sh DIRECT_RESULTS GATEWAY_RESULTS [ALLOWED_REGRESSIONS_FILE]
#        (each the CONFORMANCE_OUT directory of a tests/conformance/run.sh run)
# Env:   WARDEN_NODE22 as for run.sh (any node >= 18 works for the comparison itself).
set -euo pipefail

if [[ $# -lt 2 || $# -gt 3 ]]; then
  sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
node="${WARDEN_NODE22:-}"
if [[ -z "$node" && -x "$here/../tools/node_modules/node/bin/node" ]]; then
  node="$here/../tools/node_modules/node/bin/node"
fi
node="${node:-node}"
if ! command -v "$node" >/dev/null 2>&1; then
  echo "compare.sh: no node found; set WARDEN_NODE22" >&2
  exit 2
fi

exec "$node" "$here/lib/compare.mjs" "$@"
