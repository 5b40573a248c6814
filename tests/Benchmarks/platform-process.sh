# Shared by the benchmark scripts: start the platform on a data directory as a user does (`./platform.sh up`:
# Release, built only when a source changed) and stop it. Source it; it defines start_platform,
# start_platform_for_reads, stop_platform, platform_pids, platform_rss_mib, cpu_ms_per_second, cpu_by_process, admin_token, place_order,
# catalog_replica_ports, wrk_row and PLATFORM_LOG.
# (Call them directly, not in $(...): they keep the platform's pid in PLATFORM_PID.)

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PLATFORM_LOG=${PLATFORM_LOG:-$(mktemp)}

# start_platform DATA_DIR [AppHost arguments...]: returns once the AppHost reports the gateway healthy;
# sets STARTUP_SECONDS.
start_platform() {
  local data=$1 start end
  shift
  chmod 755 "$data"
  start=$(date +%s.%N)
  # setsid execs the script, which execs the AppHost: the pid is the AppHost's.
  setsid "$repo/platform.sh" up --Infrastructure:Mode=local "--LocalInfrastructure:DataDirectory=$data" "$@" \
    >"$PLATFORM_LOG" 2>&1 &
  PLATFORM_PID=$!
  for _ in $(seq 1 1800); do
    if grep -q "The platform is up" "$PLATFORM_LOG"; then
      end=$(date +%s.%N)
      STARTUP_SECONDS=$(echo "$end - $start" | bc)
      return 0
    fi
    kill -0 "$PLATFORM_PID" 2>/dev/null || { cat "$PLATFORM_LOG" >&2; return 1; }
    sleep 0.1
  done
  echo "the platform did not come up in 180 s" >&2
  return 1
}

# Every process the platform runs: the AppHost's tree plus DCP's (DCP detaches from the AppHost).
platform_pids() {
  python3 - "$PLATFORM_PID" <<'PY'
import os, sys
root = int(sys.argv[1])
procs = {}
for pid in os.listdir('/proc'):
    if not pid.isdigit():
        continue
    try:
        stat = open(f'/proc/{pid}/stat').read()
        args = open(f'/proc/{pid}/cmdline', 'rb').read().replace(b'\0', b' ').decode(errors='replace')
    except OSError:
        continue
    ppid = int(stat[stat.rindex(')') + 2:].split()[1])
    procs[int(pid)] = (ppid, args)
roots = {root}
apphost = [p for p, (_, a) in procs.items() if 'AppHost' in a and p != root]
roots |= {p for p, (_, a) in procs.items() if '/dcp ' in a and any(f'--monitor {h}' in a for h in apphost + [root])}
seen, stack = set(), list(roots)
while stack:
    p = stack.pop()
    if p in seen or p not in procs:
        continue
    seen.add(p)
    stack += [c for c, (pp, _) in procs.items() if pp == p]
print(' '.join(map(str, sorted(seen))))
PY
}

# cpu_ms_per_second SECONDS PID...: the CPU those processes use over the next SECONDS, in ms of CPU per second (the
# total of cpu_by_process).
cpu_ms_per_second() {
  cpu_by_process "$@" | awk '{print $2}'
}

# memory_available_mib: MemAvailable, the memory the kernel could give a new process; its drop across a start is the
# memory the started processes took (shared pages counted once, unlike a sum of RSS).
memory_available_mib() {
  awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo
}

platform_rss_mib() {
  local total=0 pid rss
  for pid in $(platform_pids); do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
    total=$((total + ${rss:-0}))
  done
  echo $((total / 1024))
}

# stop_platform: SIGTERM to the AppHost (a script's background job ignores SIGINT), which stops
# every resource through DCP; then wait (bounded) until every process is gone.
stop_platform() {
  local pids
  pids=$(platform_pids)
  kill -TERM "$PLATFORM_PID" 2>/dev/null || true
  for _ in $(seq 1 600); do
    local alive=0 pid
    for pid in $pids; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && return 0
    sleep 0.1
  done
  echo "platform processes still alive after 60 s: killing $pids" >&2
  kill -KILL $pids 2>/dev/null || true
}

# admin_token PASSWORD: the seeded administrator's access token, from the gateway's login.
admin_token() {
  curl -sf -X POST http://127.0.0.1:5080/api/identity/login -H 'content-type: application/json' \
    -d "{\"email\":\"admin@ecommerce.local\",\"password\":\"$1\"}" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["accessToken"])'
}

