#!/usr/bin/env bash
# The callback/ceiling ratio with both halves under the same machine conditions: `slices` rounds of
# GET /health for `seconds`, then callbacks for `seconds`, against one `paysync serve`. This
# machine's speed drifts from minute to minute (the same build's /health costs the server 22 µs of
# CPU in one run and 32 µs in the next), so one long ceiling run and one long callback run can land
# in different spells; interleaved short runs share them. Each callback slice replays callbacks no
# earlier slice sent (replay.lua's BENCH_FIRST/BENCH_COUNT), so every callback is a first delivery.
# Usage: Benchmarks/ingest-ratio.sh [payzapp|codepay] [orders] [slices] [seconds] [connections (default 128, as BENCHMARKS.md measures the targets)]
set -euo pipefail
cd "$(dirname "$0")/.."
provider=${1:-payzapp}
orders=${2:-400000}
slices=${3:-5}
seconds=${4:-2}
connections=${5:-128}
dir=$(mktemp -d /tmp/paysync-ratio.XXXXXX)
port=18101
source Benchmarks/serve-prepared.sh
elapsed() { echo "$1" | awk '/requests in/ {sub(/s,$/, "", $4); print $4}'; }
hz=$(getconf CLK_TCK)
first=0
# Lines a slice may use: each of wrk's threads takes every other one, and must not run out.
per_slice=$(( 50000 * seconds ))
echo "== $slices rounds of GET /health then $provider callbacks, ${seconds}s each, $connections connections"
for slice in $(seq 1 "$slices"); do
  before=$(server_ticks)
  health=$(wrk -t2 -c"$connections" -d"${seconds}s" "http://127.0.0.1:$port/health")
  middle=$(server_ticks)
  callbacks=$(BENCH_DIR=$dir BENCH_PROVIDER=$provider BENCH_THREADS=2 BENCH_FIRST=$first BENCH_COUNT=$per_slice \
    wrk -t2 -c"$connections" -d"${seconds}s" -s Benchmarks/replay.lua "http://127.0.0.1:$port")
  after=$(server_ticks)
  # One line per slice: /health requests, seconds, server ticks; callbacks, seconds, ticks.
  echo "$(wrk_requests "$health") $(elapsed "$health") $(( middle - before )) $(wrk_requests "$callbacks") $(elapsed "$callbacks") $(( after - middle ))" >>"$dir/slices"
  # The next slice starts past every callback this one sent: wrk's two threads take alternate
  # lines but need not keep level (one ran 40 % ahead of the other in a test run), and the
  # requests in flight when wrk stopped are not counted. Line n pays order B-n.
  sleep 0.5
  first=$(( $(sqlite3 "$dir/paysync.sqlite" "select coalesce(max(cast(substr(merchant_order_number, 3) as integer)), -1) from inbox") + 1 ))
done
awk -v hz="$hz" '
  { hn += $1; ht += $2; hc += $3; cn += $4; ct += $5; cc += $6
    printf "slice %d: /health %.0f req/s (%.1f µs of server CPU each), callbacks %.0f /s (%.1f µs each): %.1f %%\n",
      NR, $1 / $2, $3 * 1e6 / hz / $1, $4 / $5, $6 * 1e6 / hz / $4, 100 * ($4 / $5) / ($1 / $2) }
  END { printf "all slices: /health %.0f req/s, callbacks %.0f /s: %.1f %% (server CPU per request: /health %.1f µs, callback %.1f µs)\n",
      hn / ht, cn / ct, 100 * (cn / ct) / (hn / ht), hc * 1e6 / hz / hn, cc * 1e6 / hz / cn }' "$dir/slices"
sleep 1
echo "== inbox verdicts after the run (every callback a first delivery: no duplicate)"
sqlite3 "$dir/paysync.sqlite" "select 'inbox ' || verdict, count(*) from inbox group by verdict"
