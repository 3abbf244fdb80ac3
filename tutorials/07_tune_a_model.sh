#!/usr/bin/env bash
# Tutorial 7: tune a whole model — every task under one budget, with a task scheduler.
#
# `tessera tune-model` imports the model, tunes its distinct tasks together (the budget is
# for all of them: --trials N is how many records the tasks together should have in the
# database), then builds the model with the tuned kernels and the untuned ones, checks that
# they agree and times both. docs/tuning.md ("Many tasks") explains the schedulers and the
# table.
#
# Usage: 07_tune_a_model.sh TESSERA MODELS_DIR   (the test suite runs it with a tiny budget;
# for a real model give 64 or more trials per task and leave out the options of step 1
# that make it quick)
set -euo pipefail
tessera=$1
models=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
model=$models/small_cnn.onnx

# 1. Gradient (Ansor's scheduler, the default): a warm-up round per task, then rounds where
#    the estimated end-to-end gain is largest. Quick settings: one candidate per round,
#    random sampling (replay-trace) instead of the evolutionary search, no re-measurement.
quick=(--trials-per-round 1 --strategy replay-trace --cost-model random --remeasure 0)
"$tessera" tune-model "$model" --trials 12 --db "$work/db" "${quick[@]}" --repeats 3

# 2. The same command with a larger budget resumes: the 12 trials count, 4 more are run.
#    Every round is in DIR/task_rounds.csv: which task got it, why, and the estimate after.
"$tessera" tune-model "$model" --trials 16 --db "$work/db" "${quick[@]}" --repeats 3 | tail -4
cat "$work/db/task_rounds.csv"

# 3. FamilySeer's scheduler: tasks grouped by anchor operator share one cost model, and an
#    improving round gives its siblings a small foresee round (here 1 candidate).
"$tessera" tune-model "$model" --trials 14 --db "$work/family" --scheduler family \
  --family-by op --foresee-trials 1 "${quick[@]}" --repeats 3 | grep -E "^(round|scheduler)"

# 4. Several workloads of the library tuned together: `tessera tune` with several -w.
"$tessera" tune -w gemm:m=32,n=32,k=32 -w gemm:m=64,n=32,k=16 --trials 4 --db "$work/several" \
  "${quick[@]}"

# 5. The tuned model runs like any other with the database (run-model --db).
"$tessera" run-model "$model" --db "$work/db" --input input="$models/small_cnn.input.pb" \
  --check --expected output="$models/small_cnn.output.pb"