# start_platform_for_reads DATA_DIR [AppHost arguments...]: the platform with its rate limits on but raised far above
# what wrk can send (every request pays for the limiter, none is rejected); sets ADMIN_TOKEN.
start_platform_for_reads() {
  local password data=$1
  shift
  password="Bench-$(openssl rand -hex 12)-1"
  start_platform "$data" "--Parameters:admin-password=$password" \
    --Parameters:ratelimit-user-per-minute=100000000 --Parameters:ratelimit-user-per-hour=100000000 \
    --Parameters:ratelimit-anonymous-per-minute=100000000 "$@"
  ADMIN_TOKEN=$(admin_token "$password")
}

# cpu_by_process SECONDS PID...: the CPU each process (named by its assembly or executable, replicas summed) uses over
# the next SECONDS (utime + stime from /proc/<pid>/stat, which holds the process's ended threads too), in ms of CPU per
# second, on one line: "total N ms/s: name N, ..." largest first.
cpu_by_process() {
  python3 - "$@" <<'PY'
import os, sys, time
seconds, pids = float(sys.argv[1]), sys.argv[2:]
tick = os.sysconf('SC_CLK_TCK')
def name(pid):
    # The executable's name (comm), or for `dotnet <assembly>` the assembly's.
    try:
        comm = open(f'/proc/{pid}/comm').read().strip()
        args = open(f'/proc/{pid}/cmdline', 'rb').read().split(b'\0')
    except OSError:
        return '?'
    assemblies = [a.decode(errors='replace') for a in args if a.endswith(b'.dll')]
    return os.path.basename(assemblies[0]) if comm == 'dotnet' and assemblies else comm
def used():
    total = {}
    for pid in pids:
        try:
            stat = open(f'/proc/{pid}/stat').read()
            fields = stat[stat.rindex(')') + 2:].split()
            total[pid] = int(fields[11]) + int(fields[12])
        except OSError:
            pass  # ended in the window: what it used is lost with it
    return total
names = {pid: name(pid) for pid in pids}
before = used(); time.sleep(seconds); after = used()
rows = {}
for pid in after:
    rows[names[pid]] = rows.get(names[pid], 0) + (after[pid] - before.get(pid, 0)) * 1000 / tick / seconds
print(f"total {sum(rows.values()):.1f} ms/s: " + ", ".join(f"{n} {v:.0f}" for n, v in sorted(rows.items(), key=lambda r: -r[1]) if v >= 1))
PY
}

# catalog_replica_ports: the Kestrel port of every catalog replica (started as "dotnet …/Catalog.Api.dll"), one a line.
catalog_replica_ports() {
  local pid
  for pid in $(pgrep -f 'bin/Release/net10.0/Catalog.Api(\.dll)?$'); do
    ss -ltnpH | grep "pid=$pid," | awk '{print $4}' | sed 's/.*://' | head -n 1
  done
}

# wrk_row ROUND NAME URL BEARER DURATION CONNECTIONS: a 10 s warm-up (JIT, pools, caches), then the measured
# run; prints a table row and sets WRK_RPS, WRK_P50_MS and WRK_P99_MS. Any non-2xx answer ends the script.
wrk_row() {
  local round=$1 name=$2 url=$3 bearer=$4 duration=$5 connections=$6 out p50 p99 header=()
  [ -n "$bearer" ] && header=(-H "Authorization: Bearer $bearer")
  wrk -t2 -c"$connections" -d10s "${header[@]}" "$url" >/dev/null
  out=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "${header[@]}" "$url")
  if grep -q "Non-2xx" <<<"$out"; then echo "$out" >&2; exit 1; fi
  WRK_RPS=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out") p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  WRK_P50_MS=$(wrk_ms <<<"$p50") WRK_P99_MS=$(wrk_ms <<<"$p99")
  echo "| $round | $name | $WRK_RPS | $p50 | $p99 |"
}

# wrk_ms: a wrk latency (850.00us, 1.23ms, 2.01s) on stdin, in ms.
wrk_ms() {
  sed -E 's/us$/ 0.001/; s/ms$/ 1/; s/s$/ 1000/' | awk '{printf "%.3f\n", $1 * $2}'
}

# place_order TOKEN: puts product 1 in that user's basket and checks out (the simulated provider's approving card);
# prints the order's id.
place_order() {
  curl -sf -o /dev/null -X PUT http://127.0.0.1:5080/api/basket/items/1 -H "authorization: Bearer $1" \
    -H 'content-type: application/json' -d '{"quantity":1}'
  curl -sf -X POST http://127.0.0.1:5080/api/orders -H "authorization: Bearer $1" -H "Idempotency-Key: bench-$RANDOM$RANDOM" \
    -H 'content-type: application/json' \
    -d '{"shippingAddress":{"street":"1 Bench Street","city":"Benchville","postalCode":"1","country":"NL"},"paymentToken":"tok_ok"}' |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["orderId"])'
}
