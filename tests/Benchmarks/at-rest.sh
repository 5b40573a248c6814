#!/usr/bin/env bash
# The CPU a running platform uses at rest: start it (./platform.sh up), leave it alone, then
#   tests/Benchmarks/at-rest.sh [seconds]        (default 60)
# Prints the platform's total in ms of CPU per second, each process's share, and the share of each kind of
# thread summed over the .NET processes (`.NET Timer`, `.NET TP Gate`, `OpenTelemetry-B`...): at rest the cost is
# wake-ups, and the thread names say whose. Read from each thread's schedstat (ns on the CPU), before and after, and
# from each process's count of the CPU its ended children used (a row of its own: short-lived processes are gone
# before any sample could see them); and the whole machine's busy time over the same window.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/platform-process.sh"
seconds=${1:-60}
PLATFORM_PID=$(pgrep -f "net10.0/AppHost" | head -1) || { echo "no platform is running (./platform.sh up)" >&2; exit 1; }
python3 - "$seconds" $(platform_pids) <<'PY'
import collections, os, sys, time
seconds, pids = float(sys.argv[1]), sys.argv[2:]
tick = os.sysconf('SC_CLK_TCK')

def name(pid):
    args = open(f'/proc/{pid}/cmdline', 'rb').read().split(b'\0')
    first = os.path.basename(args[0].decode())
    if first == 'dotnet' and len(args) > 1:
        return os.path.basename(args[1].decode()).removesuffix('.dll')
    if first == 'postgres' or first.startswith('postgres:'):
        return 'postgres'
    return first.split()[0].split(':')[0] or '?'  # redis-server renames itself "redis-server host:port"

def sample():
    taken = {}
    for pid in pids:
        try:
            who = name(pid)
            for tid in os.listdir(f'/proc/{pid}/task'):
                comm = open(f'/proc/{pid}/task/{tid}/comm').read().strip()
                ns = int(open(f'/proc/{pid}/task/{tid}/schedstat').read().split()[0])
                taken[(pid, tid)] = (who, comm, ns)
            # Processes it started that have ended and been waited for (PostgreSQL's backends): counted nowhere else,
            # as they are gone by the second sample.
            stat = open(f'/proc/{pid}/stat').read().rsplit(')', 1)[1].split()
            taken[(pid, 'children')] = (f'{who}: ended children', 'children', (int(stat[13]) + int(stat[14])) * 1e9 / tick)
        except OSError:
            pass  # a process or thread that ended between the listing and the read
    return taken

def machine_busy():
    fields = list(map(int, open('/proc/stat').readline().split()[1:]))
    return sum(fields) - fields[3] - fields[4]  # all but idle and iowait, in ticks

before, busy_before = sample(), machine_busy(); time.sleep(seconds); after, busy_after = sample(), machine_busy()
per_process, per_thread, processes = collections.Counter(), collections.Counter(), collections.defaultdict(set)
for key, (who, comm, ns) in after.items():
    used = ns - before[key][2] if key in before else ns  # a thread born in the window: all of it
    per_process[who] += used
    processes[who].add(key[0])
    if who not in ('dcp', 'postgres', 'redis-server') and comm != 'children':
        per_thread[comm] += used
rate = lambda ns: ns / 1e6 / seconds
print(f'at rest over {seconds:.0f} s: {rate(sum(per_process.values())):.1f} ms of CPU per second')
# Everything the machine ran, this script and anything else included: the only figure that also holds the short-lived
# processes nobody waited for (DCP's runs of a container CLI are not in any process's count above).
print(f'  the whole machine: {(busy_after - busy_before) * 1000 / tick / seconds:.1f} ms/s busy')
for who, ns in per_process.most_common():
    if ns:
        print(f'  {rate(ns):6.2f}  {who}' + (f' ({len(processes[who])} processes)' if len(processes[who]) > 1 else ''))
print('by thread, over the .NET processes:')
for comm, ns in per_thread.most_common(12):
    print(f'  {rate(ns):6.2f}  {comm}')
PY
