#!/usr/bin/env bash
# Start a throwaway PostgreSQL + PostGIS cluster for the tests and print its URL.
#
#   scripts/pg_test_server.sh [DIR]        start a cluster in DIR (default: a new temp dir); prints
#                                          postgresql://postgres@/frontline_test?host=DIR
#   scripts/pg_test_server.sh --stop DIR   stop it and delete DIR
#
# The cluster listens only on a unix socket in DIR (no TCP port), runs without fsync (it is
# thrown away), and has a database `frontline_test` with the postgis extension. PostgreSQL
# refuses to run as root, so as root the cluster runs as the `postgres` user.
# Needs the Debian packages postgresql-15 and postgresql-15-postgis-3 (or any PostgreSQL >= 12
# with PostGIS 3; set PG_BINDIR to its bin folder).
set -euo pipefail

find_bindir() {
  if [[ -n "${PG_BINDIR:-}" ]]; then echo "$PG_BINDIR"; return; fi
  if command -v pg_config >/dev/null 2>&1 && [[ -x "$(pg_config --bindir)/initdb" ]]; then
    pg_config --bindir; return
  fi
  local d
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [[ -x "$d/initdb" ]]; then echo "$d"; return; fi
  done
  echo "pg_test_server.sh: no PostgreSQL server binaries (initdb) found; install postgresql-15 postgresql-15-postgis-3" >&2
  exit 3
}

BIN="$(find_bindir)"
as_pg() {
  if [[ "$(id -u)" == "0" ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [[ "${1:-}" == "--stop" ]]; then
  DIR="${2:?usage: pg_test_server.sh --stop DIR}"
  if [[ -f "$DIR/data/postmaster.pid" ]]; then
    as_pg "$BIN/pg_ctl" -D "$DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$DIR"
  exit 0
fi

DIR="${1:-$(mktemp -d "${TMPDIR:-/tmp}/frontline-pg.XXXXXX")}"
mkdir -p "$DIR"
if [[ "$(id -u)" == "0" ]]; then
  id postgres >/dev/null 2>&1 || { echo "pg_test_server.sh: running as root needs a 'postgres' user" >&2; exit 3; }
  chown postgres "$DIR"
fi
as_pg "$BIN/initdb" -D "$DIR/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >"$DIR/initdb.log" 2>&1 \
  || { cat "$DIR/initdb.log" >&2; exit 1; }
as_pg "$BIN/pg_ctl" -D "$DIR/data" -l "$DIR/server.log" -w -t 30 \
  -o "-k $DIR -c listen_addresses='' -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=50" \
  start >/dev/null || { cat "$DIR/server.log" >&2; exit 1; }
"$BIN/psql" -q -h "$DIR" -U postgres -d postgres -v ON_ERROR_STOP=1 \
  -c "CREATE DATABASE frontline_test" >/dev/null
"$BIN/psql" -q -h "$DIR" -U postgres -d frontline_test -v ON_ERROR_STOP=1 \
  -c "CREATE EXTENSION postgis" >/dev/null
echo "postgresql://postgres@/frontline_test?host=$DIR"
