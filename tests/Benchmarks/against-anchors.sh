#!/usr/bin/env bash
# Issue 11's table in one run: each of the platform's paths beside an anchor measured in the same run on the
# same machine, and their ratio (ours / anchor), with the issue's target.
#   tests/Benchmarks/against-anchors.sh [read-seconds] [orders]     (default 20 s per read target, 1200 orders)
# Anchors: a bare minimal API answering from memory and one bare YARP hop in front of it
# (tests/Benchmarks/ProxyAnchor); one PostgreSQL row read and one order-shaped transaction (an order, its line and
# its outbox message in one transaction), with pgbench on the platform's own PostgreSQL; and a fleet of bare
# minimal APIs, as many as the platform runs .NET processes, for start, CPU at rest and memory.
# Paths: a product read and an order read through the gateway (wrk, 32 connections, 10 s warm-up each), checkout
# to Confirmed (tests/Benchmarks/CheckoutBenchmark at 40 orders/s offered, after 800 warm-up orders), the CPU and
# memory at rest (60 s after "The platform is up", CPU over the next 60 s), and a warm `./platform.sh up`.
# Takes about 13 minutes; needs wrk and pgbench (apt-get update && apt-get install wrk postgresql-client).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/platform-process.sh"
read_seconds=${1:-20}
orders=${2:-1200}
settle=60 window=60
for tool in wrk pgbench; do
  command -v "$tool" >/dev/null || { echo "$tool is needed: apt-get update && apt-get install wrk postgresql-client" >&2; exit 1; }
done

dotnet build "$repo/tests/Benchmarks/ProxyAnchor" -c Release -v quiet -nologo >/dev/null
dotnet build "$repo/tests/Benchmarks/CheckoutBenchmark" -c Release -v quiet -nologo >/dev/null
anchor="$repo/tests/Benchmarks/ProxyAnchor/bin/Release/net10.0/ProxyAnchor"
data=$(mktemp -d /tmp/ecommerce-bench-XXXXXX)
work=$(mktemp -d /tmp/ecommerce-anchors-XXXXXX)
anchors=()
stop_anchors() {
  [ "${#anchors[@]}" -eq 0 ] || { kill "${anchors[@]}" 2>/dev/null || true; wait "${anchors[@]}" 2>/dev/null || true; }
  anchors=()
}
cleanup() {
  stop_anchors
  [ -z "${PLATFORM_PID:-}" ] || stop_platform
  rm -rf "$data" "$work"
}
trap cleanup EXIT
note() { echo "-- $*" >&2; }
# num X: a figure with the digits that mean something here (12390.59 → 12390, 20.92 → 20.9, 0.371 → 0.371).
num() { awk -v x="$1" 'BEGIN { if (x >= 100) printf "%.0f", x; else if (x >= 10) printf "%.1f", x; else printf "%.3g", x }'; }
ratio() { num "$(echo "scale=6; $1 / $2" | bc -l)"; }

# wait_answers URL: polls every 0.05 s until URL answers 2xx; ends the script after 60 s without.
wait_answers() {
  local _
  for _ in $(seq 1 1200); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.05
  done
  echo "$1 did not answer in 60 s" >&2
  exit 1
}

