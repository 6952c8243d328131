#!/usr/bin/env bash
# What the Docker runtime itself costs: sets up and tears down a two-service environment many times (network,
# containers, readiness, routes), with and without the router, on a Docker engine and router of its own under a
# temporary folder, removed at the end. Usage: deploy/bench/runtime.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/lib.sh

stagecraft_packages
BENCH_DIR=$(mktemp -d /tmp/stagecraft-runtime-bench.XXXXXX)
chmod 755 "$BENCH_DIR"
cleanup() {
  trap - EXIT INT TERM
  set +e
  router_stop "$BENCH_DIR"
  engine_purge "$BENCH_DIR/engine"
  engine_stop "$BENCH_DIR/engine"
  remove_tree "$BENCH_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
engine_start "$BENCH_DIR/engine" "${STAGECRAFT_BENCH_POOL:-10.215.0.0/16}"
router_start "$BENCH_DIR"
[ -n "${STAGECRAFT_SKIP_BUILD:-}" ] || ./mvnw -B -ntp -q install -DskipTests

java -Djava.io.tmpdir="$BENCH_DIR" -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "e2e-tests/target/classes:$(cat e2e-tests/target/runtime-classpath.txt)" \
  dev.stagecraft.e2e.RuntimeBenchmarkMain "$@"
