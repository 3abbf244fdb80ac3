#!/usr/bin/env bash
# Tunes the workload suite into bench/tuning_db (the numbers of the tuning issue):
# GMM:3 and C2D:2 for 1000 trials, DEP:1 and SFM:2 for 500, every other suite entry at
# shape 1 for 64. The database is committed, so a rerun resumes (a task that already
# has its trials only re-measures its best) and the results can be replayed:
#   build/tools/tessera replay --db bench/tuning_db -w GMM:3 --time
# Usage: bench/tune_suite.sh [BUILD_DIR] [ENTRY...]   (default: every entry below)
set -euo pipefail
build=${1:-build}
shift || true
db=$(dirname "$0")/tuning_db
tasks=("GMM:3 1000" "C2D:2 1000" "DEP:1 500" "SFM:2 500"
       "C1D:1 64" "C3D:1 64" "CAP:1 64" "CBR:1 64" "DIL:1 64" "GRP:1 64" "NRM:1 64" "T2D:1 64" "TBG:1 64")
lscpu | grep -E "Model name|^CPU\(s\)"
for task in "${tasks[@]}"; do
  read -r workload trials <<<"$task"
  if (($# > 0)) && [[ " $* " != *" $workload "* ]]; then continue; fi
  echo "== $workload ($trials trials)"
  start=$(date +%s)
  "$build/tools/tessera" tune -w "$workload" --trials "$trials" --db "$db" --seed 1
  echo "wall: $(( $(date +%s) - start )) s"
done
