#!/usr/bin/env bash
# Checks deploy/local/up.sh and down.sh on a state folder and ports of their own (gateway 18180, Kafka 19192,
# PostgreSQL 25432, registry 15500): PostgreSQL crashed in the middle of a workflow loses no acknowledged delivery;
# state survives down and up; up twice is harmless. Removes its folder when every check passed.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/local/lib.sh
stagecraft_packages
./mvnw -B -ntp -q install -DskipTests
CHECK_DIR=$(mktemp -d /tmp/stagecraft-up-check.XXXXXX)
chmod 755 "$CHECK_DIR"
if java -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
    -cp "e2e-tests/target/classes:$(cat e2e-tests/target/runtime-classpath.txt)" dev.stagecraft.e2e.UpCheckMain "$PWD" "$CHECK_DIR"; then
  remove_tree "$CHECK_DIR"
else
  say "a check failed; the state folder and logs are kept in $CHECK_DIR"
  exit 1
fi
