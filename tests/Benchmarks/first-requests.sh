#!/usr/bin/env bash
# The first signed-in requests of a just-started platform (empty data directory each time), in
# milliseconds (curl's time_total), one after the other:
#   gateway: an administrator's first three product creations through the gateway (each may reach a
#            different catalog replica: writes are balanced over all of them);
#   direct:  on a second start, each catalog replica's own port: its first signed-in request (the
#            administrators' dead-letter list, no database), then its first and second creation.
#   tests/Benchmarks/first-requests.sh [busy-loops]   (default 0: busy shell loops competing for the CPU)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/platform-process.sh"
loops=${1:-0}

dotnet build "$repo/Ecommerce.Aspire.sln" -c Release -v quiet -nologo >/dev/null
admin_password="Bench-$(openssl rand -hex 12)-1"
busy=()
data=""
cleanup() {
  [ "${#busy[@]}" -eq 0 ] || kill "${busy[@]}" 2>/dev/null || true
  [ -z "${PLATFORM_PID:-}" ] || stop_platform
  [ -z "$data" ] || rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 "$loops"); do (while :; do :; done) & busy+=($!); done

ms() { awk '{printf "%.0f", $1 * 1000}'; }
create() { # create BASE-URL TOKEN NAME → milliseconds, or the status when it was not 201
  curl -s -o /dev/null -w '%{http_code} %{time_total}' "$1/api/catalog/items" -H "authorization: Bearer $2" \
    -H 'content-type: application/json' -d "{\"name\":\"$3\",\"price\":1.5,\"categoryId\":1,\"brandId\":1}" |
    awk '$1 == 201 {printf "%.0f", $2 * 1000; next} {printf "HTTP %s", $1}'
}
for mode in gateway direct; do
  data=$(mktemp -d /tmp/ecommerce-bench-XXXXXX)
  start_platform "$data" "--Parameters:admin-password=$admin_password"
  token=$(admin_token "$admin_password")
  if [ "$mode" = gateway ]; then
    echo "gateway, first three creations (ms): $(create http://127.0.0.1:5080 "$token" a), $(create http://127.0.0.1:5080 "$token" b), $(create http://127.0.0.1:5080 "$token" c)"
  else
    for port in $(catalog_replica_ports); do
      list=$(curl -s -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port/events/deadletters" -H "authorization: Bearer $token" | ms)
      echo "replica on port $port (ms): first signed-in request $list, first creation $(create "http://127.0.0.1:$port" "$token" "d$port"), second $(create "http://127.0.0.1:$port" "$token" "e$port")"
    done
  fi
  stop_platform; PLATFORM_PID=""
  rm -rf "$data"; data=""
done
