#!/usr/bin/env bash
# Runs the MCP conformance server suite against an MCP endpoint with both pinned suite versions:
#   v0.1.16                 the 2025-era suite (active scenarios)
#   v0.2.0-alpha.12         --requirements 2026-07-28, then --requirements 2025-11-25
# Usage: tests/conformance/run.sh URL [extra conformance-CLI args]
# Env:   CONFORMANCE_OUT  directory for results (default: a new temp dir); one sub-directory per run,
#                         each with the CLI's per-scenario checks.json, cli.log and summary.json
#        WARDEN_NODE22    node >= 22 binary (default: tests/tools/node_modules/node/bin/node)
#        CONFORMANCE_EXPECTED_FAILURES  file of "<run-label> <scenario>" lines allowed to fail (XFAIL),
#                         e.g. tests/conformance/test-server.expected-failures
# Exit:  non-zero if any scored scenario fails in any run (extensions/pending are reported, not scored).
set -uo pipefail

if [[ $# -lt 1 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
url="$1"
shift

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools="$(cd "$here/../tools" 2>/dev/null && pwd || echo "$here/../tools")"
modules="$tools/node_modules"

node="${WARDEN_NODE22:-}"
if [[ -z "$node" && -x "$modules/node/bin/node" ]]; then
  node="$modules/node/bin/node"
fi
if [[ -z "$node" ]]; then
  echo "run.sh: no Node 22 found. Set WARDEN_NODE22 to a node >= 22 binary, or install the npm specs in" >&2
  echo "        tests/conformance/REQUIRED_NPM.txt into $tools (they include node@22)." >&2
  exit 2
fi
major="$("$node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if [[ "$major" -lt 22 ]]; then
  echo "run.sh: $node is Node ${major}; the conformance CLI needs Node 22 or newer (set WARDEN_NODE22)." >&2
  exit 2
fi

out="${CONFORMANCE_OUT:-$(mktemp -d -t warden-conformance.XXXXXX)}"
mkdir -p "$out"

failed=0
run() { # label package [cli args...]
  local label="$1" package="$2"
  shift 2
  local cli="$modules/$package/dist/index.js"
  if [[ ! -f "$cli" ]]; then
    echo "run.sh: $cli is missing; install the specs in tests/conformance/REQUIRED_NPM.txt into $tools" >&2
    failed=1
    return
  fi
  local dir="$out/$label"
  rm -rf "$dir"
  mkdir -p "$dir"
  echo "== $label: $package server --url $url $*"
  "$node" "$cli" server --url "$url" -o "$dir" "$@" >"$dir/cli.log" 2>&1
  local rc=$?
  "$node" "$here/lib/summarize.mjs" "$label" "$dir" "$dir/cli.log" "${CONFORMANCE_EXPECTED_FAILURES:-}" || failed=1
  # A CLI failure with nothing scored failing (e.g. a crash) must still fail the run.
  if [[ $rc -ne 0 && ! -s "$dir/summary.json" ]]; then
    failed=1
  fi
}

run "v0.1.16" "mcp-conformance-0.1.16" "$@"
run "v0.2.0-alpha.12-2026-07-28" "mcp-conformance-0.2.0-alpha.12" --requirements 2026-07-28 "$@"
run "v0.2.0-alpha.12-2025-11-25" "mcp-conformance-0.2.0-alpha.12" --requirements 2025-11-25 "$@"

echo "results: $out"
if [[ $failed -ne 0 ]]; then
  echo "conformance: FAILED (a scored scenario failed; details above and in $out/*/cli.log)"
  exit 1
fi
echo "conformance: all scored scenarios passed"
