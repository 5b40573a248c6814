#!/usr/bin/env bash
# The seed's load profile (shop.yml) against a running platform, with its gates; writes the report under
# docs/benchmarks/ (LOAD_REPORT_DIR to choose another folder): load-<profile>.json (Artillery's own) and
# load-<profile>.html (latency and throughput over time).
#   tests/Load/run.sh [seed|smoke] [gateway URL]        defaults: seed, http://localhost:5080
#   tests/Load/run.sh install                            only install Artillery (./platform.sh test does, while it builds)
# The platform must take 200 shoppers from one address: start it with the per-IP anonymous limit raised,
#   ./platform.sh up --Parameters:ratelimit-anonymous-per-minute=100000
# Needs Node.js 22 or later and npm (./platform.sh test installs them); Artillery, pinned in package-lock.json, is
# installed into tests/Load/node_modules on the first run. Exits non-zero when a gate fails.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
profile=${1:-seed}
target=${2:-http://localhost:5080}
out=${LOAD_REPORT_DIR:-$here/../../docs/benchmarks}
mkdir -p "$out"
out=$(cd "$out" && pwd)
cd "$here"

command -v npm >/dev/null || { echo "Node.js and npm are needed: apt-get install nodejs npm" >&2; exit 1; }
if [ ! -x node_modules/.bin/artillery ]; then
  # Artillery's browser engine is not used here: no browser download.
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >&2
fi
[ "$profile" != install ] || exit 0

export ARTILLERY_DISABLE_TELEMETRY=true
status=0
node_modules/.bin/artillery run --environment "$profile" --target "$target" --output "$out/load-$profile.json" shop.yml || status=$?
gates=passed
[ "$status" -eq 0 ] || gates=failed
node report.mjs "$out/load-$profile.json" "$out/load-$profile.html" "$gates"
echo "report: $out/load-$profile.html (gates $gates)" >&2
exit "$status"
