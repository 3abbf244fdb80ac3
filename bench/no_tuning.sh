#!/usr/bin/env bash
# The no-tuning mode against tuning: for every task of bench/tuning_db, the latency of the
# kernel `tessera tune --trials 0` picks with a cost model, relative to the best tuned
# kernel of the database, both re-timed now in this process (replay --time, 2 threads).
# Two models: the shipped one (models/znver5.json, trained on bench/tuning_db itself, so
# it has seen every workload), and one trained without the workload (leave-one-out: the
# workload is new to it, as it would be to a user).
# Usage: bench/no_tuning.sh [BUILD_DIR]
set -euo pipefail
build=${1:-build}
bench=$(dirname "$0")
tessera="$build/tools/tessera"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
lscpu | grep -E "Model name|^CPU\(s\)"
median_ms() { "$tessera" replay --db "$1" -w "$2" --time --threads 2 2>/dev/null | tail -1 | sed -E 's/^median ([0-9.]+) ms.*/\1/'; }
printf "%-70s %10s %12s %7s %12s %7s\n" workload "tuned ms" "shipped ms" ratio "unseen ms" ratio
"$tessera" db list --db "$bench/tuning_db" | awk 'NR > 1 && length($1) == 16 {print $2}' | while read -r spec; do
  tuned=$(median_ms "$bench/tuning_db" "$spec")
  "$tessera" tune -w "$spec" --trials 0 --cost-model-file models/znver5.json --db "$scratch/shipped" > /dev/null
  shipped=$(median_ms "$scratch/shipped" "$spec")
  "$tessera" costmodel train --db "$bench/tuning_db" --exclude "$spec" --out "$scratch/unseen.json" > /dev/null
  "$tessera" tune -w "$spec" --trials 0 --cost-model-file "$scratch/unseen.json" --db "$scratch/unseen" > /dev/null
  unseen=$(median_ms "$scratch/unseen" "$spec")
  awk -v s="$spec" -v t="$tuned" -v p="$shipped" -v u="$unseen" 'BEGIN { printf "%-70s %10s %12s %7.2f %12s %7.2f\n", s, t, p, p / t, u, u / t }'
done
