# Sourced by the ingestion benchmarks: builds the release binaries, prepares `$orders` orders and
# signed callbacks of `$provider` in `$dir` (`prepare-ingest`, plus any `database_option`), starts
# `paysync serve` on `$port` (stopped on exit; its pid in `$server`) and waits until it answers.
# `server_ticks` prints the server's CPU time so far (user + system, in clock ticks);
# `wrk_requests` the requests completed in a wrk output given as its argument.
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
command -v sqlite3 >/dev/null || { apt-get update -qq && apt-get install -y -qq sqlite3; }
PAYSYNC_BENCHMARKS=1 swift build -c release --product paysync-bench >/dev/null
PAYSYNC_BENCHMARKS=1 swift build -c release --product paysync >/dev/null
.build/release/paysync-bench prepare-ingest --directory "$dir" --orders "$orders" --provider "$provider" ${database_option[@]+"${database_option[@]}"}
PAYSYNC_API_TOKEN=bench .build/release/paysync serve --config "$dir/paysync.json" --port "$port" >"$dir/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
until curl -s "http://127.0.0.1:$port/health" >/dev/null; do sleep 0.1; done
server_ticks() { awk '{print $14 + $15}' "/proc/$server/stat"; }
wrk_requests() { echo "$1" | awk '/requests in/ {print $1}'; }
