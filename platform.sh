#!/usr/bin/env bash
# The platform's two entry points, each doing its own set-up on a fresh machine:
#   ./platform.sh up     start the whole platform (AppHost + dashboard) and print its URLs; further
#                        arguments go to the AppHost (e.g. --Parameters:ratelimit-anonymous-per-minute=100000)
#   ./platform.sh test   run every test project and print "N passed, N failed, N skipped"
# Set-up: Debian's postgresql and redis-server when no container runtime answers (apt-get, as
# root), the repository's local dotnet tools (Aspire CLI, dotnet-ef, Kiota), and for `test` Node.js,
# npm and yamllint (the OpenAPI documents are linted with the pinned @redocly/cli, run through npx; the
# published Kubernetes manifests are validated with kubernetes-models and yamllint).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

container_runtime_answers() {
  local runtime=${ASPIRE_CONTAINER_RUNTIME:-docker}
  command -v "$runtime" >/dev/null 2>&1 && timeout 10 "$runtime" info >/dev/null 2>&1
}

local_servers_present() {
  compgen -G "/usr/lib/postgresql/*/bin/postgres" >/dev/null && command -v redis-server >/dev/null 2>&1
}

install_local_servers() {
  if local_servers_present; then
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "PostgreSQL and Redis are needed. Install them as root:"
    log "  sudo apt-get update && sudo apt-get install -y postgresql redis-server"
    exit 1
  fi
  log "Installing PostgreSQL and Redis (Debian packages)"
  # The AppHost starts its own servers on free ports; keep the packages' system services from
  # starting (policy-rc.d is Debian's switch for that) so nothing is left running behind us.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && own_policy=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends postgresql redis-server >/dev/null
  [ "$own_policy" -eq 1 ] && rm -f "$policy"
  return 0
}

install_test_tools() {
  # Node.js and npm lint the OpenAPI documents and validate the published Kubernetes manifests
  # (kubernetes-models); yamllint checks the manifests' YAML; Chromium runs the storefront's browser tests.
  local missing=()
  command -v npx >/dev/null 2>&1 || missing+=(nodejs npm)
  command -v yamllint >/dev/null 2>&1 || missing+=(yamllint)
  # The storefront's browser tests drive Debian's Chromium (a test tool's own browser download does not work here).
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  if [ "${#missing[@]}" -eq 0 ]; then
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "The tests need ${missing[*]}. Install them as root:"
    log "  sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  log "Installing ${missing[*]} (Debian packages)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  hash -r
}

install_node_22() {
  # Artillery (tests/Load) needs Node.js 22.18 or later; Debian 12's own is 18. The npm package `node`
  # installs the Node.js binary from the npm registry, into /usr/local (its bin is ahead of /usr/bin on
  # PATH): npm's own prefix may be /usr, where the older node's /usr/bin/node is in the way (EEXIST).
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -ge 22 ]; then
    return
  fi
  if [ "$(id -u)" -ne 0 ]; then
    log "The load test needs Node.js 22 or later (this one is $major). Install it as root: sudo npm install -g --prefix /usr/local node@22"
    exit 1
  fi
  log "Installing Node.js 22 (npm package node@22; this machine has Node.js $major)"
  npm install -g --prefix /usr/local --no-audit --no-fund --loglevel=error node@22 >/dev/null
  hash -r
}

setup() {
  command -v dotnet >/dev/null || { log "The .NET SDK is required: https://dot.net"; exit 1; }
  if [ "${Infrastructure__Mode:-auto}" = "local" ] || ! container_runtime_answers; then
    install_local_servers
  fi
  log "Restoring local dotnet tools (Aspire CLI, dotnet-ef)"
  # A first restore on an empty package cache can fail part-way (seen once here); a second one completes it.
  dotnet tool restore >/dev/null || dotnet tool restore >/dev/null
}

# Sums the counters of every TRX file under $1 and prints the closing line.
summarize() {
  local dir=$1 passed=0 failed=0 skipped=0 files=0 trx counters
  while IFS= read -r -d '' trx; do
    files=$((files + 1))
    counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
    value() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
    passed=$((passed + $(value passed)))
    failed=$((failed + $(value failed) + $(value error) + $(value timeout) + $(value aborted)))
    skipped=$((skipped + $(value notExecuted)))
  done < <(find "$dir" -name '*.trx' -print0)
  if [ "$files" -eq 0 ]; then
    failed=$((failed + 1)) # no results at all is a failure, never a silent pass
  fi
  echo "$passed passed, $failed failed, $skipped skipped"
  [ "$failed" -eq 0 ]
}

