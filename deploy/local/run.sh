#!/usr/bin/env bash
# One command for the local demo: Docker engine and registry, Kafka, PostgreSQL, the five services, and a sample
# application driven from pull request opened to READY (URLs answer) to patched to deleted.
# Pass --keep to stop after the push and keep everything running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/../.."

bash deploy/local/engine.sh
export STAGECRAFT_REGISTRY=${STAGECRAFT_REGISTRY:-127.0.0.1:5000}

stale=false
for s in gateway build setup patch teardown; do
  jar=$s-service/target/quarkus-app/quarkus-run.jar
  if [ ! -f "$jar" ] || [ -n "$(find "$s-service/src" common-*/src -newer "$jar" -type f -print -quit)" ]; then
    stale=true
  fi
done
if $stale || [ ! -f e2e-tests/target/runtime-classpath.txt ]; then
  echo "demo: building Stagecraft (./mvnw install -DskipTests)"
  ./mvnw -B -ntp -q install -DskipTests
fi

exec java -Dstagecraft.root="$PWD" -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "e2e-tests/target/classes:$(cat e2e-tests/target/runtime-classpath.txt)" \
  dev.stagecraft.e2e.DemoMain "$@"
