#!/usr/bin/env bash
# The console's pages over a large database: the orders page filtered by status and one order's
# page, each measured by wrk on one connection (requests in sequence, so each latency is the
# server's time plus loopback), alternated with `/health` (this server's floor) for `rounds`
# rounds of `seconds` each. Prints each round's p50/p99 and, at the end, every round's p99.
#   Benchmarks/console.sh [orders, default 1000000] [rounds, default 3] [seconds, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
orders="${1:-1000000}"
rounds="${2:-3}"
seconds="${3:-5}"
port=18090
dir="$(mktemp -d /tmp/paysync-console-bench.XXXXXX)"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
PAYSYNC_BENCHMARKS=1 swift build -c release --product paysync-bench >/dev/null
PAYSYNC_BENCHMARKS=1 swift build -c release --product paysync >/dev/null
order="$(.build/release/paysync-bench prepare-console --directory "$dir" --orders "$orders")"
PAYSYNC_API_TOKEN=bench .build/release/paysync serve --config "$dir/paysync.json" --port "$port" >"$dir/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true; rm -rf "$dir"' EXIT
until curl -s "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.1; done

# Sign in as the bench operator: the sign-in form's token and cookie, then the session cookie.
jar="$dir/cookies"
token="$(curl -s -c "$jar" "http://127.0.0.1:$port/console/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p')"
curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "csrf=$token" --data-urlencode name=bench \
  --data-urlencode password=bench-password-1 "http://127.0.0.1:$port/console/login"
session="$(awk '$6 == "paysync_session" {print $7}' "$jar")"
[ -n "$session" ] || { echo "console.sh: sign-in failed" >&2; exit 1; }
cookie="Cookie: paysync_session=$session"
orders_page="/console/orders?status=paid"
order_page="/console/orders/$order"
for page in "$orders_page" "$order_page"; do
  status="$(curl -s -o /dev/null -w '%{http_code}' -H "$cookie" "http://127.0.0.1:$port$page")"
  [ "$status" = 200 ] || { echo "console.sh: $page answered $status" >&2; exit 1; }
done
rows="$(curl -s -H "$cookie" "http://127.0.0.1:$port$orders_page" | grep -c 'class="status s-paid"')"
timeline="$(curl -s -H "$cookie" "http://127.0.0.1:$port$order_page" | grep -c '<tr class="t-')"
echo "$orders orders; the orders page shows $rows paid orders, the order page $timeline timeline entries"

measure() { # path -> "p50 p99" in ms
  wrk -t1 -c1 -d"${seconds}s" --latency -H "$cookie" "http://127.0.0.1:$port$1" | awk '
    function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
    $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) } END { printf "%.2f %.2f", p50, p99 }'
}
all=""
for round in $(seq 1 "$rounds"); do
  health="$(measure /health)"
  list="$(measure "$orders_page")"
  one="$(measure "$order_page")"
  echo "round $round: p50/p99 ms — /health $health · orders?status=paid $list · order $one"
  all="$all $(echo "$list" | cut -d' ' -f2)/$(echo "$one" | cut -d' ' -f2)"
done
echo "p99 (orders page/order page) by round, target <= 50 ms each:$all"
