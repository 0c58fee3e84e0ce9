#!/usr/bin/env bash
# Where a callback's CPU goes: per-thread CPU of `paysync serve` under wrk, measured over a steady
# window (seconds 8–14 of a 16 s PayZApp callback run), divided by the callbacks recorded meanwhile.
# Usage: Benchmarks/ingest-cpu.sh [orders]
set -euo pipefail
cd "$(dirname "$0")/.."
orders=${1:-200000}
dir=$(mktemp -d /tmp/paysync-cpu.XXXXXX)
port=18102
provider=payzapp
source Benchmarks/serve-prepared.sh
BENCH_DIR=$dir BENCH_PROVIDER=payzapp BENCH_THREADS=2 wrk -t2 -c64 -d16s -s Benchmarks/replay.lua "http://127.0.0.1:$port" >"$dir/wrk.out" &
load=$!
sleep 8
snapshot() {
  for t in /proc/$server/task/*; do echo "$(basename "$t") $(tr ' ' _ <"$t/comm") $(awk '{print $14+$15}' "$t/stat")"; done
  echo "callbacks $(sqlite3 "$dir/paysync.sqlite" 'select count(*) from inbox')"
  echo "machine $(awk '/^cpu /{print $2+$3+$4+$7+$8, $5}' /proc/stat)"
  echo "wrk $(awk '{print $14+$15}' /proc/$load/stat 2>/dev/null || echo 0)"
}
snapshot >"$dir/cpu0"
sleep 6
snapshot >"$dir/cpu1"
wait $load || true
python3 - "$dir/cpu0" "$dir/cpu1" "$(getconf CLK_TCK)" <<'PY'
import sys
def read(path):
    threads, other = {}, {}
    for line in open(path):
        parts = line.split()
        if parts[0] in ("callbacks", "machine", "wrk"): other[parts[0]] = list(map(int, parts[1:]))
        else: threads[parts[0]] = (parts[1], int(parts[2]))
    return threads, other
(t0, o0), (t1, o1) = read(sys.argv[1]), read(sys.argv[2])
tick = 1_000_000 / int(sys.argv[3])
n = o1["callbacks"][0] - o0["callbacks"][0]
busy, idle = o1["machine"][0] - o0["machine"][0], o1["machine"][1] - o0["machine"][1]
print(f"{n} callbacks in 6 s ({n / 6:,.0f}/s); machine {100 * busy / (busy + idle):.0f} % busy")
rows = sorted(((v - t0.get(t, (c, 0))[1]) * tick / max(n, 1), c, t) for t, (c, v) in t1.items())
for us, name, tid in reversed(rows):
    if us >= 1: print(f"  {name} (thread {tid}): {us:.0f} µs of CPU per callback")
print(f"  server total: {sum(r[0] for r in rows):.0f} µs; wrk: {(o1['wrk'][0] - o0['wrk'][0]) * tick / max(n, 1):.0f} µs")
PY
