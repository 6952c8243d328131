# The benchmarks' launcher, sourced by run.sh, runtime.sh, load.sh and datasets.sh.
# bench_run NAME POOL MAIN [ARGS...]: a Docker engine (address pool POOL, or STAGECRAFT_BENCH_POOL), a registry and a
# router of their own under /tmp/stagecraft-NAME.XXXXXX, removed at the end whatever happens; builds the project
# (unless STAGECRAFT_SKIP_BUILD is set), then runs dev.stagecraft.e2e.MAIN with ARGS.
source deploy/local/lib.sh

bench_run() {
  local name=$1 pool=$2 main=$3
  shift 3
  stagecraft_packages
  BENCH_DIR=$(mktemp -d "/tmp/stagecraft-$name.XXXXXX")
  chmod 755 "$BENCH_DIR"
  trap bench_cleanup EXIT
  trap 'exit 130' INT TERM
  engine_start "$BENCH_DIR/engine" "${STAGECRAFT_BENCH_POOL:-$pool}"
  registry_start "$BENCH_DIR"
  router_start "$BENCH_DIR"
  [ -n "${STAGECRAFT_SKIP_BUILD:-}" ] || ./mvnw -B -ntp -q install -DskipTests
  java -Djava.io.tmpdir="$BENCH_DIR" -Dstagecraft.root="$PWD" -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
    -cp "e2e-tests/target/classes:$(cat e2e-tests/target/runtime-classpath.txt)" "dev.stagecraft.e2e.$main" "$@"
}

bench_cleanup() {
  trap - EXIT INT TERM
  set +e   # every step of the clean-up runs, whatever the one before it did
  router_stop "$BENCH_DIR"
  registry_stop "$BENCH_DIR"
  engine_purge "$BENCH_DIR/engine"
  engine_stop "$BENCH_DIR/engine"
  remove_tree "$BENCH_DIR"
}
