#!/usr/bin/env bash
# Measures the time from `./platform.sh up` to every resource healthy (the gateway's
# readiness waits on all of them), cold (empty data directory: initdb, migrations, seed) and warm
# (same data again), and the resident memory of the whole platform after it has been idle.
#   tests/Benchmarks/startup.sh [runs]       (default 3 of each)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/platform-process.sh"
runs=${1:-3}
idle=${IDLE_SECONDS:-30}

dotnet build "$repo/Ecommerce.Aspire.sln" -c Release -v quiet -nologo >/dev/null
echo "| run | cold start (s) | warm start (s) | idle RSS after ${idle}s (MiB) |"
echo "|---|---|---|---|"
for run in $(seq 1 "$runs"); do
  data=$(mktemp -d /tmp/ecommerce-bench-XXXXXX)
  start_platform "$data"; cold=$STARTUP_SECONDS; stop_platform
  start_platform "$data"; warm=$STARTUP_SECONDS
  sleep "$idle" # a measurement of the idle platform, not synchronisation
  rss=$(platform_rss_mib)
  stop_platform
  rm -rf "$data"
  printf '| %s | %.1f | %.1f | %s |\n' "$run" "$cold" "$warm" "$rss"
done
