#!/usr/bin/env bash
# Requests/s and latency of GET /api/catalog/items?pageSize=20 on 127.0.0.1 with wrk: through the
# gateway, to the catalog through Aspire's (DCP) endpoint proxy, and to the catalog's own Kestrel port.
#   tests/Benchmarks/catalog-throughput.sh [duration-seconds] [connections]   (default 20 s, 32)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/platform-process.sh"
duration=${1:-20}
connections=${2:-32}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

dotnet build "$repo/Ecommerce.Aspire.sln" -c Release -v quiet -nologo >/dev/null
data=$(mktemp -d /tmp/ecommerce-bench-XXXXXX)
trap 'stop_platform; rm -rf "$data"' EXIT
start_platform "$data"

catalog_pid=$(pgrep -f 'bin/Release/net10.0/Catalog.Api$' | head -n 1)
kestrel_port=$(ss -ltnpH | grep "pid=$catalog_pid," | awk '{print $4}' | sed 's/.*://' | head -n 1)

path='/api/catalog/items?pageSize=20'
echo "| target | requests/s | p50 | p99 |"
echo "|---|---|---|---|"
for target in "gateway|http://127.0.0.1:5080" "catalog via DCP proxy|http://127.0.0.1:5101" "catalog Kestrel direct|http://127.0.0.1:$kestrel_port"; do
  name=${target%%|*}
  url=${target#*|}$path
  wrk -t2 -c"$connections" -d5s "$url" >/dev/null # warm-up: JIT, pools, caches
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "$url")
  if grep -q "Non-2xx" <<<"$out"; then echo "$out" >&2; exit 1; fi
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  echo "| $name | $rps | $p50 | $p99 |"
done
