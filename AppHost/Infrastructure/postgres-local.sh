#!/usr/bin/env bash
# Runs Debian's PostgreSQL server for the AppHost where no container runtime is available.
# The AppHost sets PGDATA (cluster directory), PGPORT (allocated port), POSTGRES_PASSWORD and
# PG_BINDIR. The cluster is created on first start and kept across restarts.
set -euo pipefail

: "${PGDATA:?}" "${PGPORT:?}" "${POSTGRES_PASSWORD:?}" "${PG_BINDIR:?}"

# PostgreSQL refuses to run as root: drop to the postgres user with setpriv, which execs in place
# (no watching parent process), so that signals reach the server directly.
as_owner=()
if [ "$(id -u)" -eq 0 ]; then
  as_owner=(setpriv --reuid=postgres --regid=postgres --init-groups --)
fi

mkdir -p "$PGDATA"
if [ "$(id -u)" -eq 0 ]; then
  chown postgres:postgres "$PGDATA"
  # The server's user must be able to reach its directory: let it pass (not list) the two
  # directories above it, which the AppHost created for it.
  chmod o+x "$(dirname "$PGDATA")" "$(dirname "$(dirname "$PGDATA")")"
  if ! "${as_owner[@]}" test -x "$PGDATA"; then
    echo "The postgres user cannot reach $PGDATA; choose a LocalInfrastructure:DataDirectory outside private directories (such as /root)." >&2
    exit 1
  fi
fi
chmod 700 "$PGDATA"

if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile="$PGDATA/../initdb.pw"
  (umask 077; printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile")
  [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$pwfile"
  echo "Creating a new PostgreSQL cluster in $PGDATA"
  "${as_owner[@]}" "$PG_BINDIR/initdb" --pgdata="$PGDATA" --username=postgres --pwfile="$pwfile" \
    --auth-host=scram-sha-256 --auth-local=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null
  rm -f "$pwfile"
fi

# A server still holding the data directory is either shutting down (an AppHost that just stopped:
# wait for it) or left behind by an AppHost that was killed (its parent script is gone: stop it).
# One still running under a live AppHost after that is someone else's: refuse.
if [ -f "$PGDATA/postmaster.pid" ]; then
  old=$(head -n 1 "$PGDATA/postmaster.pid")
  for _ in $(seq 1 200); do
    { [ -n "$old" ] && kill -0 "$old" 2>/dev/null; } || break
    parent=$(ps -o ppid= -p "$old" | tr -d ' ')
    if [ -z "$parent" ] || ! ps -o args= -p "$parent" | grep -q "postgres-local.sh"; then
      echo "Stopping an orphaned PostgreSQL (pid $old) on $PGDATA"
      kill -INT "$old" 2>/dev/null || true
    fi
    sleep 0.1
  done
  if [ -n "$old" ] && kill -0 "$old" 2>/dev/null; then
    echo "PostgreSQL on $PGDATA is already run by another AppHost (pid $old)." >&2
    exit 1
  fi
fi

# pg_stat_statements: statement counts and times per query, for operators and the checkout benchmark.
# autovacuum_naptime: the server holds one database per service, and its launcher starts a worker process for
# one of them every naptime / (number of databases), busy or not: every 15 s here at the default minute, about 3 ms of
# CPU a second at rest (docs/benchmarks.md). Each database is looked at every 5 minutes instead.
"${as_owner[@]}" "$PG_BINDIR/postgres" -D "$PGDATA" -p "$PGPORT" \
  -c listen_addresses=127.0.0.1 -c unix_socket_directories= \
  -c max_connections=300 -c logging_collector=off \
  -c shared_preload_libraries=pg_stat_statements -c autovacuum_naptime=5min &
server=$!

# Stop means a fast shutdown (SIGINT): roll back open transactions, do not wait for clients.
trap 'kill -INT "$server" 2>/dev/null || true' TERM INT
status=0
wait "$server" || status=$?
while kill -0 "$server" 2>/dev/null; do
  wait "$server" || status=$?
done
exit "$status"
