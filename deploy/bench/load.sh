#!/usr/bin/env bash
# Load: many pull requests opened at once; every one must become READY, then DELETED once closed.
# Usage: deploy/bench/load.sh [pull requests] [rounds]
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/bench/lib.sh
bench_run load 10.217.0.0/16 LoadMain "$@"
