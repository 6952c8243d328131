#!/usr/bin/env bash
# Stops what deploy/local/up.sh started, in reverse order: the five services, Kafka and PostgreSQL, the registry and
# the Docker engine (the environments' containers stop with it and start again at the next up.sh).
# Keeps all state under STAGECRAFT_HOME (default /var/lib/stagecraft).
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/lib.sh

HOME_DIR=${STAGECRAFT_HOME:-/var/lib/stagecraft}
[ -d "$HOME_DIR" ] || { say "nothing to stop: $HOME_DIR does not exist"; exit 0; }
for s in gateway build setup patch teardown; do
  if pid_alive "$HOME_DIR/pids/$s.pid"; then say "stopping $s-service"; fi
  stop_pid "$HOME_DIR/pids/$s.pid" 30
done
if pid_alive "$HOME_DIR/pids/infra.pid"; then say "stopping Kafka and PostgreSQL"; fi
stop_pid "$HOME_DIR/pids/infra.pid" 120
if pid_alive "$HOME_DIR/caddy.pid"; then say "stopping the router"; fi
router_stop "$HOME_DIR"
if pid_alive "$HOME_DIR/registry.pid"; then say "stopping the registry"; fi
registry_stop "$HOME_DIR"
if pid_alive "$HOME_DIR/engine/run/dockerd.pid"; then say "stopping the Docker engine"; fi
engine_stop "$HOME_DIR/engine"
say "Stagecraft is down; its state is kept in $HOME_DIR"
