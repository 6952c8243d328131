#!/usr/bin/env bash
# What the services cost: start time of all five at once and of each alone, and each one's idle resident memory.
# Usage: deploy/bench/services.sh [idle seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/bench/lib.sh
bench_run services 10.212.0.0/16 ServicesMain "$@"
