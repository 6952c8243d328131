#!/usr/bin/env bash
# Load: many pull requests opened at once, all must become READY and then DELETED. Usage: deploy/bench/load.sh [pull requests] [rounds]
# Runs on a Docker engine and registry of its own under a temporary folder, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/lib.sh

stagecraft_packages
BENCH_DIR=$(mktemp -d /tmp/stagecraft-load.XXXXXX)
chmod 755 "$BENCH_DIR"
cleanup() {
  trap - EXIT INT TERM
  set +e   # every step of the clean-up runs, whatever the one before it did
  router_stop "$BENCH_DIR"
  registry_stop "$BENCH_DIR"
  engine_purge "$BENCH_DIR/engine"
  engine_stop "$BENCH_DIR/engine"
  remove_tree "$BENCH_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
engine_start "$BENCH_DIR/engine" "${STAGECRAFT_BENCH_POOL:-10.217.0.0/16}"
registry_start "$BENCH_DIR"
router_start "$BENCH_DIR"
./mvnw -B -ntp -q install -DskipTests

java -Djava.io.tmpdir="$BENCH_DIR" -Dstagecraft.root="$PWD" -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "e2e-tests/target/classes:$(cat e2e-tests/target/runtime-classpath.txt)" dev.stagecraft.e2e.LoadMain "$@"
