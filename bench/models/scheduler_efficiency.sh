#!/usr/bin/env bash
# Search efficiency of the task schedulers: each of round-robin, gradient and family tunes
# the model from an empty database with the same budget (N trials per distinct task), for
# each seed; every round's estimated end-to-end latency (Σ weight × best) is logged, and
# plot_efficiency.py turns the logs into a table and a plot.
#
#   bash bench/models/scheduler_efficiency.sh [--models resnet18,bert_encoder]
#        [--trials-per-task 32] [--seeds 1,2] [--schedulers round-robin,gradient,family]
#
# Output: $TESSERA_BENCH_DIR/efficiency/<model>_<scheduler>_s<seed>/ (database, task_rounds.csv,
# tune.log), then efficiency.md and efficiency.png there.
set -euo pipefail
cd "$(dirname "$0")/../.."
models=resnet18,bert_encoder
per_task=32
seeds=1,2
schedulers=round-robin,gradient,family
while [ $# -gt 0 ]; do
  case $1 in
    --models) models=$2; shift 2 ;;
    --trials-per-task) per_task=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    --schedulers) schedulers=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
tessera=build/tools/tessera
work=${TESSERA_BENCH_DIR:-bench/models/out}
out="$work/efficiency"
mkdir -p "$out"
for m in ${models//,/ }; do
  [ -f "$work/$m.onnx" ] || /usr/bin/python3 bench/models/export_models.py "$work" --models "$m"
done
lscpu | grep -E "Model name|^CPU\(s\)" | sed 's/  */ /g' | tee "$out/machine.txt"
for m in ${models//,/ }; do
  tasks=$("$tessera" import "$work/$m.onnx" | head -1 | sed -n 's/.*(\([0-9]*\) distinct).*/\1/p')
  for seed in ${seeds//,/ }; do
    for s in ${schedulers//,/ }; do
      run="$out/${m}_${s}_s$seed"
      rm -rf "$run"
      mkdir -p "$run"
      echo "$m $s seed $seed: $((per_task * tasks)) trials"
      "$tessera" tune-model "$work/$m.onnx" --trials $((per_task * tasks)) --db "$run" \
        --scheduler "$s" --seed "$seed" --repeats 5 > "$run/tune.log" 2>&1
      grep -E "^(estimated|end-to-end)" "$run/tune.log"
    done
  done
done
/usr/bin/python3 bench/models/plot_efficiency.py "$out"
