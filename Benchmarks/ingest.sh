#!/usr/bin/env bash
# Callback-ingestion benchmark: wrk against a release `paysync serve` on loopback, the raw HTTP
# ceiling (GET /health) and verified, durable callback ingestion measured in the same run.
# Usage: Benchmarks/ingest.sh [payzapp|codepay] [orders] [seconds] [connections] [sqlite|postgres] [rate]
# rate: callbacks per second, paced (Benchmarks/replay.lua); 0 (the default) sends as fast as answered.
# postgres: a throwaway server (scripts/with-postgres), or the one PAYSYNC_TEST_POSTGRES_URL names.
set -euo pipefail
cd "$(dirname "$0")/.."
provider=${1:-payzapp}
orders=${2:-100000}
seconds=${3:-10}
connections=${4:-64}
backend=${5:-sqlite}
rate=${6:-0}
if [ "$backend" = postgres ] && [ -z "${PAYSYNC_TEST_POSTGRES_URL:-}" ]; then exec scripts/with-postgres "$0" "$@"; fi
database_option=()
if [ "$backend" = postgres ]; then database_option=(--database "$PAYSYNC_TEST_POSTGRES_URL"); fi
dir=$(mktemp -d /tmp/paysync-bench.XXXXXX)
port=18100
source Benchmarks/serve-prepared.sh

# The server's CPU (user + system) per request of a run: the machine's speed drifts between runs
# (the same build's /health costs 22 µs in one minute and 32 µs in the next), so the ratio of the
# two runs' CPU per request says what a callback costs more steadily than their throughputs do.
report() { # wrk's output, the server's ticks before the run
  echo "$1" | grep -E "Requests/sec|50%|99%|Non-2xx|requests in"
  awk -v t="$(( $(server_ticks) - $2 ))" -v n="$(wrk_requests "$1")" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { printf "server CPU per request: %.1f µs\n", t * 1e6 / hz / n }'
}
echo "== raw ceiling: GET /health, $connections connections, ${seconds}s"
before=$(server_ticks)
report "$(wrk -t2 -c"$connections" -d"${seconds}s" --latency "http://127.0.0.1:$port/health")" "$before"
echo "== $provider callbacks on $backend (each distinct, validly signed, paying a pending order), $connections connections, ${seconds}s$([ "$rate" != 0 ] && echo ", paced at $rate/s")"
before=$(server_ticks)
report "$(BENCH_DIR=$dir BENCH_PROVIDER=$provider BENCH_THREADS=2 BENCH_RATE=$rate wrk -t2 -c"$connections" -d"${seconds}s" --latency -s Benchmarks/replay.lua \
  "http://127.0.0.1:$port")" "$before"
sleep 1
echo "== inbox verdicts and order states after the run"
counts="select 'inbox ' || verdict, count(*) from inbox group by verdict; select 'order ' || status, count(*) from orders group by status;"
if [ "$backend" = postgres ]; then
  schema=$(grep -o 'schema=[a-z0-9_]*' "$dir/paysync.json" | cut -d= -f2)
  psql -qAt "$PAYSYNC_TEST_POSTGRES_URL" -c "set search_path to $schema" -c "$counts"
else
  sqlite3 "$dir/paysync.sqlite" "$counts"
fi
