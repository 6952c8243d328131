#!/bin/sh
# The entry point of stagecraft/base:mysql: MariaDB, which speaks MySQL's protocol and loads mysqldump's files, with
# the official mysql/mariadb images' conventions (data in /var/lib/mysql, port 3306, MYSQL_* or MARIADB_* variables).
#   serve [OPTION...]  start the server on port 3306 of every address (the data directory made first when empty:
#                      $MYSQL_DATABASE, $MYSQL_USER with $MYSQL_PASSWORD and every privilege on it, root@localhost
#                      with $MYSQL_ROOT_PASSWORD or, unset, a random one); OPTIONs go to mariadbd
#   restore DUMP       make the data directory as serve does, load DUMP (mysqldump's SQL of one database, gzipped or
#                      not) into $MYSQL_DATABASE, stop cleanly
#   copy [SQL]         copy the data directory in /snapshot to this one; with SQL, run it on $MYSQL_DATABASE
#                      (obfuscation)
#   ready              exit 0 once the server answers on port 3306 as $MYSQL_USER
# restore and copy run the server without networking and without privilege checks: the dump or SQL is the
# installation's own, and nothing but this script can connect.
set -eu
: "${MYSQL_DATABASE:=${MARIADB_DATABASE:-}}"
: "${MYSQL_USER:=${MARIADB_USER:-}}"
: "${MYSQL_PASSWORD:=${MARIADB_PASSWORD:-}}"
: "${MYSQL_ROOT_PASSWORD:=${MARIADB_ROOT_PASSWORD:-}}"
: "${MYSQL_DATADIR:=/var/lib/mysql}"
SHARE=/usr/share/mysql
SOCKET=/run/mysqld/mysqld.sock
# a smaller redo log than the default 96 MiB: every pool copy carries it; native AIO (io_uring) is not allowed by
# every container engine's seccomp profile
server_options() {
  echo --no-defaults --basedir=/usr --datadir="$MYSQL_DATADIR" --socket="$SOCKET" --pid-file=/run/mysqld/mysqld.pid \
    --tmpdir=/tmp --skip-name-resolve --skip-log-bin --innodb-use-native-aio=0 --innodb-log-file-size=16M \
    --innodb-buffer-pool-size="${MYSQL_BUFFER_POOL_SIZE:-128M}" --character-set-server=utf8mb4 \
    --collation-server=utf8mb4_general_ci --loose-innodb-buffer-pool-load-at-startup=0 \
    --loose-innodb-buffer-pool-dump-at-shutdown=0
}

sql_string() {
  printf "'%s'" "$(printf '%s' "$1" | sed -e "s/\\\\/\\\\\\\\/g" -e "s/'/\\\\'/g")"
}

sql_name() {
  printf '`%s`' "$(printf '%s' "$1" | sed -e 's/`/``/g')"
}

init_datadir() {
  mkdir -p "$MYSQL_DATADIR"
  root_password=$MYSQL_ROOT_PASSWORD
  [ -n "$root_password" ] || root_password=$(tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32)
  {
    echo "CREATE DATABASE IF NOT EXISTS mysql;"
    echo "USE mysql;"
    echo "SET @auth_root_socket=NULL;"
    cat "$SHARE/mysql_system_tables.sql" "$SHARE/mysql_performance_tables.sql" "$SHARE/mysql_system_tables_data.sql" \
      "$SHARE/maria_add_gis_sp_bootstrap.sql" "$SHARE/mysql_sys_schema.sql"
    echo "DELETE FROM mysql.global_priv WHERE user NOT IN ('mariadb.sys', 'root') OR host <> 'localhost';"
    echo "FLUSH PRIVILEGES;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(sql_string "$root_password");"
    if [ -n "$MYSQL_DATABASE" ]; then
      echo "CREATE DATABASE IF NOT EXISTS $(sql_name "$MYSQL_DATABASE");"
    fi
    if [ -n "$MYSQL_USER" ]; then
      echo "CREATE USER $(sql_string "$MYSQL_USER")@'%' IDENTIFIED BY $(sql_string "${MYSQL_PASSWORD:?MYSQL_PASSWORD is required with MYSQL_USER}");"
      if [ -n "$MYSQL_DATABASE" ]; then
        echo "GRANT ALL ON $(sql_name "$MYSQL_DATABASE").* TO $(sql_string "$MYSQL_USER")@'%';"
      fi
    fi
  } | mariadbd $(server_options) --bootstrap --log-warnings=0 --enforce-storage-engine= --max-allowed-packet=8M \
      >/tmp/bootstrap.log 2>&1 || { cat /tmp/bootstrap.log; exit 1; }
}

local_start() {
  mariadbd $(server_options) --skip-networking --skip-grant-tables >/tmp/mysqld.log 2>&1 &
  server=$!
  tries=0
  until mariadb --no-defaults --socket="$SOCKET" -e 'SELECT 1' >/dev/null 2>&1; do
    if ! kill -0 "$server" 2>/dev/null || [ "$tries" -ge 1200 ]; then
      cat /tmp/mysqld.log
      exit 1
    fi
    tries=$((tries + 1))
    sleep 0.5
  done
}

local_stop() {
  mariadb --no-defaults --socket="$SOCKET" -e 'SHUTDOWN'
  wait "$server" || { cat /tmp/mysqld.log; exit 1; }
  sync
}

local_sql() {
  mariadb --no-defaults --socket="$SOCKET" --binary-mode --database="$MYSQL_DATABASE"
}

case "${1:-serve}" in
  serve)
    [ "$#" -eq 0 ] || shift
    [ -d "$MYSQL_DATADIR/mysql" ] || init_datadir
    exec mariadbd $(server_options) --bind-address=0.0.0.0 --port="${PORT:-3306}" "$@"
    ;;
  restore)
    init_datadir
    local_start
    if gunzip -t "$2" 2>/dev/null; then
      gunzip -c "$2" | local_sql
    else
      local_sql <"$2"
    fi
    local_stop
    ;;
  copy)
    cp -a /snapshot/. "$MYSQL_DATADIR/"
    if [ -n "${2:-}" ]; then
      local_start
      local_sql <"$2"
      local_stop
    fi
    ;;
  ready)
    MYSQL_PWD=$MYSQL_PASSWORD mariadb --no-defaults --protocol=tcp --host=127.0.0.1 --port="${PORT:-3306}" \
      --user="$MYSQL_USER" --connect-timeout=2 -e 'SELECT 1' >/dev/null 2>&1
    ;;
  *)
    echo "usage: stagecraft-mysql serve [OPTION...] | restore DUMP | copy [SQL] | ready" >&2
    exit 2
    ;;
esac
