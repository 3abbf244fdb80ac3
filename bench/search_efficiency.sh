#!/usr/bin/env bash
# Search efficiency of the cost model: best latency after 64, 128, 256 and 512 trials for
# evolutionary search with the MLP cost model, with the random model, and ReplayTrace, on
# GMM:2 and C2D:2, seeds 1 and 2. Each run has its own database under
# bench/search_efficiency/ (committed; a rerun resumes), then
# bench/search_efficiency_report.py writes the table (search_efficiency.md) and the plot
# (search_efficiency.svg) from the tuning curves.
# Usage: bench/search_efficiency.sh [BUILD_DIR] [TRIALS]   (default build, 512)
set -euo pipefail
build=${1:-build}
trials=${2:-512}
out=$(dirname "$0")/search_efficiency
mkdir -p "$out"
lscpu | grep -E "Model name|^CPU\(s\)"
for workload in GMM:2 C2D:2; do
  for seed in 1 2; do
    for setup in "mlp evolutionary mlp" "random evolutionary random" "replay-trace replay-trace random"; do
      read -r name strategy model <<<"$setup"
      db="$out/${workload/:/}_${name}_seed${seed}"
      echo "== $workload $name seed $seed"
      start=$(date +%s)
      "$build/tools/tessera" tune -w "$workload" --trials "$trials" --db "$db" --seed "$seed" --strategy "$strategy" \
        --cost-model "$model" --remeasure 0 | tail -3
      echo "wall: $(( $(date +%s) - start )) s"
    done
  done
done
# Debian's python3, which has python3-matplotlib (another python3 on PATH may not).
"$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3)" "$(dirname "$0")/search_efficiency_report.py" "$out"
