#!/usr/bin/env bash
# Reconciler benchmark: N open PayZApp orders, every first check due at once; the reconciler claims
# and runs them against the in-process sandbox over loopback HTTP. Prints checks/s and peak RSS.
# Usage: Benchmarks/checks.sh [orders ...]   (default: 10000 100000 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
PAYSYNC_BENCHMARKS=1 swift build -c release --product paysync-bench >/dev/null
for orders in "${@:-10000 100000 1000000}"; do
  for n in $orders; do .build/release/paysync-bench checks --orders "$n" 2>/dev/null; done
done
