#!/usr/bin/env bash
# Where the machine's CPU goes during a signed-in product read through the gateway (GET /api/catalog/items/1, wrk 2
# threads, 32 connections, 10 s warm-up, then 20 s measured, two rounds): wrk's figures and, over 18 s inside the
# measured run, the CPU of every process of the platform (wrk's own is not counted). Arguments go to the AppHost, e.g.
#   tests/Benchmarks/read-cpu.sh --Parameters:traces-per-second=100000000
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/platform-process.sh"
command -v wrk >/dev/null || { echo "wrk is needed: apt-get update && apt-get install wrk" >&2; exit 1; }
data=$(mktemp -d /tmp/ecommerce-bench-XXXXXX)
trap '[ -z "${PLATFORM_PID:-}" ] || stop_platform; rm -rf "$data"' EXIT
start_platform_for_reads "$data" "$@"
url=http://127.0.0.1:5080/api/catalog/items/1
for round in 1 2; do
  wrk -t2 -c32 -d10s -H "Authorization: Bearer $ADMIN_TOKEN" "$url" >/dev/null
  out=$(mktemp)
  wrk -t2 -c32 -d20s --latency -H "Authorization: Bearer $ADMIN_TOKEN" "$url" >"$out" &
  load=$!
  sleep 1 # wrk's threads started: measure inside its run (not synchronisation: the window is a sample)
  cpu=$(cpu_by_process 18 $(platform_pids))
  wait "$load"
  echo "round $round: $(awk '/^Requests\/sec/ {print $2}' "$out") req/s, p50 $(awk '$1 == "50%" {print $2}' "$out"), p99 $(awk '$1 == "99%" {print $2}' "$out")"
  echo "  $cpu"
  rm -f "$out"
done
