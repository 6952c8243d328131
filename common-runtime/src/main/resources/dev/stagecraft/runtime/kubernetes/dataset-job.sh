#!/bin/sh
# The Jobs of the Kubernetes runtime's datasets (KubernetesDatasets), run by the engine's image as its database user
# (uid 999): dataset-job.sh MODE [ENGINE], ENGINE postgresql (the default) or mysql.
# PostgreSQL (the official postgres image):
#   restore   make the cluster in $PGDATA, create $POSTGRES_DB owned by $POSTGRES_USER, load the dump whose parts
#             are in /stagecraft/source (dump-000, dump-001, ...: plain SQL or pg_dump's custom format), stop cleanly
#   prepare   check the copy in $PGDATA (a clone of the snapshot); with /stagecraft/obfuscate/obfuscate.sql, run it
#   serve     make the cluster and $POSTGRES_DB as restore does (once: a cluster there is kept), then serve it on every
#             address, passwords required, until stopped (SIGTERM: a clean stop); a seed job fills it over the network
#   ready     whether the database serve started answers on its port (the readiness probe)
#   seal      start the cluster of a seed job's database locally (which recovers it, had it not stopped cleanly),
#             checkpoint and stop it cleanly, so every copy starts without recovery
# The server listens on no address while restore, prepare and seal run; local connections (a socket in /tmp) are
# trusted.
# MySQL (the official mariadb image; its mysql user is uid 999):
#   restore   make a data directory in $MYSQL_DATADIR (mariadb-install-db), create $MYSQL_DATABASE and $MYSQL_USER
#             with $MYSQL_PASSWORD and every privilege on it, load the dump from /stagecraft/source (mysqldump's SQL,
#             gzipped or not), stop cleanly (SHUTDOWN, as mariadb-admin shutdown)
#   prepare   check the copy holds a data directory; with /stagecraft/obfuscate/obfuscate.sql, run it
#   serve     make the data directory, database and user as restore does (once), then serve them on port 3306 with
#             privilege checks until stopped (SIGTERM: a clean stop); a seed job fills it over the network
#   ready     whether the database serve started lets $MYSQL_USER in over TCP (the readiness probe)
#   seal      start the seed job's data directory locally (InnoDB recovers it, had it not stopped cleanly) and stop it
#             cleanly
# Restore, prepare and seal run the server without networking and without privilege checks: only this script, on its
# socket in /tmp, can connect, and the dump and SQL are the installation's own.
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

pg_init() {
  rm -rf "$PGDATA"
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  printf '%s\n' "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is required}" > /tmp/pwfile
  initdb -D "$PGDATA" -U "$POSTGRES_USER" --pwfile=/tmp/pwfile --auth-local=trust --auth-host=scram-sha-256 \
    -E UTF8 --locale=C >/tmp/initdb.log 2>&1 || { cat /tmp/initdb.log; exit 1; }
  rm -f /tmp/pwfile
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  local_start
  [ "$POSTGRES_DB" = postgres ] || psql -q -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres \
    -c "CREATE DATABASE \"$POSTGRES_DB\""
  # the cluster, its database and its user are all there: serve, restarted, keeps them (initdb's own files come early)
  touch "$PGDATA/.stagecraft-initialised"
}

mysql_server() {
  echo --no-defaults --datadir="$MYSQL_DATADIR" --socket=/tmp/mysqld.sock --pid-file=/tmp/mysqld.pid --tmpdir=/tmp \
    --skip-log-bin --innodb-use-native-aio=0 --innodb-log-file-size=16M --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_general_ci
}

# 'text' as a SQL string, and `name` as an identifier
mysql_string() {
  printf "'%s'" "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")"
}

mysql_name() {
  printf '`%s`' "$(printf '%s' "$1" | sed -e 's/`/``/g')"
}

mysql_start() {
  mariadbd $(mysql_server) --skip-networking --skip-grant-tables >/tmp/mysqld.log 2>&1 &
  mysqld_pid=$!
  tries=0
  until mariadb --no-defaults --socket=/tmp/mysqld.sock -e 'SELECT 1' >/dev/null 2>&1; do
    if ! kill -0 "$mysqld_pid" 2>/dev/null || [ "$tries" -ge 1200 ]; then
      cat /tmp/mysqld.log
      exit 1
    fi
    tries=$((tries + 1))
    sleep 0.5
  done
}

# a clean shutdown, as mariadb-admin shutdown makes it (SHUTDOWN needs only the client, present in every image)
mysql_stop() {
  mariadb --no-defaults --socket=/tmp/mysqld.sock -e SHUTDOWN
  wait "$mysqld_pid" || { cat /tmp/mysqld.log; exit 1; }
  sync
}

