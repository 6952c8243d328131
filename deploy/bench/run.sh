#!/usr/bin/env bash
# Benchmark of the e2e flow against the same work done by hand with git and docker. Usage: deploy/bench/run.sh [rounds]
# Runs on a Docker engine, registry and router of its own under a temporary folder, removed at the end.
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/bench/lib.sh
bench_run bench 10.214.0.0/16 BenchmarkMain "$@"
