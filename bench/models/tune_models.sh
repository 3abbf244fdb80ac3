#!/usr/bin/env bash
# Tunes whole models with `tessera tune-model` (a budget of N trials per distinct task), then
# compares the tuned models with ONNX Runtime at 1 and 2 threads (run_benchmark.sh --db).
#
#   bash bench/models/tune_models.sh [--models resnet18,mobilenet_v2,bert_encoder]
#        [--trials-per-task 64] [--scheduler gradient] [--seed 0]
#
# Each model's database is $TESSERA_BENCH_DIR/tuned/<model>_<scheduler>_s<seed> (default
# bench/models/out); a second run resumes it. The tune-model log (the table, the estimated
# and the measured end-to-end latency, tuned and untuned) is tune.log next to it.
set -euo pipefail
cd "$(dirname "$0")/../.."
models=resnet18,mobilenet_v2,bert_encoder
per_task=64
scheduler=gradient
seed=0
while [ $# -gt 0 ]; do
  case $1 in
    --models) models=$2; shift 2 ;;
    --trials-per-task) per_task=$2; shift 2 ;;
    --scheduler) scheduler=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
tessera=build/tools/tessera
work=${TESSERA_BENCH_DIR:-bench/models/out}
mkdir -p "$work/tuned"
for m in ${models//,/ }; do
  [ -f "$work/$m.onnx" ] || /usr/bin/python3 bench/models/export_models.py "$work" --models "$m"
done
lscpu | grep -E "Model name|^CPU\(s\)" | sed 's/  */ /g'
for m in ${models//,/ }; do
  tasks=$("$tessera" import "$work/$m.onnx" | head -1 | sed -n 's/.*(\([0-9]*\) distinct).*/\1/p')
  db="$work/tuned/${m}_${scheduler}_s$seed"
  mkdir -p "$db"
  echo "$m: $tasks distinct tasks, $((per_task * tasks)) trials, $scheduler scheduler, seed $seed"
  "$tessera" tune-model "$work/$m.onnx" --trials $((per_task * tasks)) --db "$db" \
    --scheduler "$scheduler" --seed "$seed" --input input="$work/$m.input.pb" > "$db/tune.log" 2>&1
  grep -E "^(estimated|scheduler|end-to-end)" "$db/tune.log"
  bash bench/models/run_benchmark.sh --db "$db" --models "$m" | tail -n +2
done