# True when a file the platform is built from changed since the last build `up` made (or there was none).
# A fresh checkout or `git checkout` gives files new times, so they count as changed too.
sources_changed() {
  local stamp=$1
  [ -f "$stamp" ] || return 0
  [ -n "$(find AppHost ServiceDefaults services functions Directory.Build.props Directory.Packages.props global.json \
    -newer "$stamp" -not -path '*/bin/*' -not -path '*/obj/*' -print -quit)" ]
}

case "${1:-}" in
  up)
    setup
    # Release, as a user measures it and as `test` builds it; an IDE or `dotnet run --project AppHost`
    # gives a Debug build instead.
    configuration=Release
    apphost="AppHost/bin/$configuration/net10.0/AppHost"
    stamp="AppHost/bin/$configuration/net10.0/.platform-up-build"
    if sources_changed "$stamp" || [ ! -x "$apphost" ]; then
      log "Building ($configuration)"
      dotnet build AppHost -c "$configuration" -v quiet -nologo
      touch "$stamp"
    else
      log "Nothing changed since the last build: not building"
    fi
    log "Starting the platform: dashboard http://localhost:15080 (login link below), gateway http://localhost:5080"
    # The AppHost's own executable, not `dotnet run`: no SDK process stays beside it. The settings are
    # those of its launch profile "http" (AppHost/Properties/launchSettings.json, for IDEs and dotnet run).
    export ASPNETCORE_ENVIRONMENT=Development DOTNET_ENVIRONMENT=Development \
      ASPNETCORE_URLS=http://localhost:15080 ASPIRE_ALLOW_UNSECURED_TRANSPORT=true \
      ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL=http://localhost:19080 ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL=http://localhost:20080
    # The AppHost and the dashboard recompile their start-up code only after 300 calls, and their idle thread-pool
    # threads sleep at once instead of spinning first, as the AppHost has each service do (why: AppHost.cs).
    export DOTNET_TC_CallCountThreshold=${DOTNET_TC_CallCountThreshold:-300} \
      DOTNET_ThreadPool_UnfairSemaphoreSpinLimit=${DOTNET_ThreadPool_UnfairSemaphoreSpinLimit:-0}
    exec "$apphost" "${@:2}"
    ;;
  test)
    setup
    install_test_tools
    install_node_22
    results="$root/TestResults"
    rm -rf "$results"
    # The npm packages the tests run (Artillery, the manifest validators) install while the solution
    # builds, not inside a test; a script whose packages are still missing installs them itself.
    npm_log=$(mktemp)
    { tests/Load/run.sh install && tests/Deployment.Tests/validate/validate.sh install; } >"$npm_log" 2>&1 &
    npm_install=$!
    log "Building"
    build_status=0
    dotnet build Ecommerce.Aspire.sln -c Release -v quiet -nologo || build_status=$?
    wait "$npm_install" || log "Installing the tests' npm packages failed (the tests try again): $(tail -n 5 "$npm_log")"
    rm -f "$npm_log"
    [ "$build_status" -eq 0 ] || exit "$build_status"
    status=0
    # IntegrationTests start whole platforms (15 processes each) and run alone: beside another test project
    # on two cores, a request could wait past the gateway's 10 s. The other projects run two at a time first.
    log "Running every test project but IntegrationTests"
    dotnet test Ecommerce.Aspire.sln -c Release --no-build --logger trx --results-directory "$results" \
      --logger "console;verbosity=minimal" --filter "FullyQualifiedName!~IntegrationTests." || status=$?
    log "Running IntegrationTests"
    dotnet test tests/IntegrationTests -c Release --no-build --logger trx --results-directory "$results" \
      --logger "console;verbosity=minimal" || status=$?
    summarize "$results" || status=1
    exit "$status"
    ;;
  *)
    echo "usage: $0 up|test" >&2
    exit 2
    ;;
esac