# The .NET processes among the platform's: those with the runtime's threads (".NET Timer", ".NET TP Worker"...);
# the dashboard is a single-file app, with no libcoreclr among its mappings.
dotnet_pids() {
  local pid
  for pid in $(platform_pids); do
    grep -qs '^\.NET' /proc/"$pid"/task/*/comm && echo "$pid"
  done
  return 0
}

password="Bench-$(openssl rand -hex 12)-1"
platform_args=("--Parameters:admin-password=$password" --Parameters:ratelimit-user-per-minute=100000000
  --Parameters:ratelimit-user-per-hour=100000000 --Parameters:ratelimit-anonymous-per-minute=100000000)

note "cold start on an empty data directory (not measured: initdb, migrations, seed, and a build if a source changed)"
start_platform "$data" "${platform_args[@]}"
fleet_size=$(dotnet_pids | wc -l)
stop_platform; PLATFORM_PID=""

note "anchor: $fleet_size bare minimal APIs started at once"
available_before=$(memory_available_mib)
start=$(date +%s.%N)
for i in $(seq 1 "$fleet_size"); do
  "$anchor" backend $((15300 + i)) & anchors+=($!)
done
for i in $(seq 1 "$fleet_size"); do
  wait_answers "http://127.0.0.1:$((15300 + i))/api/catalog/items/1"
done
fleet_start=$(printf %.1f "$(echo "$(date +%s.%N) - $start" | bc)")
sleep "$settle" # a measurement of the idle fleet, not synchronisation
fleet_memory=$((available_before - $(memory_available_mib)))
fleet_cpu=$(cpu_ms_per_second "$window" "${anchors[@]}")
stop_anchors

note "warm start: ./platform.sh up on the same data directory, then at rest"
available_before=$(memory_available_mib)
start_platform "$data" "${platform_args[@]}"
warm_start=$(printf %.1f "$STARTUP_SECONDS")
sleep "$settle" # a measurement of the idle platform, not synchronisation
platform_memory=$((available_before - $(memory_available_mib)))
platform_cpu=$(cpu_ms_per_second "$window" $(platform_pids))

note "reads: anchors and the gateway"
"$anchor" backend 15201 & anchors+=($!)
"$anchor" proxy 15202 http://127.0.0.1:15201 & anchors+=($!)
for port in 15201 15202; do
  wait_answers "http://127.0.0.1:$port/api/catalog/items/1"
done
token=$(admin_token "$password")
order=$(place_order "$token")
declare -A rps p50 p99
echo "| target | requests/s | p50 | p99 |" >&2
echo "|---|---|---|---|" >&2
for target in "bare|http://127.0.0.1:15201/api/catalog/items/1|" "yarp|http://127.0.0.1:15202/api/catalog/items/1|" \
              "anonymous|http://127.0.0.1:5080/api/catalog/items/1|" "signed-in|http://127.0.0.1:5080/api/catalog/items/1|$token" \
              "order|http://127.0.0.1:5080/api/orders/$order|$token"; do
  IFS='|' read -r name url bearer <<<"$target"
  wrk_row 1 "$name" "$url" "$bearer" "$read_seconds" 32 >&2
  rps[$name]=$WRK_RPS p50[$name]=$WRK_P50_MS p99[$name]=$WRK_P99_MS
done
stop_anchors

note "anchors: pgbench on the platform's PostgreSQL"
export PGHOST=127.0.0.1 PGUSER=postgres PGPORT PGPASSWORD
PGPORT=$(sed -n 4p "$data/postgres/data/postmaster.pid")
PGPASSWORD=$(cat "$data/postgres-password.secret")
psql -q -d postgres -c 'DROP DATABASE IF EXISTS anchors' -c 'CREATE DATABASE anchors'
psql -q -d anchors <<'SQL'
CREATE TABLE anchor_orders (id bigint PRIMARY KEY, buyer text NOT NULL, status text NOT NULL,
  total numeric(18,2) NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE anchor_order_lines (order_id bigint NOT NULL REFERENCES anchor_orders, product_id int NOT NULL,
  quantity int NOT NULL, unit_price numeric(18,2) NOT NULL, PRIMARY KEY (order_id, product_id));
CREATE TABLE anchor_outbox (id bigserial PRIMARY KEY, type text NOT NULL, payload jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now());
INSERT INTO anchor_orders (id, buyer, status, total) SELECT n, 'buyer-' || n, 'Confirmed', 9.99 FROM generate_series(1, 10000) n;
SQL
cat >"$work/row-read.sql" <<'SQL'
\set id random(1, 10000)
SELECT id, buyer, status, total, created_at FROM anchor_orders WHERE id = :id;
SQL
cat >"$work/order.sql" <<'SQL'
\set id random(1000000, 9000000000000000000)
\set product random(1, 100)
BEGIN;
INSERT INTO anchor_orders (id, buyer, status, total) VALUES (:id, 'bench', 'Submitted', 9.99);
INSERT INTO anchor_order_lines (order_id, product_id, quantity, unit_price) VALUES (:id, :product, 1, 9.99);
INSERT INTO anchor_outbox (type, payload) VALUES ('OrderSubmitted', json_build_object('orderId', :id::bigint, 'productId', :product::int)::jsonb);
END;
SQL
# pgbench_run NAME SCRIPT CLIENTS: sets PG_TPS, PG_P50_MS, PG_P99_MS (from its per-transaction log, in µs).
pgbench_run() {
  local name=$1 script=$2 clients=$3 out
  pgbench -n -M prepared -f "$script" -c "$clients" -j 2 -T 5 anchors >/dev/null # warm-up
  out=$(cd "$work" && pgbench -n -M prepared -f "$script" -c "$clients" -j 2 -T "$read_seconds" -l --log-prefix="$name" anchors)
  PG_TPS=$(awk '/^tps/ {print $3}' <<<"$out")
  read -r PG_P50_MS PG_P99_MS < <(cat "$work/$name".* | awk '{print $3}' | sort -n |
    awk '{v[NR] = $1} END {printf "%.3f %.3f\n", v[int(NR * 0.50)] / 1000, v[int(NR * 0.99)] / 1000}')
  echo "| pgbench $name, $clients connections | $PG_TPS | ${PG_P50_MS}ms | ${PG_P99_MS}ms |" >&2
}
pgbench_run row-read "$work/row-read.sql" 32
row_tps=$PG_TPS row_p50=$PG_P50_MS row_p99=$PG_P99_MS
pgbench_run order "$work/order.sql" 8
tx_tps=$PG_TPS tx_p50=$PG_P50_MS
psql -q -d postgres -c 'DROP DATABASE anchors'
stop_platform; PLATFORM_PID=""

note "checkout: tests/Benchmarks/CheckoutBenchmark $orders orders at 40/s after 800 warm-up orders"
checkout=$(dotnet run -c Release --no-build --project "$repo/tests/Benchmarks/CheckoutBenchmark" -- "$orders" 40 800 1 20)
echo "$checkout" >&2
sustained=$(sed -nE 's/.*sustained to Confirmed: ([0-9.]+) orders\/s.*/\1/p' <<<"$checkout")
checkout_p50=$(sed -nE 's/^checkout to Confirmed: p50 ([0-9]+) ms.*/\1/p' <<<"$checkout")

echo
echo "| path | ours | anchor, same run | anchor's figure | ours / anchor | issue 11's target |"
echo "|---|---|---|---|---|---|"
row() { echo "| $1 | $2 | $3 | $4 | $5 | $6 |"; }
read_row() { # read_row PATH OURS ANCHOR-NAME ANCHOR TARGET: requests/s and p99 of two wrk targets
  row "$1" "$(num "${rps[$2]}")/s; $(num "${p99[$2]}") ms" "$3" "$(num "${rps[$4]}")/s; $(num "${p99[$4]}") ms" \
    "$(ratio "${rps[$2]}" "${rps[$4]}"); $(ratio "${p99[$2]}" "${p99[$4]}")" "$5"
}
read_row "product read through the gateway, signed in (requests/s; p99)" signed-in "one YARP hop" yarp "≥ 0.5 ×; p99 ≤ 20 ms"
read_row "product read through the gateway, anonymous" anonymous "one YARP hop" yarp ""
read_row "one YARP hop" yarp "bare minimal API" bare ""
row "order read through the gateway, signed in (requests/s; p50)" "$(num "${rps[order]}")/s; $(num "${p50[order]}") ms" \
  "one PostgreSQL row read, 32 connections" "$(num "$row_tps")/s; $(num "$row_p50") ms" \
  "$(ratio "${rps[order]}" "$row_tps"); $(ratio "${p50[order]}" "$row_p50")" ""
row "checkout to Confirmed, 40/s offered (orders/s sustained; p50)" "${sustained}/s; ${checkout_p50} ms" \
  "one order-shaped transaction, 8 connections" "$(num "$tx_tps")/s; $(num "$tx_p50") ms" \
  "$(ratio "$sustained" "$tx_tps"); $(ratio "$checkout_p50" "$tx_p50")" "100/s (issue 10)"
row "CPU at rest, ${settle}–$((settle + window)) s after up" "$platform_cpu ms/s" "$fleet_size bare minimal APIs at rest" \
  "$fleet_cpu ms/s" "$(ratio "$platform_cpu" "$fleet_cpu")" "≤ 50 ms/s"
row "memory in use at rest (MemAvailable's drop)" "$platform_memory MB" "$fleet_size bare minimal APIs" \
  "$fleet_memory MB" "$(ratio "$platform_memory" "$fleet_memory")" "≤ 2,500 MB"
row "warm start, \`./platform.sh up\` to \"The platform is up\"" "$warm_start s" "$fleet_size bare minimal APIs started at once" \
  "$fleet_start s" "$(ratio "$warm_start" "$fleet_start")" "≤ 30 s"
