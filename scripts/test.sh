#!/usr/bin/env bash
# Runs Warden's whole test suite on a fresh machine: restores NuGet packages, builds, runs the tests.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
# npm test tools at the versions pinned in tests/tools/package-lock.json (conformance suites, Node 22,
# reference servers, TypeScript SDK, Inspector CLI). Skipped when the lock file has not changed since the last install.
if ! cmp -s tests/tools/package-lock.json tests/tools/node_modules/.warden-installed-lock; then
  (cd tests/tools && npm ci --no-audit --no-fund --loglevel=error && cp package-lock.json node_modules/.warden-installed-lock)
fi
dotnet build tests/Warden.TestServer/Warden.TestServer.csproj -c Release -nologo -v q
output="$(mktemp -t warden-test-output.XXXXXX)"
trap 'rm -f "$output"' EXIT
dotnet test tests/Warden.Tests/Warden.Tests.csproj -c Release -nologo --logger "console;verbosity=normal" 2>&1 | tee "$output" || true
# Repeat each failure's name, message and stack trace at the end, where a truncated CI log still shows them.
if grep -qE "^\s+Failed [A-Za-z]" "$output"; then
  echo "==== failed tests ===="
  awk '/^  Failed [A-Za-z]/{show=1} /^  (Passed|Skipped) [A-Za-z]/{show=0} /^\[xUnit/{show=0} show' "$output" | head -400
  echo "======================"
fi
# The plain summary line CI reads.
count() { grep -E "^\s+$1: +[0-9]+" "$output" | tail -1 | grep -oE "[0-9]+" || echo 0; }
passed=$(count Passed); failed=$(count Failed); skipped=$(count Skipped)
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
[ "$failed" = "0" ] && [ "$passed" -gt 0 ]
