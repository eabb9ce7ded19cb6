#!/usr/bin/env bash
# Flakiness check (issue #17): runs `.ci/run` three times in a row, each in a fresh clone of the
# committed HEAD in a `mktemp -d` directory (mode 0700, nothing beside it), while two CPU-bound
# processes compete for the machine (a loaded 2-core CI runner). Prints each run's totals line and
# ends with one verdict line; exits 0 only when every run passed.
#   bash scripts/ci-under-load.sh [--runs N] [--keep-going] [--logs DIR]
#     --runs N       how many runs (default 3)
#     --keep-going   run them all even after a failure (default: stop at the first failure)
#     --logs DIR     where each run's full output goes (default: a new mktemp -d directory)
# Uncommitted changes are not tested: the clones are of HEAD.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
runs=3
keep_going=false
logs=''
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=${2:?--runs needs a number}; shift 2 ;;
    --keep-going) keep_going=true; shift ;;
    --logs) logs=${2:?--logs needs a directory}; shift 2 ;;
    *) echo "ci-under-load: unknown argument $1 (use --runs N, --keep-going, --logs DIR)" >&2; exit 2 ;;
  esac
done
case $runs in '' | *[!0-9]* | 0) echo "ci-under-load: --runs takes a positive whole number, not $runs" >&2; exit 2 ;; esac

commit=$(git -C "$repo" rev-parse HEAD) || { echo "ci-under-load: $repo is not a git repository" >&2; exit 2; }
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
  echo "ci-under-load: note: uncommitted changes in $repo are not tested (the clones are of HEAD)"
fi
if [ -z "$logs" ]; then logs=$(mktemp -d -t ci-under-load-logs.XXXXXX); fi
mkdir -p "$logs"

hogs=()
scratch=''
cleanup() {
  for pid in "${hogs[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${hogs[@]}"; do wait "$pid" 2>/dev/null; done
  if [ -n "$scratch" ]; then rm -rf "$scratch"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
for _ in 1 2; do
  # A busy loop in its own process, killed by the trap whatever happens.
  bash -c 'while :; do :; done' &
  hogs+=("$!")
done
echo "ci-under-load: commit $commit; two CPU hogs running (pids ${hogs[*]}); $runs runs of .ci/run; logs in $logs"

passed_runs=0
failed_runs=0
for run in $(seq 1 "$runs"); do
  # A fresh clone each time: a new user's checkout, in a directory only root can read.
  scratch=$(mktemp -d -t ci-under-load.XXXXXX)
  chmod 0700 "$scratch"
  log="$logs/run-$run.log"
  echo "ci-under-load: run $run of $runs in $scratch/p (load average $(cut -d' ' -f1-3 /proc/loadavg)), started $(date -u +%H:%M:%S)"
  started=$(date +%s)
  if git clone -q "$repo" "$scratch/p" && git -C "$scratch/p" checkout -q --detach "$commit"; then
    bash "$scratch/p/.ci/run" >"$log" 2>&1
    status=$?
  else
    echo "ci-under-load: could not clone $repo at $commit" >"$log"
    status=1
  fi
  # Keep each package's vitest report next to the log, for the failures' details.
  for report in "$scratch"/p/packages/*/test-results.json "$scratch"/p/apps/*/test-results.json; do
    [ -f "$report" ] && cp "$report" "$logs/run-$run-$(basename "$(dirname "$report")")-test-results.json"
  done
  for pid in "${hogs[@]}"; do
    kill -0 "$pid" 2>/dev/null || { echo "ci-under-load: a CPU hog (pid $pid) died: the run was not under load" >>"$log"; status=1; }
  done
  rm -rf "$scratch"
  scratch=''
  totals=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  minutes=$(( ($(date +%s) - started + 30) / 60 ))
  if [ $status -eq 0 ]; then
    passed_runs=$((passed_runs + 1))
    echo "ci-under-load: run $run passed: ${totals:-no totals line} ($minutes min)"
  else
    failed_runs=$((failed_runs + 1))
    echo "ci-under-load: run $run FAILED: ${totals:-no totals line} ($minutes min); log: $log"
    sed -E 's/\x1b\[[0-9;]*m//g' "$log" | grep -E ':test: +FAIL ' | sed 's/^/  /' | head -n 20
    if [ "$keep_going" = false ]; then break; fi
  fi
done

if [ $failed_runs -eq 0 ] && [ $passed_runs -eq "$runs" ]; then
  echo "ci-under-load: VERDICT PASS: $passed_runs of $runs runs passed in a row beside two CPU hogs (commit ${commit:0:12})"
  exit 0
fi
echo "ci-under-load: VERDICT FAIL: $passed_runs of $runs runs passed, $failed_runs failed (commit ${commit:0:12}); logs in $logs"
exit 1
