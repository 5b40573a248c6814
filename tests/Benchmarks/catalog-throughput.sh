#!/usr/bin/env bash
# Requests/s and latency of GET /api/catalog/items?pageSize=20 on 127.0.0.1 with wrk: through the
# gateway anonymously, through the gateway signed in (JWT validation and the per-user rate limiter on
# every request), and to one catalog replica's own Kestrel port (no gateway, no proxy).
#   tests/Benchmarks/catalog-throughput.sh [duration-seconds] [connections]   (default 20 s, 32; 10 s warm-up each, two rounds)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/platform-process.sh"
duration=${1:-20}
connections=${2:-32}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

dotnet build "$repo/Ecommerce.Aspire.sln" -c Release -v quiet -nologo >/dev/null
data=$(mktemp -d /tmp/ecommerce-bench-XXXXXX)
trap 'stop_platform; rm -rf "$data"' EXIT
start_platform_for_reads "$data"
kestrel_port=$(catalog_replica_ports | sed -n 1p) # sed reads it all: head would end the writer with SIGPIPE, and pipefail the script

path='/api/catalog/items?pageSize=20'
# Two rounds over the three targets: the first round also warms what the others share (the gateway's
# JIT and connection pools, every replica's caches), so compare within round 2.
echo "| round | target | requests/s | p50 | p99 |"
echo "|---|---|---|---|---|"
for round in 1 2; do
  wrk_row "$round" "gateway, anonymous" "http://127.0.0.1:5080$path" "" "$duration" "$connections"
  wrk_row "$round" "gateway, signed in" "http://127.0.0.1:5080$path" "$ADMIN_TOKEN" "$duration" "$connections"
  wrk_row "$round" "one catalog replica, Kestrel direct" "http://127.0.0.1:$kestrel_port$path" "" "$duration" "$connections"
done
