#!/usr/bin/env bash
# Flakiness check: runs .ci/run three times in a row while two CPU-bound processes compete for the
# machine (a loaded 2-core CI runner), and stops at the first failure. Exit code 0 only when all
# three runs passed.
#   bash scripts/ci-under-load.sh [runs]
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}

hogs=()
stop_hogs() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null; done
}
trap stop_hogs EXIT
for _ in 1 2; do
  # A busy loop in its own process, killed by the trap whatever happens.
  bash -c 'while :; do :; done' &
  hogs+=("$!")
done
echo "ci-under-load: two CPU hogs running (pids ${hogs[*]}); $runs runs of .ci/run"

for run in $(seq 1 "$runs"); do
  echo "ci-under-load: run $run of $runs"
  if ! bash .ci/run; then
    echo "ci-under-load: run $run failed"
    exit 1
  fi
done
echo "ci-under-load: all $runs runs passed"
