#!/usr/bin/env bash
# An order read, GET /api/orders/{id} signed in (what the order page polls until a checkout ends), with wrk on
# 127.0.0.1 through the gateway and to Ordering's own Kestrel port, two rounds; the platform started with its
# rate limits raised far above what wrk sends.
#   tests/Benchmarks/order-read.sh [duration-seconds] [connections]   (default 20 s, 32; 10 s warm-up each)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/platform-process.sh"
duration=${1:-20}
connections=${2:-32}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get update && apt-get install wrk" >&2; exit 1; }
data=$(mktemp -d /tmp/ecommerce-bench-XXXXXX)
trap '[ -z "${PLATFORM_PID:-}" ] || stop_platform; rm -rf "$data"' EXIT
start_platform_for_reads "$data"
order=$(place_order "$ADMIN_TOKEN")
ordering=$(pgrep -f 'Ordering.Api.dll$')
ordering_port=$(ss -ltnpH | grep "pid=$ordering," | awk '{print $4}' | sed 's/.*://' | sed -n 1p)
echo "| round | target | requests/s | p50 | p99 |"
echo "|---|---|---|---|---|"
for round in 1 2; do
  wrk_row "$round" "gateway" "http://127.0.0.1:5080/api/orders/$order" "$ADMIN_TOKEN" "$duration" "$connections"
  wrk_row "$round" "Ordering, Kestrel direct" "http://127.0.0.1:$ordering_port/api/orders/$order" "$ADMIN_TOKEN" "$duration" "$connections"
done