mysql_sql() {
  mariadb --no-defaults --socket=/tmp/mysqld.sock --binary-mode --database="$MYSQL_DATABASE"
}

mysql_init() {
  : "${MYSQL_PASSWORD:?MYSQL_PASSWORD is required}"
  find "$MYSQL_DATADIR" -mindepth 1 -maxdepth 1 ! -name lost+found -exec rm -rf {} +
  mariadb-install-db --no-defaults --datadir="$MYSQL_DATADIR" --skip-test-db \
    --auth-root-authentication-method=socket \
    >/tmp/install.log 2>&1 || { cat /tmp/install.log; exit 1; }
  # the database and its user, made before the server serves anything (as mariadb-install-db makes its own);
  # bootstrap runs without privilege checks until the grant tables are loaded
  {
    echo "FLUSH PRIVILEGES;"
    echo "CREATE DATABASE IF NOT EXISTS $(mysql_name "$MYSQL_DATABASE");"
    password=$(mysql_string "$MYSQL_PASSWORD")
    echo "CREATE USER $(mysql_string "$MYSQL_USER")@'%' IDENTIFIED BY $password;"
    echo "GRANT ALL PRIVILEGES ON $(mysql_name "$MYSQL_DATABASE").* TO $(mysql_string "$MYSQL_USER")@'%';"
  } | mariadbd $(mysql_server) --bootstrap --log-warnings=0 >/tmp/bootstrap.log 2>&1 \
    || { cat /tmp/bootstrap.log; exit 1; }
  # the data directory, the database and its user are all there (mariadb-install-db's own files come early)
  touch "$MYSQL_DATADIR/.stagecraft-initialised"
}

if [ "${2:-postgresql}" = mysql ]; then
  : "${MYSQL_DATADIR:=/var/lib/mysql}"
  : "${MYSQL_DATABASE:?MYSQL_DATABASE is required}"
  : "${MYSQL_USER:?MYSQL_USER is required}"
  case "${1:-}" in
    restore)
      mysql_init
      cat /stagecraft/source/dump-* > /tmp/dump
      mysql_start
      if gzip -t /tmp/dump 2>/dev/null; then
        gzip -dc /tmp/dump | mysql_sql
      else
        mysql_sql < /tmp/dump
      fi
      rm -f /tmp/dump
      mysql_stop
      ;;
    prepare)
      [ -d "$MYSQL_DATADIR/mysql" ] || {
        echo "the copy has no data directory in $MYSQL_DATADIR: the clone of the snapshot is empty"
        exit 1
      }
      if [ -f /stagecraft/obfuscate/obfuscate.sql ]; then
        mysql_start
        mysql_sql < /stagecraft/obfuscate/obfuscate.sql
        mysql_stop
      fi
      ;;
    ready)
      MYSQL_PWD="${MYSQL_PASSWORD:?MYSQL_PASSWORD is required}" mariadb --no-defaults --protocol=tcp -h 127.0.0.1 \
        -P 3306 -u "$MYSQL_USER" -e 'SELECT 1' "$MYSQL_DATABASE" >/dev/null
      ;;
    serve)
      [ -f "$MYSQL_DATADIR/.stagecraft-initialised" ] || mysql_init
      exec mariadbd $(mysql_server) --port=3306 --bind-address=0.0.0.0
      ;;
    seal)
      [ -d "$MYSQL_DATADIR/mysql" ] || {
        echo "the seed job's database left no data directory in $MYSQL_DATADIR"
        exit 1
      }
      mysql_start
      mysql_stop
      ;;
    *)
      echo "usage: dataset-job.sh restore | prepare | serve | ready | seal [mysql]" >&2
      exit 2
      ;;
  esac
  exit 0
fi

case "${1:-}" in
  restore)
    cat /stagecraft/source/dump-* > /tmp/dump
    pg_init
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
  serve)
    if [ ! -f "$PGDATA/.stagecraft-initialised" ]; then
      pg_init
      local_stop
    fi
    exec postgres -D "$PGDATA" -c listen_addresses='*' -c unix_socket_directories=/tmp
    ;;
  ready)
    pg_isready -q -h 127.0.0.1 -p "${PGPORT:-5432}" -U "$POSTGRES_USER" -d "$POSTGRES_DB"
    ;;
  seal)
    [ -s "$PGDATA/PG_VERSION" ] || { echo "the seed job's database left no cluster in $PGDATA"; exit 1; }
    local_start
    psql -q -U "$POSTGRES_USER" -d "$POSTGRES_DB" -c CHECKPOINT
    local_stop
    ;;
  *)
    echo "usage: dataset-job.sh restore | prepare | serve | ready | seal" >&2
    exit 2
    ;;
esac
