#!/usr/bin/env bash
# One command for the local demo: a Docker engine and an image registry of its own, Kafka, PostgreSQL, the five
# services, the router (Caddy), and a sample application driven from pull request opened to READY (URLs answer) to patched to deleted.
# Pass --keep to stop after the push and keep everything running until Ctrl-C, which closes the pull request, waits
# for DELETED, and only then stops the services and the infrastructure.
# Everything the demo starts lives under one temporary folder, removed at the end: no container, image, network,
# JVM, PostgreSQL or Kafka of the demo is left behind.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/lib.sh

stagecraft_packages

DEMO_DIR=$(mktemp -d /tmp/stagecraft-demo.XXXXXX)
chmod 755 "$DEMO_DIR"   # PostgreSQL runs as its own user and must reach its data folder below this one
cleanup() {
  trap - EXIT INT TERM
  set +e   # every step of the clean-up runs, whatever the one before it did
  router_stop "$DEMO_DIR"
  registry_stop "$DEMO_DIR"
  engine_purge "$DEMO_DIR/engine"
  engine_stop "$DEMO_DIR/engine"
  remove_tree "$DEMO_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say "starting a Docker engine, an image registry and the router in $DEMO_DIR"
engine_start "$DEMO_DIR/engine" "${STAGECRAFT_DEMO_POOL:-10.212.0.0/16}"
registry_start "$DEMO_DIR"
router_start "$DEMO_DIR"

stale=false
for s in gateway build setup patch teardown; do
  jar=$s-service/target/quarkus-app/quarkus-run.jar
  if [ ! -f "$jar" ] || [ -n "$(find "$s-service/src" common-*/src deploy/local-infra/src -newer "$jar" -type f -print -quit)" ]; then
    stale=true
  fi
done
if $stale || [ ! -f e2e-tests/target/runtime-classpath.txt ]; then
  say "building Stagecraft (./mvnw install -DskipTests)"
  ./mvnw -B -ntp -q install -DskipTests
fi

# not exec: the engine and the registry are stopped by the trap above once the demo's JVM has finished
java -Djava.io.tmpdir="$DEMO_DIR" -Dstagecraft.root="$PWD" -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "e2e-tests/target/classes:$(cat e2e-tests/target/runtime-classpath.txt)" dev.stagecraft.e2e.DemoMain "$@"
