#!/usr/bin/env bash
# CPU per forwarded call of two Warden builds (or one build under two environments), measured in turns
# against one test upstream. On a shared machine calls/s swings with everyone else's load; the CPU time a
# process spends per call swings much less, so this is how a change to Warden's per-call cost is judged.
#
#   WARDEN_A=/path/to/old/warden WARDEN_B=/path/to/new/warden bench/cpu-per-call.sh
#   ENV_B="DOTNET_gcServer=1" bench/cpu-per-call.sh          # one build, two environments
#
# Environment (defaults in brackets): WARDEN_A, WARDEN_B [src/Warden.Cli build]  ENV_A, ENV_B [none]
#   YAML_A, YAML_B [none]: warden.yaml sections appended for that side only, e.g. YAML_B=$'telemetry:\n  prometheus: false\n'
#   CONCURRENCY [16]  DURATION [6] seconds  WARMUP [3] seconds  ROUNDS [5]  ENDPOINT [test] | teststdio
# Round 0 (JIT warm-up of both Wardens) is run and not reported. For each round and build it prints calls/s,
# p50 and CPU milliseconds per call of Warden, of the upstream (stdio children included) and of the load
# generator, then the medians and minimums. Calls are counted as calls/s x (warmup + duration), the same for A and B.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CONCURRENCY=${CONCURRENCY:-16}
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-3}
ROUNDS=${ROUNDS:-5}
ENDPOINT=${ENDPOINT:-test}
RUN_DIR=$(mktemp -d "${TMPDIR:-/tmp}/warden-cpu.XXXXXX")
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT

start() {
  local name=$1
  shift
  setsid "$@" >"$RUN_DIR/$name.log" 2>&1 </dev/null &
  STARTED_PID=$!
  PIDS+=("$STARTED_PID")
}

