#!/usr/bin/env bash
# Reconciler benchmark: N open PayZApp orders, every first check due at once; the reconciler claims
# and runs them against the in-process sandbox over loopback HTTP. Prints checks/s and peak RSS.
# Usage: Benchmarks/checks.sh [orders ...]   (default: 10000 100000 1000000)
#        PAYSYNC_BENCH_BACKEND=postgres Benchmarks/checks.sh ...   (a throwaway server, or PAYSYNC_TEST_POSTGRES_URL's)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${PAYSYNC_BENCH_BACKEND:-sqlite}" = postgres ] && [ -z "${PAYSYNC_TEST_POSTGRES_URL:-}" ]; then exec scripts/with-postgres "$0" "$@"; fi
database_option=()
if [ "${PAYSYNC_BENCH_BACKEND:-sqlite}" = postgres ]; then database_option=(--database "$PAYSYNC_TEST_POSTGRES_URL"); fi
PAYSYNC_BENCHMARKS=1 swift build -c release --product paysync-bench >/dev/null
for orders in "${@:-10000 100000 1000000}"; do
  for n in $orders; do .build/release/paysync-bench checks --orders "$n" "${database_option[@]}" 2>/dev/null; done
done
