#!/usr/bin/env bash
# Webhook intake under load: signed GitHub push deliveries with unique ids, for a branch no environment follows, over
# a fixed number of connections for a fixed time; prints throughput and p50/p90/p99.
# Usage: deploy/bench/intake.sh [connections] [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/bench/lib.sh
bench_run intake 10.213.0.0/16 IntakeMain "$@"
