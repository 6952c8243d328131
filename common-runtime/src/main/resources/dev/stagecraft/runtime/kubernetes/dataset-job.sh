#!/bin/sh
# The Jobs of the Kubernetes runtime's datasets (KubernetesDatasets), run by the PostgreSQL image as its postgres user.
#   restore   make the cluster in $PGDATA, create $POSTGRES_DB owned by $POSTGRES_USER, load the dump whose parts
#             are in /stagecraft/source (dump-000, dump-001, ...: plain SQL or pg_dump's custom format), stop cleanly
#   prepare   check the copy in $PGDATA (a clone of the snapshot); with /stagecraft/obfuscate/obfuscate.sql, run it
# The server listens on no address while they run; local connections (a socket in /tmp) are trusted.
set -eu
: "${PGDATA:=/var/lib/postgresql/data/pgdata}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
export PGHOST=/tmp

local_start() {
  pg_ctl -D "$PGDATA" -w -t 600 -o "-c listen_addresses= -c unix_socket_directories=/tmp -c fsync=off" \
    -l /tmp/postgres.log start >/dev/null || { cat /tmp/postgres.log; exit 1; }
}

local_stop() {
  pg_ctl -D "$PGDATA" -w -t 600 -m fast stop >/dev/null
  sync
}

case "${1:-}" in
  restore)
    rm -rf "$PGDATA"
    mkdir -p "$PGDATA"
    chmod 700 "$PGDATA"
    cat /stagecraft/source/dump-* > /tmp/dump
    printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > /tmp/pwfile
    initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 \
      -E UTF8 --locale=C >/tmp/initdb.log 2>&1 || { cat /tmp/initdb.log; exit 1; }
    rm -f /tmp/pwfile
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    local_start
    [ "$POSTGRES_DB" = postgres ] || psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
      -c "CREATE DATABASE \"$POSTGRES_DB\""
    if [ "$(head -c 5 /tmp/dump)" = PGDMP ]; then
      pg_restore --no-owner -U "$POSTGRES_USER" -d "$POSTGRES_DB" /tmp/dump
    else
      psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -f /tmp/dump >/dev/null
    fi
    rm -f /tmp/dump
    psql -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c CHECKPOINT
    local_stop
    ;;
  prepare)
    [ -s "$PGDATA/PG_VERSION" ] || { echo "the copy has no cluster in $PGDATA: the clone of the snapshot is empty"; exit 1; }
    if [ -f /stagecraft/obfuscate/obfuscate.sql ]; then
      local_start
      psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "$POSTGRES_DB" -f /stagecraft/obfuscate/obfuscate.sql >/dev/null
      local_stop
    fi
    ;;
  *)
    echo "usage: dataset-job.sh restore | prepare" >&2
    exit 2
    ;;
esac
