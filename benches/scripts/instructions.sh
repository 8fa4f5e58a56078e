#!/bin/bash
# Instructions per request of the localfront process, counted by callgrind: a figure that does
# not move with the machine's load (benches/README.md, "Tuning"), unlike req/s or CPU µs.
#
#   benches/scripts/instructions.sh [BINARY] [PATH] [SECONDS]
#   e.g. benches/scripts/instructions.sh target/release/localfront /cached/1k 12
#        benches/scripts/instructions.sh target/release/bench-pingora /pass/1k 10   # stock pingora
#        benches/scripts/instructions.sh target/release/localfront /fn/1k 12    # P3's request
#        PERF=1 benches/scripts/instructions.sh target/release/localfront /fn/1k 12
#
# Serves a CachingOptimized default behavior, a CachingDisabled `/pass/*` behavior and P3's `/fn/*`
# behavior (benches/run.py's: the viewer-request URL rewrite of benches/functions/p3-rewrite.js,
# /fn/X → /cached/X, then a cache hit) in front of the release bench-origin, warms the object,
# then counts instructions only while `wrk -c8` runs.
#
# With PERF=1 the binary runs without valgrind and `perf stat` counts context switches and task
# clock of the process while wrk runs: a thread hand-off costs wake-ups that callgrind does not
# count (and valgrind serialises threads, so it cannot show them).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BIN=$(realpath "${1:-$ROOT/target/release/localfront}")
P=${2:-/cached/1k}
SECS=${3:-12}
ORIGIN=$ROOT/target/release/bench-origin
D=$(mktemp -d /tmp/localfront-instructions.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
OPORT=$(free_port); LPORT=$(free_port)
cat >"$D/lf.toml" <<TOML
[server]
http_listen = "127.0.0.1:$LPORT"
threads = 1
grace_period = 0
[[distributions]]
id = "EINSTR"
[[distributions.origins]]
id = "origin"
domain_name = "127.0.0.1"
http_port = $OPORT
[distributions.default_cache_behavior]
target_origin_id = "origin"
cache_policy = "CachingOptimized"
[[distributions.cache_behaviors]]
path_pattern = "/pass/*"
target_origin_id = "origin"
cache_policy = "CachingDisabled"
[[distributions.cache_behaviors]]
path_pattern = "/fn/*"
target_origin_id = "origin"
function_associations = { viewer_request = "rewrite" }
[[functions]]
name = "rewrite"
code = "$ROOT/benches/functions/p3-rewrite.js"
TOML
cd "$D"
"$ORIGIN" "$OPORT" >origin.log 2>&1 &
OP=$!
# bench-pingora (P2's stock-pingora baseline) takes its ports as arguments instead of a config.
if [ "$(basename "$BIN")" = bench-pingora ]; then ARGS=("$LPORT" "$OPORT"); else ARGS=(serve --config "$D/lf.toml"); fi
if [ "${PERF:-}" = 1 ]; then
  RUST_LOG=warn "$BIN" "${ARGS[@]}" >lf.log 2>&1 &
else
  RUST_LOG=warn valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$D/callgrind.out.%p" \
    "$BIN" "${ARGS[@]}" >lf.log 2>&1 &
fi
VP=$!
trap 'kill $VP $OP 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do curl -s -o /dev/null "http://127.0.0.1:$LPORT$P" && break; sleep 1; done
for _ in 1 2 3 4 5; do curl -s -o /dev/null "http://127.0.0.1:$LPORT$P"; done
if [ "${PERF:-}" = 1 ]; then
  perf stat -e context-switches,task-clock -p $VP -o perf.out &
  PP=$!
  sleep 0.2
  wrk -t1 -c8 -d"${SECS}s" "http://127.0.0.1:$LPORT$P" >wrk.out 2>&1
  kill -INT $PP; wait $PP 2>/dev/null || true
  kill $VP; wait $VP 2>/dev/null || true
  n=$(grep -oP '\d+(?= requests in)' wrk.out)
  cs=$(awk '/context-switches/ {gsub(",", "", $1); print $1}' perf.out)
  ms=$(awk '/task-clock/ {gsub(",", "", $1); print $1}' perf.out)
  awk -v p="$P" -v n="$n" -v cs="$cs" -v ms="$ms" 'BEGIN {
    printf "%s: %d requests, %.3f context switches and %.2f µs task clock per request (perf stat)\n",
      p, n, cs / n, ms * 1000 / n }'
  exit 0
fi
callgrind_control -i on $VP >/dev/null
wrk -t1 -c8 -d"${SECS}s" "http://127.0.0.1:$LPORT$P" >wrk.out 2>&1
callgrind_control -i off $VP >/dev/null
callgrind_control -d $VP >/dev/null
sleep 1
kill $VP; wait $VP 2>/dev/null || true
ir=$(grep -h "^totals" "$D"/callgrind.out.* | awk '{s+=$2} END {print s}')
n=$(grep -oP '\d+(?= requests in)' wrk.out)
echo "$P: $n requests, $((ir / n)) instructions per request (profile: $(ls -S "$D"/callgrind.out.* | head -1))"
