#!/usr/bin/env bash
# A cached product read, GET /api/catalog/items/1, with wrk on 127.0.0.1, against its anchors measured in the
# same run (issue 11): a bare minimal API answering from memory, and a bare one-hop YARP proxy in front of it
# (tests/Benchmarks/ProxyAnchor); then the same read through the gateway anonymously and signed in (JWT
# validation and the per-user limiters on every request), and to one catalog replica's own Kestrel port.
# Prints each target's figures and, for round 2, each one's throughput as a ratio to the YARP anchor.
#   tests/Benchmarks/item-read.sh [duration-seconds] [connections]   (default 20 s, 32; 10 s warm-up each, two rounds)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/platform-process.sh"
duration=${1:-20}
connections=${2:-32}
command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }

dotnet build "$repo/Ecommerce.Aspire.sln" -c Release -v quiet -nologo >/dev/null
anchor="$repo/tests/Benchmarks/ProxyAnchor/bin/Release/net10.0/ProxyAnchor"
data=$(mktemp -d /tmp/ecommerce-bench-XXXXXX)
anchors=()
cleanup() {
  [ "${#anchors[@]}" -eq 0 ] || kill "${anchors[@]}" 2>/dev/null || true
  [ -z "${PLATFORM_PID:-}" ] || stop_platform
  rm -rf "$data"
}
trap cleanup EXIT
backend_port=15201 proxy_port=15202
"$anchor" backend "$backend_port" & anchors+=($!)
"$anchor" proxy "$proxy_port" "http://127.0.0.1:$backend_port" & anchors+=($!)
start_platform_for_reads "$data"
catalog_port=$(catalog_replica_ports | sed -n 1p) # sed reads it all: head would end the writer with SIGPIPE, and pipefail the script
for port in "$backend_port" "$proxy_port"; do
  curl -sf -o /dev/null "http://127.0.0.1:$port/api/catalog/items/1" || { echo "anchor on $port does not answer" >&2; exit 1; }
done

path=/api/catalog/items/1
declare -A round2
echo "| round | target | requests/s | p50 | p99 |"
echo "|---|---|---|---|---|"
for round in 1 2; do
for target in "bare minimal API (anchor)|http://127.0.0.1:$backend_port|" \
              "one YARP hop (anchor)|http://127.0.0.1:$proxy_port|" \
              "gateway, anonymous|http://127.0.0.1:5080|" "gateway, signed in|http://127.0.0.1:5080|$ADMIN_TOKEN" \
              "one catalog replica, Kestrel direct|http://127.0.0.1:$catalog_port|"; do
  IFS='|' read -r name base bearer <<<"$target"
  wrk_row "$round" "$name" "$base$path" "$bearer" "$duration" "$connections"
  round2[$name]=$WRK_RPS # round 2 overwrites round 1
done
done
echo
echo "Round 2, throughput / one YARP hop:"
for name in "bare minimal API (anchor)" "gateway, anonymous" "gateway, signed in" "one catalog replica, Kestrel direct"; do
  printf '  %s: %.2f\n' "$name" "$(echo "${round2[$name]} / ${round2["one YARP hop (anchor)"]}" | bc -l)"
done
