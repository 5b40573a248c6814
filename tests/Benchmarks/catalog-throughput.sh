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
admin_password="Bench-$(openssl rand -hex 12)-1"
# Limits stay on, raised far above what wrk can send, so that every request pays for the limiter but
# none is rejected.
start_platform "$data" "--Parameters:admin-password=$admin_password" \
  --Parameters:ratelimit-user-per-minute=100000000 --Parameters:ratelimit-user-per-hour=100000000 \
  --Parameters:ratelimit-anonymous-per-minute=100000000

token=$(curl -sf -X POST http://127.0.0.1:5080/api/identity/login -H 'content-type: application/json' \
  -d "{\"email\":\"admin@ecommerce.local\",\"password\":\"$admin_password\"}" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])')

# Started as "dotnet …/Catalog.Api.dll" by the AppHost (not through the apphost executable).
catalog_pid=$(pgrep -f 'bin/Release/net10.0/Catalog.Api(\.dll)?$' | head -n 1)
kestrel_port=$(ss -ltnpH | grep "pid=$catalog_pid," | awk '{print $4}' | sed 's/.*://' | head -n 1)

path='/api/catalog/items?pageSize=20'
# Two rounds over the three targets: the first round also warms what the others share (the gateway's
# JIT and connection pools, every replica's caches), so compare within round 2.
echo "| round | target | requests/s | p50 | p99 |"
echo "|---|---|---|---|---|"
for round in 1 2; do
for target in "gateway, anonymous|http://127.0.0.1:5080|" "gateway, signed in|http://127.0.0.1:5080|$token" \
              "one catalog replica, Kestrel direct|http://127.0.0.1:$kestrel_port|"; do
  IFS='|' read -r name base bearer <<<"$target"
  url=$base$path
  header=()
  [ -n "$bearer" ] && header=(-H "Authorization: Bearer $bearer")
  wrk -t2 -c"$connections" -d10s "${header[@]}" "$url" >/dev/null # warm-up: JIT, pools, caches
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "${header[@]}" "$url")
  if grep -q "Non-2xx" <<<"$out"; then echo "$out" >&2; exit 1; fi
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  echo "| $round | $name | $rps | $p50 | $p99 |"
done
done
