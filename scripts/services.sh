#!/usr/bin/env bash
# Real Redis and PostgreSQL for the test suite and the benchmarks, from Debian's packages.
#
#   scripts/services.sh up     install (if missing) and start both on loopback; idempotent
#   scripts/services.sh down   stop both
#   scripts/services.sh env    print the URLs as shell assignments (eval "$(... env)")
#
# They listen on loopback only, on ports of their own (not the distribution's defaults), with
# their data under $ATERA_SERVICES_DIR (default /tmp/atera-mcp-services): nothing here touches
# a Redis or PostgreSQL the machine already runs. PostgreSQL trusts loopback connections: it is
# a throwaway server for tests, never a place for real data.
set -euo pipefail

DIR="${ATERA_SERVICES_DIR:-/tmp/atera-mcp-services}"
REDIS_PORT="${ATERA_SERVICES_REDIS_PORT:-56379}"
PG_PORT="${ATERA_SERVICES_PG_PORT:-55432}"
REDIS_URL="redis://127.0.0.1:${REDIS_PORT}/0"
DATABASE_URL="postgresql://atera@127.0.0.1:${PG_PORT}/atera_test"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

pg_bin() {
  local found
  found=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1 || true)
  [ -n "$found" ] && echo "$found"
}

install() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  [ -n "$(pg_bin)" ] || missing+=(postgresql)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "services: installing ${missing[*]} from Debian's packages" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null \
      || { as_root apt-get update -qq >/dev/null && \
           as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null; }
  fi
}

# PostgreSQL refuses to run as root: as root, run it as Debian's postgres user.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

redis_up() {
  if redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then return; fi
  mkdir -p "$DIR/redis"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save '' \
    --appendonly no --dir "$DIR/redis" --logfile "$DIR/redis/redis.log" \
    --pidfile "$DIR/redis/redis.pid" >/dev/null
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.1; done
  echo "services: redis-server did not start (see $DIR/redis/redis.log)" >&2; exit 1
}

pg_up() {
  local bin data="$DIR/pg"
  bin=$(pg_bin)
  if "$bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then return; fi
  mkdir -p "$DIR"
  if [ ! -s "$data/PG_VERSION" ]; then
    mkdir -p "$data"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$data"
    chmod 700 "$data"
    as_pg "$bin/initdb" -D "$data" -U postgres --auth=trust --no-sync -E UTF8 >/dev/null
  fi
  [ "$(id -u)" -eq 0 ] && chown postgres: "$data"
  as_pg "$bin/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $PG_PORT -k $data -c fsync=off -c max_connections=200" \
    start >/dev/null
  "$bin/psql" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 <<SQL >/dev/null
SELECT 'CREATE ROLE atera LOGIN' WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'atera')\gexec
SELECT 'CREATE DATABASE atera_test OWNER atera' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'atera_test')\gexec
SQL
}

down() {
  local bin
  bin=$(pg_bin || true)
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  if [ -n "$bin" ] && [ -s "$DIR/pg/PG_VERSION" ]; then
    as_pg "$bin/pg_ctl" -D "$DIR/pg" -m fast stop >/dev/null 2>&1 || true
  fi
}

case "${1:-up}" in
  up) install; redis_up; pg_up
      echo "services: redis at $REDIS_URL, postgresql at $DATABASE_URL" >&2 ;;
  down) down ;;
  env) echo "ATERA_TEST_REDIS_URL=$REDIS_URL"; echo "ATERA_TEST_DATABASE_URL=$DATABASE_URL" ;;
  *) echo "usage: $0 up|down|env" >&2; exit 2 ;;
esac