# CPU ticks (user + system) of every process in PID's process group.
ticks() {
  local pgid total=0 pid
  pgid=$(ps -o pgid= "$1" | tr -d ' ')
  for pid in $(pgrep -g "$pgid"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

dotnet build bench/Warden.LoadGen -c Release -nologo -v quiet >&2
dotnet build tests/Warden.TestServer -c Release -nologo -v quiet >&2
if [[ -z ${WARDEN_A:-} || -z ${WARDEN_B:-} ]]; then
  dotnet build src/Warden.Cli -c Release -nologo -v quiet >&2
fi
WARDEN_A=${WARDEN_A:-$ROOT/src/Warden.Cli/bin/Release/net10.0/warden}
WARDEN_B=${WARDEN_B:-$ROOT/src/Warden.Cli/bin/Release/net10.0/warden}
LOADGEN=$ROOT/bench/Warden.LoadGen/bin/Release/net10.0/warden-loadgen
TEST_SERVER=$ROOT/tests/Warden.TestServer/bin/Release/net10.0/warden-test-server
QUIET=--Logging:LogLevel:Default=Warning

start upstream "$TEST_SERVER" --http --urls http://127.0.0.1:0 "$QUIET"
UPSTREAM_PID=$STARTED_PID
UPSTREAM_URL=
for _ in $(seq 150); do
  UPSTREAM_URL=$(sed -n 's/^LISTENING \(http[^ ]*\).*/\1/p' "$RUN_DIR/upstream.log" | head -n 1 | tr -d '\r')
  [[ -n $UPSTREAM_URL ]] && break
  sleep 0.2
done
[[ -n $UPSTREAM_URL ]] || { echo "the test server did not start" >&2; exit 1; }
cat >"$RUN_DIR/warden.yaml" <<YAML
servers:
  test:
    url: ${UPSTREAM_URL%/}/mcp
  teststdio:
    command: "$TEST_SERVER"
    args: ["--stdio", "$QUIET"]
YAML

declare -A PORT WARDEN_PID
for side in A B; do
  PORT[$side]=$((20000 + RANDOM % 20000))
  binary=WARDEN_$side environment=ENV_$side yaml=YAML_$side
  { cat "$RUN_DIR/warden.yaml"; printf '%s\n' "${!yaml:-}"; } >"$RUN_DIR/warden-$side.yaml"
  # shellcheck disable=SC2086 # ENV_x is a list of NAME=VALUE words
  start "warden-$side" env ${!environment:-} "${!binary}" serve --config "$RUN_DIR/warden-$side.yaml" --data "$RUN_DIR/data-$side" --urls "http://127.0.0.1:${PORT[$side]}"
  WARDEN_PID[$side]=$STARTED_PID
done
for side in A B; do
  for _ in $(seq 150); do (exec 3<>"/dev/tcp/127.0.0.1/${PORT[$side]}") 2>/dev/null && break; sleep 0.2; done
done

echo "A: ${WARDEN_A} ${ENV_A:-} ${YAML_A:+(+ $(tr '\n' ' ' <<<"$YAML_A"))}"
echo "B: ${WARDEN_B} ${ENV_B:-} ${YAML_B:+(+ $(tr '\n' ' ' <<<"$YAML_B"))}"
echo "c=$CONCURRENCY, /mcp/$ENDPOINT, ${WARMUP}s warmup + ${DURATION}s per turn, load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
: >"$RUN_DIR/rows"
for round in $(seq 0 "$ROUNDS"); do
  for side in A B; do
    w0=$(ticks "${WARDEN_PID[$side]}") u0=$(ticks "$UPSTREAM_PID")
    TIMEFORMAT="%U %S"
    { time "$LOADGEN" --target "$side=http://127.0.0.1:${PORT[$side]}/mcp/$ENDPOINT" --concurrency "$CONCURRENCY" \
      --duration "${DURATION}s" --warmup "${WARMUP}s" --mix small=80,large=20 \
      --small-tool slow_echo --small-args '{"message":"hi","delayMs":0}' --large-tool big_result --large-args '{"bytes":102400}' \
      --rounds 1 >"$RUN_DIR/loadgen.log" 2>&1 || true; } 2>"$RUN_DIR/time"
    w1=$(ticks "${WARDEN_PID[$side]}") u1=$(ticks "$UPSTREAM_PID")
    line=$(grep -E "round 1/1 $side: [0-9.]+ calls/s" "$RUN_DIR/loadgen.log" || true)
    if [[ -z $line ]]; then
      echo "round $round $side: failed: $(head -n 3 "$RUN_DIR/loadgen.log")"
      continue
    fi
    rate=$(sed -E 's/.*: ([0-9.]+) calls\/s.*/\1/' <<<"$line")
    p50=$(sed -E 's/.*p50 ([0-9.]+) ms.*/\1/' <<<"$line")
    ((round == 0)) && continue
    # The load generator's own CPU (user + system seconds, setup and preflight included) bounds what is left for the rest.
    awk -v r="$round" -v s="$side" -v rate="$rate" -v p50="$p50" -v w="$((w1 - w0))" -v u="$((u1 - u0))" -v l="$(awk '{print $1 + $2}' "$RUN_DIR/time")" \
      -v hz="$(getconf CLK_TCK)" -v secs="$((WARMUP + DURATION))" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
        calls = rate * secs
        printf "round %d %s %8.1f calls/s  p50 %7.3f ms  warden %.3f ms CPU/call  upstream %.3f ms CPU/call  loadgen %.3f ms CPU/call  load %s\n", r, s, rate, p50, 1000 * w / hz / calls, 1000 * u / hz / calls, 1000 * l / calls, load
      }' | tee -a "$RUN_DIR/rows"
  done
done

echo
for side in A B; do
  for column in 4 7 10 14 18; do
    grep " $side " "$RUN_DIR/rows" | awk -v c="$column" '{print $c}' | sort -g >"$RUN_DIR/col"
    n=$(wc -l <"$RUN_DIR/col")
    ((n > 0)) || continue
    median=$(awk -v n="$n" 'NR == int((n + 1) / 2) {print}' "$RUN_DIR/col")
    min=$(head -n 1 "$RUN_DIR/col")
    case $column in 4) name="calls/s" ;; 7) name="p50 ms" ;; 10) name="warden ms CPU/call" ;; 14) name="upstream ms CPU/call" ;; 18) name="loadgen ms CPU/call" ;; esac
    printf '%s %-22s median %9s  min %9s  (n=%d)\n' "$side" "$name" "$median" "$min" "$n"
  done
done
