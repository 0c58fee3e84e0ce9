#!/usr/bin/env bash
# Callback ingestion with an endpoint subscribed to every event, against ingestion without one,
# interleaved: two `paysync serve` on two prepared databases (the same orders and callbacks), B
# with an endpoint delivering every event to a receiver process (`paysync-bench receiver-server`,
# 204 to everything), A with none. Each round sends callbacks to A for `seconds`, then to B; each
# slice replays callbacks no earlier slice sent to that server. Prints each round's rates and the
# ratio B/A, then all rounds'. B's deliveries run while B ingests, on the same two cores.
# Usage: Benchmarks/events-ingest-ratio.sh [orders (400000)] [slices (5)] [seconds (2)] [connections (128)]
set -euo pipefail
cd "$(dirname "$0")/.."
orders=${1:-400000}
slices=${2:-5}
seconds=${3:-2}
connections=${4:-128}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
PAYSYNC_BENCHMARKS=1 swift build -c release --product paysync-bench >/dev/null
PAYSYNC_BENCHMARKS=1 swift build -c release --product paysync >/dev/null
root=$(mktemp -d /tmp/paysync-events-ratio.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true' EXIT
start() { # dir port
  .build/release/paysync-bench prepare-ingest --directory "$1" --orders "$orders" --provider payzapp >/dev/null
  PAYSYNC_API_TOKEN=bench .build/release/paysync serve --config "$1/paysync.json" --port "$2" >"$1/serve.log" 2>&1 &
  pids+=($!)
  until curl -s "http://127.0.0.1:$2/health" >/dev/null; do sleep 0.1; done
}
start "$root/a" 18111
start "$root/b" 18112
.build/release/paysync-bench receiver-server --port 18202 >"$root/receiver.log" 2>&1 &
pids+=($!)
until curl -s -o /dev/null -X POST "http://127.0.0.1:18202/hooks"; do sleep 0.1; done
curl -s -X POST "http://127.0.0.1:18112/v1/endpoints" -H 'Authorization: Bearer bench' -H 'Content-Type: application/json' \
  -d '{"url":"http://127.0.0.1:18202/hooks"}' >/dev/null
per_slice=$(( 50000 * seconds ))
next() { sqlite3 "$1/paysync.sqlite" "select coalesce(max(cast(substr(merchant_order_number, 3) as integer)), -1) + 1 from inbox"; }
slice() { # dir port first
  BENCH_DIR=$1 BENCH_PROVIDER=payzapp BENCH_THREADS=2 BENCH_FIRST=$3 BENCH_COUNT=$per_slice \
    wrk -t2 -c"$connections" -d"${seconds}s" -s Benchmarks/replay.lua "http://127.0.0.1:$2" | awk '/requests in/ {sub(/s,$/, "", $4); print $1, $4}'
}
echo "== $slices rounds: ${seconds}s of callbacks without an endpoint, then ${seconds}s with one, $connections connections"
for round in $(seq 1 "$slices"); do
  a=$(slice "$root/a" 18111 "$(next "$root/a")")
  b=$(slice "$root/b" 18112 "$(next "$root/b")")
  echo "$a $b" >>"$root/rounds"
  sleep 0.5
done
awk '{ an += $1; at += $2; bn += $3; bt += $4
       printf "round %d: without %.0f /s, with an endpoint %.0f /s: %.1f %%\n", NR, $1 / $2, $3 / $4, 100 * ($3 / $4) / ($1 / $2) }
     END { printf "all rounds: without %.0f /s, with an endpoint %.0f /s: %.1f %%\n", an / at, bn / bt, 100 * (bn / bt) / (an / at) }' "$root/rounds"
sleep 2
echo "== events and deliveries on B after the run"
sqlite3 "$root/b/paysync.sqlite" "select 'events ' || count(*) from outbox; select 'deliveries ' || status, count(*) from deliveries group by status"
