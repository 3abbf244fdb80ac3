#!/usr/bin/env bash
# Tutorial 6: a whole model — import an ONNX file, list its tuning tasks, run it, check it.
#
# tessera imports the model (ONNX checker, shape inference, constant folding, batch norm
# folded into the convolutions), cuts it into tasks — each convolution, matmul, pool or
# reduction with the elementwise operators after it fused in — and runs it with one kernel
# per task: from a tuning database when it has the task, else a trained cost model's pick,
# else a sample of the default design space.
#
# Usage: 06_run_an_onnx_model.sh TESSERA MODELS_DIR   (the test suite runs it)
set -euo pipefail
tessera=$1
models=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model=$models/small_cnn.onnx   # a small CNN exported from PyTorch, with its reference output

# 1. The tasks: name, anchor operator, output shape, FLOPs, occurrences, share of the FLOPs.
"$tessera" import "$model"

# 2. Run it on the reference input and compare with PyTorch's output (--expected), then time it.
"$tessera" run-model "$model" --input input="$models/small_cnn.input.pb" \
  --check --expected output="$models/small_cnn.output.pb" --time --repeats 5

# 3. Without --expected, --check compares with the unscheduled programs compiled by LLVM;
#    --output-dir writes each output as a TensorProto file.
"$tessera" run-model "$model" --input input="$models/small_cnn.input.pb" --check --output-dir "$work"
ls "$work"

# 4. Tune one task (--task N prints its program: a workload file for tune and replay), then
#    run the model with the database: that task's kernel now comes from it.
"$tessera" import "$model" --task 3 > "$work/task.tir"
"$tessera" tune -w "$work/task.tir" --trials 8 --trials-per-round 8 --db "$work/db" > /dev/null
"$tessera" run-model "$model" --input input="$models/small_cnn.input.pb" --db "$work/db" \
  --check --expected output="$models/small_cnn.output.pb"
