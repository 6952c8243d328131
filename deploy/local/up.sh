#!/usr/bin/env bash
# Runs Stagecraft on this machine for real repositories and leaves it running: a Docker engine and an image
# registry, the router (Caddy), Kafka and PostgreSQL (durable: fsync, synchronous commit, full page writes), then the
# five services, all listening on loopback unless configured otherwise.
# All state lives under STAGECRAFT_HOME (default /var/lib/stagecraft) and survives `down.sh` and `up.sh`:
# applications, environments, deliveries, tokens and the environments' containers. Registers nothing.
# Running it again while Stagecraft is up starts only what is not running.
# STAGECRAFT_OTEL_ENDPOINT (an OTLP collector; STAGECRAFT_OTEL_PROTOCOL grpc or http/protobuf) exports the services'
# traces; STAGECRAFT_LOG_JSON=true writes their logs as JSON (README, Operations: Traces and logs).
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/lib.sh

HOME_DIR=$(realpath -m "${STAGECRAFT_HOME:-/var/lib/stagecraft}")   # absolute: the services start in their own folders
REGISTRY_ADDR=${STAGECRAFT_REGISTRY_ADDR:-127.0.0.1:5000}
KAFKA_PORT=${STAGECRAFT_KAFKA_PORT:-9092}
PG_PORT=${STAGECRAFT_PG_PORT:-15432}
GATEWAY_HOST=${STAGECRAFT_GATEWAY_HOST:-127.0.0.1}
ROUTER_LISTEN=${STAGECRAFT_ROUTER_LISTEN:-127.0.0.1:80}
ROUTER_ADMIN=${STAGECRAFT_ROUTER_ADMIN_ADDR:-127.0.0.1:2019}
PUBLIC_URL=${STAGECRAFT_PUBLIC_URL:-}
declare -A PORTS=([gateway]=${STAGECRAFT_GATEWAY_PORT:-8080} [build]=${STAGECRAFT_BUILD_PORT:-8081}
  [setup]=${STAGECRAFT_SETUP_PORT:-8082} [patch]=${STAGECRAFT_PATCH_PORT:-8083} [teardown]=${STAGECRAFT_TEARDOWN_PORT:-8084})
SERVICES=(gateway build setup patch teardown)

stagecraft_packages
mkdir -p "$HOME_DIR"/{logs,pids,build,tmp,infra}
chmod 755 "$HOME_DIR" "$HOME_DIR/infra"   # PostgreSQL runs as its own user and must reach its data folder

for s in "${SERVICES[@]}"; do
  if [ ! -f "$s-service/target/quarkus-app/quarkus-run.jar" ] || [ ! -f e2e-tests/target/runtime-classpath.txt ]; then
    say "building Stagecraft (./mvnw install -DskipTests)"
    ./mvnw -B -ntp -q install -DskipTests
    break
  fi
done

# secrets made once and kept: the sealing key of every environment's secret values, and the first admin token
umask 077
[ -s "$HOME_DIR/secrets.key" ] || head -c 32 /dev/urandom | base64 >"$HOME_DIR/secrets.key"
[ -s "$HOME_DIR/admin-token" ] || printf 'sc_admin_%s\n' "$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$HOME_DIR/admin-token"
umask 022

engine_start "$HOME_DIR/engine" "${STAGECRAFT_POOL:-10.210.0.0/16}"
registry_start "$HOME_DIR" "$REGISTRY_ADDR"
router_start "$HOME_DIR" "$ROUTER_LISTEN" "$ROUTER_ADMIN"
# environments that were running when Stagecraft went down run again (their containers stopped with the engine)
stopped=$(docker ps -aq --filter label=app.kubernetes.io/managed-by=stagecraft --filter label=stagecraft.dev/service \
  --filter status=exited)
if [ -n "$stopped" ]; then
  say "starting $(echo "$stopped" | wc -l) environment containers again"
  for c in $stopped; do
    # one that cannot start (its image or network gone) is reported, and its environment's next setup replaces it
    docker start "$c" >/dev/null 2>&1 || say "container $c did not start again: $(docker inspect -f '{{.Name}} {{.State.Error}}' "$c" 2>&1)"
  done
fi

CP="e2e-tests/target/classes:$(cat e2e-tests/target/runtime-classpath.txt)"
# no image can be pulled here: the local base image (busybox: sh, httpd) is made from the host's static busybox
java -cp "$CP" dev.stagecraft.runtime.docker.BaseImages >/dev/null
if ! pid_alive "$HOME_DIR/pids/infra.pid"; then
  say "starting Kafka on 127.0.0.1:$KAFKA_PORT and PostgreSQL on 127.0.0.1:$PG_PORT (data in $HOME_DIR/infra)"
  : >"$HOME_DIR/logs/infra.log"
  setsid java -Xmx512m -Djava.io.tmpdir="$HOME_DIR/tmp" -cp "$CP" dev.stagecraft.infra.LocalInfraMain \
    "$HOME_DIR/infra" "$KAFKA_PORT" "$PG_PORT" >>"$HOME_DIR/logs/infra.log" 2>&1 </dev/null &
  echo $! >"$HOME_DIR/pids/infra.pid"
  for _ in $(seq 1 240); do
    grep -q '^READY ' "$HOME_DIR/logs/infra.log" && break
    pid_alive "$HOME_DIR/pids/infra.pid" || break
    sleep 0.5
  done
  grep -q '^READY ' "$HOME_DIR/logs/infra.log" || { say "Kafka and PostgreSQL did not start; see $HOME_DIR/logs/infra.log"; exit 1; }
