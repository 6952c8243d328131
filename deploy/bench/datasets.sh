#!/usr/bin/env bash
# What a dataset saves: an environment's database from a pooled copy of a snapshot, against restoring the dump for
# it (restore, pool copy, checkout, setup until the database answers, teardown). Needs PostgreSQL 15 on the host
# (the image stagecraft/base:postgres is made from its binaries), or MariaDB for mysql (stagecraft/base:mysql).
# Usage: deploy/bench/datasets.sh [rows] [rounds] [postgresql|mysql]
set -euo pipefail
cd "$(dirname "$0")/../.."
source deploy/bench/lib.sh
bench_run dataset-bench 10.219.0.0/16 DatasetBenchmarkMain "$@"
