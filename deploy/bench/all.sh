#!/usr/bin/env bash
# Every figure of the performance goals in one run, each beside its goal: services.sh 20, run.sh [rounds], intake.sh
# at 32 and at 8 connections for [intake seconds], load.sh [pull requests] 1; then one table of figure, measured,
# goal and met. Exits non-zero only when a measurement failed, not when a goal is missed.
# Usage: deploy/bench/all.sh [rounds] [pull requests] [intake seconds]   (defaults 5, 200, 20)
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/bench/lib.sh
bench_run all 10.211.0.0/16 GoalsMain "$@"
