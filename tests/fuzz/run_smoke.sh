#!/usr/bin/env bash
# Bounded fuzzing smoke test: copies the seed corpus to a scratch directory (the
# fuzzer adds inputs to it) and fuzzes for a fixed time with a fixed seed.
# usage: run_smoke.sh FUZZER SEED_CORPUS SECONDS
set -euo pipefail
fuzzer=$1 seeds=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp "$seeds"/* "$work"/
exec "$fuzzer" -seed=1 -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 "$work"
