#!/usr/bin/env bash
# End-to-end latency of whole models: tessera's graph runner against ONNX Runtime, both
# measured in this run, at 1 and 2 threads.
#
#   bash bench/models/run_benchmark.sh [--db DIR] [--models resnet18,resnet50,mobilenet_v2,bert_encoder]
#
# Installs what it needs (python3-torch/python3-torchvision to export the models, and
# onnxruntime-node from npm with --ignore-scripts: its install script fetches GPU files from
# a host these machines cannot reach; the CPU library is inside the package). Without --db,
# tessera runs its no-tuning picks (the pretrained cost model's ranking of default-space
# samples); with --db, the database's kernels where it has them. Every tessera run is first
# checked against PyTorch's output. Prints one line per model and thread count with both
# medians and their ratio; name the machine with the numbers (lscpu).
set -euo pipefail
cd "$(dirname "$0")/../.."
models=resnet18,resnet50,mobilenet_v2,bert_encoder
db_args=()
while [ $# -gt 0 ]; do
  case $1 in
    --db) db_args=(--db "$2"); shift 2 ;;
    --models) models=$2; shift 2 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
tessera=build/tools/tessera
work=${TESSERA_BENCH_DIR:-bench/models/out}
mkdir -p "$work"

if ! /usr/bin/python3 -c "import torch, torchvision" 2>/dev/null; then
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq python3-torch python3-torchvision
fi
if [ ! -d "$work/node_modules/onnxruntime-node" ]; then
  (cd "$work" && npm init -y > /dev/null && npm install --ignore-scripts onnxruntime-node > /dev/null)
fi
for m in ${models//,/ }; do
  [ -f "$work/$m.onnx" ] || /usr/bin/python3 bench/models/export_models.py "$work" --models "$m"
done

lscpu | grep -E "Model name|^CPU\(s\)" | sed 's/  */ /g'
printf "%-14s %7s %12s %12s %8s %s\n" model threads tessera_ms ort_ms ratio "(tessera / ORT; lower is better)"
for m in ${models//,/ }; do
  shape=$(case $m in bert_encoder) echo 1,128,768 ;; *) echo 1,3,224,224 ;; esac)
  "$tessera" run-model "$work/$m.onnx" "${db_args[@]}" --cost-model-file models/znver5.json \
    --input input="$work/$m.input.pb" --check --expected output="$work/$m.output.pb" > "$work/$m.check.txt"
  grep -q "check output: ok" "$work/$m.check.txt" || { cat "$work/$m.check.txt"; exit 1; }
  for threads in 1 2; do
    t=$("$tessera" run-model "$work/$m.onnx" "${db_args[@]}" --cost-model-file models/znver5.json \
          --input input="$work/$m.input.pb" --time --repeats 10 --threads "$threads" |
        sed -n 's/^latency: median \([0-9.]*\) ms.*/\1/p')
    o=$(NODE_PATH="$work/node_modules" node bench/models/ort_bench.js "$work/$m.onnx" "$shape" "$threads" 10 |
        sed -n 's/.*median \([0-9.]*\) ms.*/\1/p')
    printf "%-14s %7s %12.2f %12.2f %8.2f\n" "$m" "$threads" "$t" "$o" "$(echo "$t / $o" | bc -l)"
  done
done
