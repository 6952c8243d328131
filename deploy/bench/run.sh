#!/usr/bin/env bash
# Benchmark of the e2e flow against the same work done by hand with git and docker. Usage: deploy/bench/run.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."

bash deploy/local/engine.sh
export STAGECRAFT_REGISTRY=${STAGECRAFT_REGISTRY:-127.0.0.1:5000}
./mvnw -B -ntp -q install -DskipTests

exec java -Dstagecraft.root="$PWD" -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "e2e-tests/target/classes:$(cat e2e-tests/target/runtime-classpath.txt)" dev.stagecraft.e2e.BenchmarkMain "$@"
