#!/usr/bin/env bash
# What the Docker runtime itself costs: sets up and tears down a two-service environment many times (network,
# containers, readiness, routes), with and without the router. Usage: deploy/bench/runtime.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/bench/lib.sh
bench_run runtime-bench 10.215.0.0/16 RuntimeBenchmarkMain "$@"
