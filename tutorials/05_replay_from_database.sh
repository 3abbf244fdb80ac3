#!/usr/bin/env bash
# Tutorial 5: from a tuning database to a kernel a C program calls.
#
# A tuning database keeps every measured program with its trace. `tessera replay --db`
# rebuilds the best one exactly (the trace replays strictly, postprocessing included), and
# --emit so exports it as a shared library with a C header.
#
# Usage: 05_replay_from_database.sh TESSERA 05_call_kernel.c   (the test suite runs it)
set -euo pipefail
tessera=$1
consumer=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# 1. Tune a small GEMM for 16 trials (a real run would use hundreds).
"$tessera" tune -w gemm:m=64,n=64,k=64 --trials 16 --trials-per-round 8 --db "$work/db" --seed 5

# 2. What the database holds: the task, its best programs, the best one's trace as C++.
"$tessera" db list --db "$work/db"
"$tessera" db best --db "$work/db" -w gemm:m=64,n=64,k=64 -k 3
"$tessera" db show --db "$work/db" -w gemm:m=64,n=64,k=64 | head -5

# 3. Rebuild the best kernel, check it against the unscheduled program, export it.
"$tessera" replay --db "$work/db" -w gemm:m=64,n=64,k=64 --check --print-ir > /dev/null
"$tessera" replay --db "$work/db" -w gemm:m=64,n=64,k=64 --emit so --out "$work/gemm.so"

# 4. A plain C program includes the header, links the library and calls the kernel.
cc -std=c11 -O1 -I "$work" -o "$work/call_kernel" "$consumer" "$work/gemm.so" -lm
"$work/call_kernel"
