#!/usr/bin/env bash
# The environment list with a full database: one pull request READY, copied with its workflows until the database
# holds that many environments; then GET /api/environments again and again; prints p50/p90/p99.
# Usage: deploy/bench/list.sh [environments] [requests]
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/bench/lib.sh
bench_run list 10.219.0.0/16 ListMain "$@"
