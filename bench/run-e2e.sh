#!/usr/bin/env bash
# End-to-end benchmark: the test upstream measured directly, through Warden and through supergateway,
# in one run of warden-loadgen (first target = baseline). Builds what it needs in Release, starts every
# server on 127.0.0.1, and stops everything it started on exit (normal, error or Ctrl+C).
#
#   bench/run-e2e.sh [extra warden-loadgen options, e.g. --rounds 3]
#
# Environment (defaults in brackets):
#   CONCURRENCY [1,16]  DURATION [10s]  WARMUP [5s]  MIX [small=80,large=20]
#   SMALL_TOOL [slow_echo]  SMALL_ARGS [{"message":"hi","delayMs":0}]  (the test server has no `echo`)
#   LARGE_TOOL [big_result]  LARGE_ARGS [{"bytes":102400}]
#   OUT [artifacts/bench/e2e-<utc-stamp>.md]
#   WARDEN_BIN   path of a built `warden` (default: build src/Warden.Cli); the Warden targets are skipped
#                when it cannot be built or does not listen within 30 s
#   BENCH_UPSTREAM [testserver] | everything: use @modelcontextprotocol/server-everything as the upstream
#                (for when tests/Warden.TestServer does not build; its figures are not comparable)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"

CONCURRENCY=${CONCURRENCY:-1,16}
DURATION=${DURATION:-10s}
# 5 s, not 2: supergateway runs one upstream process per session, and at 16 sessions each of them
# needs its own JIT warm-up; 2 s left its p50 several times worse than in steady state.
WARMUP=${WARMUP:-5s}
MIX=${MIX:-small=80,large=20}
# The test server has no `echo` tool; slow_echo with no delay is its small call.
SMALL_TOOL=${SMALL_TOOL:-slow_echo}
SMALL_ARGS=${SMALL_ARGS:-'{"message":"hi","delayMs":0}'}
LARGE_TOOL=${LARGE_TOOL:-big_result}
LARGE_ARGS=${LARGE_ARGS:-'{"bytes":102400}'}
OUT=${OUT:-artifacts/bench/e2e-$(date -u +%Y%m%dT%H%M%SZ).md}
BENCH_UPSTREAM=${BENCH_UPSTREAM:-testserver}
SUPERGATEWAY_VERSION=4.0.0 # must match bench/package.json
START_TIMEOUT=30

RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/warden-e2e.XXXXXX")
# Every service this script starts, and every process those start, inherits this marker; cleanup uses it
# to find grandchildren that escaped their process group (supergateway spawns its children detached).
# Builds do not get it: the build servers they leave behind are not ours to stop.
MARKER=WARDEN_E2E_RUN=$RUN_DIR
PIDS=()

log() { printf '[run-e2e] %s\n' "$*" >&2; }

