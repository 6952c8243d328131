#!/bin/sh
# The entry point of stagecraft/base:postgres.
#   serve          start the cluster in $PGDATA (made first when empty) on port 5432 of every address
#   restore DUMP   make the cluster, create $POSTGRES_DB owned by $POSTGRES_USER, load DUMP (plain SQL, or
#                  pg_dump's custom format), stop cleanly
#   copy [SQL]     copy the cluster in /snapshot/pgdata to $PGDATA; with SQL, run it on the copy (obfuscation)
#   ready          exit 0 once the server answers on port 5432 (TCP: serve's final server, not its first start)
# Local connections (the unix socket, inside this container only) are trusted; TCP needs the password.
set -eu
: "${PGDATA:=/var/lib/postgresql/data/pgdata}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"

local_start() {
  pg_ctl -D "$PGDATA" -w -t 600 -o "-c listen_addresses= -c fsync=off" -l /tmp/postgres.log start >/dev/null \
    || { cat /tmp/postgres.log; exit 1; }
}

local_stop() {
  pg_ctl -D "$PGDATA" -w -t 600 -m fast stop >/dev/null
  sync
}

init_cluster() {
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > /tmp/pwfile
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C >/tmp/initdb.log 2>&1 || { cat /tmp/initdb.log; exit 1; }
  rm -f /tmp/pwfile
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
}

case "${1:-serve}" in
  serve)
    [ -s "$PGDATA/PG_VERSION" ] || {
      init_cluster
      local_start
      [ "$POSTGRES_DB" = postgres ] || psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
        -c "CREATE DATABASE \"$POSTGRES_DB\""
      local_stop
    }
    exec postgres -D "$PGDATA" -c listen_addresses='*' -c port="${PORT:-5432}"
    ;;
  restore)
    init_cluster
    local_start
    [ "$POSTGRES_DB" = postgres ] || psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\""
    if [ "$(head -c 5 "$2")" = PGDMP ]; then
      pg_restore --no-owner -U "$POSTGRES_USER" -d "$POSTGRES_DB" "$2"
    else
      psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -f "$2" >/dev/null
    fi
    psql -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c CHECKPOINT
    local_stop
    ;;
  copy)
    cp -a /snapshot/pgdata "$PGDATA"
    if [ -n "${2:-}" ]; then
      local_start
      psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -f "$2" >/dev/null
      local_stop
    fi
    ;;
  ready)
    pg_isready -q -h 127.0.0.1 -p "${PORT:-5432}" -U "$POSTGRES_USER" -d "$POSTGRES_DB"
    ;;
  *)
    echo "usage: stagecraft-postgres serve | restore DUMP | copy [SQL] | ready" >&2
    exit 2
    ;;
esac