fi

# each service gets only the secrets it needs: the sealing key not the build-service (it builds pull request code),
# the admin token the gateway alone
secret_for() {
  case "$2" in
    secrets.key) [ "$1" = build ] || cat "$HOME_DIR/secrets.key" ;;
    admin-token) [ "$1" = gateway ] && cat "$HOME_DIR/admin-token" ;;
  esac
  return 0
}

for s in "${SERVICES[@]}"; do
  pid_alive "$HOME_DIR/pids/$s.pid" && continue
  host=127.0.0.1
  [ "$s" = gateway ] && host=$GATEWAY_HOST
  say "starting $s-service on $host:${PORTS[$s]}"
  STAGECRAFT_KAFKA=127.0.0.1:$KAFKA_PORT \
  STAGECRAFT_KAFKA_USER=stagecraft-$s \
  STAGECRAFT_KAFKA_PASSWORD=$(sed -n "s/^stagecraft-$s=//p" "$HOME_DIR/infra/kafka-credentials.properties") \
  STAGECRAFT_JDBC_URL=jdbc:postgresql://127.0.0.1:$PG_PORT/stagecraft \
  STAGECRAFT_JDBC_USER=postgres \
  STAGECRAFT_REGISTRY=$STAGECRAFT_REGISTRY \
  STAGECRAFT_BUILD_PUSH=${STAGECRAFT_BUILD_PUSH:-kubernetes} \
  STAGECRAFT_BUILD_DIR=$HOME_DIR/build \
  STAGECRAFT_SECRETS_KEY=$(secret_for "$s" secrets.key) \
  STAGECRAFT_ADMIN_TOKEN=$(secret_for "$s" admin-token) \
  STAGECRAFT_ROUTER_ADMIN=$STAGECRAFT_ROUTER_ADMIN STAGECRAFT_ROUTER_PORT=$STAGECRAFT_ROUTER_PORT \
  STAGECRAFT_ROUTER_ACCESS_LOG=${STAGECRAFT_ROUTER_ACCESS_LOG:-} \
  STAGECRAFT_OTEL_ENDPOINT=${STAGECRAFT_OTEL_ENDPOINT:-} STAGECRAFT_OTEL_PROTOCOL=${STAGECRAFT_OTEL_PROTOCOL:-grpc} \
  STAGECRAFT_LOG_JSON=${STAGECRAFT_LOG_JSON:-false} \
  setsid env -C "$s-service/target/quarkus-app" java @"$PWD/deploy/jvm.options" -Djava.io.tmpdir="$HOME_DIR/tmp" \
    -Dquarkus.http.host="$host" -Dquarkus.http.port="${PORTS[$s]}" -jar quarkus-run.jar \
    >>"$HOME_DIR/logs/$s.log" 2>&1 </dev/null &
  echo $! >"$HOME_DIR/pids/$s.pid"
done

for s in "${SERVICES[@]}"; do
  ok=false
  for _ in $(seq 1 240); do
    if curl -fsS "http://127.0.0.1:${PORTS[$s]}/q/health/ready" >/dev/null 2>&1; then ok=true; break; fi
    pid_alive "$HOME_DIR/pids/$s.pid" || break
    sleep 0.5
  done
  $ok || { say "$s-service is not ready; see $HOME_DIR/logs/$s.log"; tail -n 20 "$HOME_DIR/logs/$s.log" >&2; exit 1; }
done

url=${PUBLIC_URL:-http://127.0.0.1:${PORTS[gateway]}}
cat <<TXT
Stagecraft is up (state in $HOME_DIR; stop it with deploy/local/down.sh).
  gateway      $url   (console: $url/ ; OpenAPI: $url/q/openapi)
  admin token  $(cat "$HOME_DIR/admin-token")
  webhooks     $url/webhooks/github  $url/webhooks/gitlab  $url/webhooks/bitbucket
  environments http://<service>-<environment>.${STAGECRAFT_ROUTER_DOMAIN:-localhost}:$STAGECRAFT_ROUTER_PORT  (router: Caddy on $ROUTER_LISTEN, admin $ROUTER_ADMIN)
  registry     $STAGECRAFT_REGISTRY   Docker engine  $DOCKER_HOST
  logs         $HOME_DIR/logs
TXT