cleanup() {
  local status=$? i pid deadline leftovers
  trap - EXIT INT TERM
  if [[ -n ${LOADGEN_PID:-} ]]; then
    kill -TERM "$LOADGEN_PID" 2>/dev/null || true
    deadline=$((SECONDS + 5))
    while alive "$LOADGEN_PID" && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL "$LOADGEN_PID" 2>/dev/null || true
  fi
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    pid=${PIDS[i]}
    # Each service was started with setsid, so its pid is also its process group id.
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  deadline=$((SECONDS + 10))
  for pid in "${PIDS[@]}"; do
    while alive "$pid" && ((SECONDS < deadline)); do sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  done
  leftovers=$(marked_pids)
  if [[ -n $leftovers ]]; then
    log "stopping leftover processes of this run: $leftovers"
    # shellcheck disable=SC2086
    kill -KILL $leftovers 2>/dev/null || true
  fi
  if ((status != 0)) && [[ -n ${OUT:-} ]] && compgen -G "$RUN_DIR/*.log" >/dev/null; then
    # Keep the services' logs to explain a failed target or run.
    mkdir -p "${OUT%.md}.logs" && cp "$RUN_DIR"/*.log "${OUT%.md}.logs/" && log "service logs kept in ${OUT%.md}.logs/"
  fi
  rm -rf "$RUN_DIR"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Pids whose environment carries this run's marker.
marked_pids() {
  local env_file pid
  for env_file in /proc/[0-9]*/environ; do
    pid=${env_file#/proc/}
    pid=${pid%/environ}
    if grep -qzxF -- "$MARKER" "$env_file" 2>/dev/null; then
      printf '%s ' "$pid"
    fi
  done
}

# True while PID runs; a child that exited but was not reaped yet (zombie) counts as gone.
alive() {
  [[ -r /proc/$1/stat ]] && [[ $(sed -E 's/^.*\) (.).*$/\1/' "/proc/$1/stat" 2>/dev/null) != Z ]]
}

# Starts "$@" in its own session/process group, output to $RUN_DIR/<name>.log; sets STARTED_PID.
start() {
  local name=$1
  shift
  setsid env "$MARKER" "$@" >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

free_port() {
  local port
  for _ in $(seq 100); do
    port=$((20000 + RANDOM % 20000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  log "no free port found on 127.0.0.1"
  return 1
}

# wait_for_port NAME PID PORT: true once 127.0.0.1:PORT accepts, false if PID dies or time runs out.
wait_for_port() {
  local name=$1 pid=$2 port=$3 deadline=$((SECONDS + START_TIMEOUT))
  while ((SECONDS < deadline)); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
    if ! alive "$pid"; then
      log "$name exited before listening; last lines of its log:"
      tail -n 20 "$RUN_DIR/$name.log" >&2 || true
      return 1
    fi
    sleep 0.2
  done
  log "$name did not listen on 127.0.0.1:$port within ${START_TIMEOUT}s; last lines of its log:"
  tail -n 20 "$RUN_DIR/$name.log" >&2 || true
  return 1
}

build() {
  log "building $1 (Release)"
  dotnet build "$1" -c Release -nologo -v quiet >&2
}

# --- build and install ---------------------------------------------------------------------------
build bench/Warden.LoadGen
LOADGEN=bench/Warden.LoadGen/bin/Release/net10.0/warden-loadgen

if [[ ! -d bench/node_modules ]]; then
  log "installing pinned npm tools (npm ci in bench/)"
  (cd bench && npm ci --no-audit --no-fund --loglevel=error)
fi
SUPERGATEWAY=(node --require "$ROOT/bench/loopback-only.cjs" "$ROOT/bench/node_modules/supergateway/dist/index.js")
EVERYTHING_JS=$ROOT/bench/node_modules/@modelcontextprotocol/server-everything/dist/index.js

# --- 1. the upstream, directly -------------------------------------------------------------------
LOADGEN_ARGS=()
NOTES=()
case $BENCH_UPSTREAM in
  testserver)
    if ! build tests/Warden.TestServer; then
      log "tests/Warden.TestServer does not build; fix it, or run with BENCH_UPSTREAM=everything"
      exit 1
    fi
    TEST_SERVER=$ROOT/tests/Warden.TestServer/bin/Release/net10.0/warden-test-server
    # Per-request Information logs (ASP.NET Core hosting, MCP SDK) would make the upstream, not the
    # proxies, the thing measured; every target gets the same quiet upstream.
    QUIET=--Logging:LogLevel:Default=Warning
    start upstream "$TEST_SERVER" --http --urls http://127.0.0.1:0 "$QUIET"
    UPSTREAM_PID=$STARTED_PID
    deadline=$((SECONDS + START_TIMEOUT))
    UPSTREAM_URL=
    while ((SECONDS < deadline)) && alive "$UPSTREAM_PID"; do
      UPSTREAM_URL=$(sed -n 's/^LISTENING \(http[^ ]*\).*/\1/p' "$RUN_DIR/upstream.log" | head -n 1 | tr -d '\r')
      [[ -n $UPSTREAM_URL ]] && break
      sleep 0.2
    done
    if [[ -z $UPSTREAM_URL ]]; then
      log "warden-test-server did not print 'LISTENING <url>' within ${START_TIMEOUT}s; its log:"
      tail -n 20 "$RUN_DIR/upstream.log" >&2 || true
      exit 1
    fi
    UPSTREAM_URL=${UPSTREAM_URL%/}/mcp
    STDIO_COMMAND=$TEST_SERVER
    STDIO_ARGS=(--stdio "$QUIET")
    NOTES+=("upstream: tests/Warden.TestServer (Release, log level Warning)")
    ;;
  everything)
    UPSTREAM_PORT=$(free_port)
    start upstream env "PORT=$UPSTREAM_PORT" node --require "$ROOT/bench/loopback-only.cjs" "$EVERYTHING_JS" streamableHttp
    wait_for_port upstream "$STARTED_PID" "$UPSTREAM_PORT" || exit 1
    UPSTREAM_URL=http://127.0.0.1:$UPSTREAM_PORT/mcp
    STDIO_COMMAND=node
    STDIO_ARGS=("$EVERYTHING_JS" stdio)
    # server-everything has no large-result tool, so 'large' echoes 50 KB (supergateway's body limit is 100 KB).
    printf '{"message":"%s"}' "$(head -c 51200 /dev/zero | tr '\0' x)" >"$RUN_DIR/large-args.json"
    SMALL_TOOL=echo SMALL_ARGS='{"message":"hi"}' LARGE_TOOL=echo LARGE_ARGS=@$RUN_DIR/large-args.json
    NOTES+=("upstream: @modelcontextprotocol/server-everything (fallback; large = echo of 50 KB each way)")
    ;;
  *)
    log "BENCH_UPSTREAM must be 'testserver' or 'everything', got '$BENCH_UPSTREAM'"
    exit 2
    ;;
esac
log "upstream listening at $UPSTREAM_URL"
TARGETS=(--target "direct=$UPSTREAM_URL")

# --- 2. Warden (optional) ------------------------------------------------------------------------
WARDEN=${WARDEN_BIN:-}
if [[ -z $WARDEN ]]; then
  if build src/Warden.Cli; then
    WARDEN=$ROOT/src/Warden.Cli/bin/Release/net10.0/warden
  else
    log "SKIPPING Warden: src/Warden.Cli does not build"
  fi
fi
WARDEN_TARGETS=()
if [[ -n $WARDEN && ! -x $WARDEN ]]; then
  log "SKIPPING Warden: '$WARDEN' does not exist or is not executable"
elif [[ -n $WARDEN ]]; then
  WARDEN_PORT=$(free_port)
  {
    # AUDIT_DURABILITY=batched measures what waiting for each audit commit (fsync) costs.
    if [[ -n ${AUDIT_DURABILITY:-} ]]; then
      echo "audit:"
      echo "  durability: $AUDIT_DURABILITY"
    fi
    echo "servers:"
    echo "  test:"
    echo "    url: $UPSTREAM_URL"
    echo "  teststdio:"
    echo "    command: \"$STDIO_COMMAND\""
    printf '    args: ['
    sep=
    for a in "${STDIO_ARGS[@]}"; do printf '%s"%s"' "$sep" "$a"; sep=', '; done
    echo ']'
  } >"$RUN_DIR/warden.yaml"
  start warden "$WARDEN" serve --config "$RUN_DIR/warden.yaml" --urls "http://127.0.0.1:$WARDEN_PORT"
  if wait_for_port warden "$STARTED_PID" "$WARDEN_PORT"; then
    log "warden listening on 127.0.0.1:$WARDEN_PORT"
    WARDEN_TARGETS=(--target "warden=http://127.0.0.1:$WARDEN_PORT/mcp/test"
      --target "warden-stdio=http://127.0.0.1:$WARDEN_PORT/mcp/teststdio")
    NOTES+=("warden: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- 2>/dev/null || echo '+dirty'), config servers test (HTTP) and teststdio (stdio), audit durability ${AUDIT_DURABILITY:-sync}")
  else
    log "SKIPPING Warden: it did not start (see above)"
  fi
fi

# --- 3. supergateway: the same upstream over stdio, exposed as Streamable HTTP ---------------------
SG_PORT=$(free_port)
SG_STDIO=$(printf '%q ' "$STDIO_COMMAND" "${STDIO_ARGS[@]}")
# --stateful: one stdio upstream per MCP session (stateless mode spawns a process per request);
# --logLevel none: at 'info' it logs every message, 100 KB results included.
start supergateway "${SUPERGATEWAY[@]}" --stdio "${SG_STDIO% }" --outputTransport streamableHttp \
  --stateful --port "$SG_PORT" --streamableHttpPath /mcp --logLevel none
wait_for_port supergateway "$STARTED_PID" "$SG_PORT" || exit 1
log "supergateway listening on 127.0.0.1:$SG_PORT"
NOTES+=("supergateway $SUPERGATEWAY_VERSION: stdio to Streamable HTTP, --stateful (one stdio upstream per session), --logLevel none")

# Target order: baseline, then Warden over HTTP, the stdio-fronting peers last.
TARGETS+=("${WARDEN_TARGETS[@]:0:2}" --target "supergateway=http://127.0.0.1:$SG_PORT/mcp" "${WARDEN_TARGETS[@]:2}")

# --- run -----------------------------------------------------------------------------------------
mkdir -p "$(dirname "$OUT")"
for note in "${NOTES[@]}"; do LOADGEN_ARGS+=(--note "$note"); done
log "running warden-loadgen; report: $OUT"
# In the background so that a signal interrupts `wait` at once instead of waiting for the run to end.
set +e
"$LOADGEN" "${TARGETS[@]}" --concurrency "$CONCURRENCY" --duration "$DURATION" --warmup "$WARMUP" \
  --mix "$MIX" --small-tool "$SMALL_TOOL" --small-args "$SMALL_ARGS" --large-tool "$LARGE_TOOL" \
  --large-args "$LARGE_ARGS" "${LOADGEN_ARGS[@]}" --out "$OUT" "$@" &
LOADGEN_PID=$!
wait "$LOADGEN_PID"
status=$?
LOADGEN_PID=
set -e
exit "$status"
