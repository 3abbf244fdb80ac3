#!/usr/bin/env bash
# End-to-end checks of the `tessera` driver: outputs, exit statuses and error
# messages users see. usage: driver_test.sh path/to/tessera
set -uo pipefail
tessera=$1
failures=0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export TESSERA_CACHE_DIR="$work/kernel-cache"  # run-model's kernels stay in the scratch folder

# expect STATUS PATTERN -- command...: the command exits with STATUS and its
# combined output matches the extended regular expression PATTERN.
expect() {
  local status=$1 pattern=$2
  shift 3
  local out rc
  out=$("$@" 2>&1)
  rc=$?
  if [ "$rc" -ne "$status" ] || ! grep -Eq -- "$pattern" <<<"$out"; then
    echo "FAIL: $* (exit $rc, wanted $status; output should match '$pattern'):"
    echo "$out" | head -20
    failures=$((failures + 1))
  fi
}

expect 0 "^usage: tessera \[OPTIONS\] \[COMMAND\]" -- "$tessera" --help
expect 2 "^usage: tessera \[OPTIONS\] \[COMMAND\]" -- "$tessera"
expect 0 "^tessera [0-9]+\.[0-9]+\.[0-9]+ \(commit .*\), LLVM 19\." -- "$tessera" version
expect 0 "C2D:3  231\.21 MFLOP" -- "$tessera" workloads
expect 0 "^gemm " -- "$tessera" workloads
expect 0 "usage: tessera show-ir" -- "$tessera" show-ir --help
expect 0 "block C\(vi: spatial\(0, 64\) = i" -- "$tessera" show-ir -w gemm:m=64,n=64,k=64
expect 0 "^# workload C2D:n=1,h=56,w=56,ci=64,co=64,kernel=1,stride=1,pad=0,dtype=float32" -- "$tessera" show-ir -w C2D:1
expect 1 "error: unknown workload 'gemmm'; valid names: .*gemm" -- "$tessera" show-ir -w gemmm
expect 1 "error: workload 'C2D' has no parameter 'foo'" -- "$tessera" show-ir -w C2D:1,foo=1
expect 1 "error: --workload is required \(see tessera show-ir --help\)" -- "$tessera" show-ir
expect 1 "error: unexpected argument '--frobnicate'" -- "$tessera" show-ir -w gemm --frobnicate
expect 1 "error: unknown command 'tune-everything'" -- "$tessera" tune-everything
expect 0 "^C +float32\[4, 4\] +sum" -- "$tessera" run -w gemm:m=4,n=4,k=4 --seed 3

# Typed options: a bad value is refused before any work, naming the option and the value.
expect 1 "error: --seed: expected an integer of at least 0, got 'abc'" -- "$tessera" run -w gemm:m=4,n=4,k=4 --seed abc
expect 1 "error: --seed: expected an integer of at least 0, got '-1'" -- "$tessera" run -w gemm:m=4,n=4,k=4 --seed -1
expect 1 "error: --threads: expected an integer from 1 to 4096, got 'abc'" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --time --threads abc
expect 1 "error: --threads: expected an integer from 1 to 4096, got '99999999999'" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --time --threads 99999999999
expect 1 "error: --timeout: expected a positive number of seconds, got 'abc'" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --isolated --timeout abc
out=$("$tessera" space -w gemm:m=64,n=64,k=64 --sample -2 2>&1)
[ "$?" -eq 1 ] && grep -q "error: --sample: expected an integer of at least 1, got '-2'" <<<"$out" && ! grep -q "sketches" <<<"$out" \
  || { echo "FAIL: space --sample -2 must be refused before printing the space:"; echo "$out" | head -5; failures=$((failures + 1)); }
# A flag that is accepted has an effect, or the combination is refused.
expect 1 "error: --repair requires --trace" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --space gemm_manual --repair
expect 1 "error: --repair requires --trace" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --db "$work" --repair
expect 1 "error: --threads 2 sets the threads the compiled kernel runs on; it needs --time" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --threads 2
expect 1 "error: --print-ir prints the IR also with --check or --time; alone it changes nothing" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --print-ir
expect 1 "error: --seed sets the inputs of the check; it needs --check or --isolated" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --seed 3
expect 0 "^median [0-9.]+ ms, [0-9.]+ GFLOP/s \(1 threads, C\)" -- "$tessera" replay -w gemm:m=16,n=16,k=16 -t c --time --threads 1
expect 1 "error: --model excludes --epochs" -- "$tessera" costmodel eval --db "$work" --model "$work/m.json" --epochs 3
expect 1 "error: --model excludes --loss" -- "$tessera" costmodel eval --db "$work" --model "$work/m.json" --loss rank
expect 1 "error: --model excludes --hidden" -- "$tessera" costmodel eval --db "$work" --model "$work/m.json" --hidden 8
expect 1 "error: --model excludes --family-models" -- "$tessera" costmodel eval --db "$work" --model "$work/m.json" --family-models
expect 1 "error: -w gemm:m=8,n=8,k=8,dtype=float32,epilogue=none is given twice" -- "$tessera" tune -w gemm:m=8,n=8,k=8 -w gemm:k=8,m=8,n=8 --trials 2 --db "$work/x"
expect 1 "error: --trials 0 \(the no-tuning mode\) takes one -w; this run has 2" -- "$tessera" tune -w gemm:m=8,n=8,k=8 -w C2D:1 --trials 0 --db "$work/x"
expect 1 "error: --scheduler schedules the tasks of several -w; this run has one" -- "$tessera" tune -w gemm:m=8,n=8,k=8 --scheduler family --trials 2 --db "$work/x"
expect 1 "error: --family-by groups the tasks of --scheduler family, not of --scheduler gradient" -- "$tessera" tune -w gemm:m=8,n=8,k=8 -w C2D:1 --family-by hash --trials 2 --db "$work/x"
expect 1 "error: --foresee-trials sizes the foresee rounds of --scheduler family, not of --scheduler round-robin" -- "$tessera" tune -w gemm:m=8,n=8,k=8 -w C2D:1 --scheduler round-robin --foresee-trials 2 --trials 2 --db "$work/x"
expect 1 "error: --scheduler: expected one of gradient, round-robin, family; got 'greedy'" -- "$tessera" tune -w gemm:m=8,n=8,k=8 -w C2D:1 --scheduler greedy --trials 2 --db "$work/x"
expect 1 "error: unknown command 'frob' \(commands: workloads, show-ir, run, replay, tune, costmodel, db, space, spaces, rules, show, import, run-model, tune-model, version" -- "$tessera" frob
expect 2 "^usage: tessera costmodel" -- "$tessera" costmodel
expect 2 "^usage: tessera db" -- "$tessera" db
expect 1 "error: unknown costmodel command 'fit'" -- "$tessera" costmodel fit
# A missing output directory is named as such (not as the intermediate object file).
expect 1 "error: cannot write $work/no-such-dir/k.so: the directory $work/no-such-dir does not exist" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --emit so --out "$work/no-such-dir/k.so"

# An IR text file as a workload: what show-ir prints parses back.
"$tessera" show-ir -w "SFM:m=4,n=4" > "$work/softmax.tir"
expect 0 "func softmax" -- "$tessera" show-ir -w "$work/softmax.tir"
printf 'func f(A: float32[4]) {\n  evaluate A[1, 2];\n}\n' > "$work/bad.tir"
expect 1 "bad.tir:2:12: load from buffer 'A' with 2 indices, but it has 1 dimensions" -- "$tessera" show-ir -w "$work/bad.tir"
expect 1 "cannot read workload file" -- "$tessera" show-ir -w "$work/missing.tir"

# Traces: replay with --check, strict errors, --repair, show as C++.
trace="$(dirname "$0")/gemm_template_trace.json"
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=64,n=64,k=16 --trace "$trace" --check
expect 0 "for i_0_j_0_fused in parallel\(0, 8\)" -- "$tessera" replay -w gemm:m=64,n=64,k=16 --trace "$trace"
expect 1 "decision \[8, 4, 2\] multiplies to 64, not to the extent 48 of loop 'i'" -- "$tessera" replay -w gemm:m=48,n=64,k=16 --trace "$trace"
expect 1 "in instruction 2 \(SamplePerfectTile\) of the trace" -- "$tessera" replay -w gemm:m=48,n=64,k=16 --trace "$trace"
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=48,n=64,k=16 --trace "$trace" --check --repair
expect 1 "no block named 'C'; the blocks are: conv" -- "$tessera" replay -w C2D:1 --trace "$trace"
expect 0 "^sch.parallel\(l16\);" -- "$tessera" show "$trace"
# Traces using the partition, padding and layout primitives replay and check.
here="$(dirname "$0")"
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=127,n=127,k=127 --trace "$here/gemm_partition_trace.json" --check
expect 0 "for j_p0_1 in vectorized\(0, 16\)" -- "$tessera" replay -w gemm:m=127,n=127,k=127 --trace "$here/gemm_partition_trace.json"
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=127,n=127,k=127 --trace "$here/gemm_padding_trace.json" --check
expect 0 "^check: MATCH" -- "$tessera" replay -w C2D:n=1,h=6,w=6,ci=2,co=3,kernel=3,stride=2,pad=1 --trace "$here/conv2d_layout_trace.json" --check
expect 0 "^std::vector<LoopRV> l5_l6 = sch.loop_partition\(l2, std::vector<FactorArg>\{v4, std::nullopt\}\);" -- "$tessera" show "$here/gemm_partition_trace.json"
expect 0 "^sch.transform_layout\(b0, 0, BufferIndexKind::kRead, IndexMap::parse" -- "$tessera" show "$here/conv2d_layout_trace.json"
expect 0 "^BlockRV b4 = sch.decompose_padding\(b1, l2\);" -- "$tessera" show "$here/gemm_padding_trace.json"
expect 1 "loop_partition: parts \[112, 16\] sum to 128, not to the extent 127 of loop 'j'" -- "$tessera" replay -w gemm:m=127,n=127,k=127 --trace <(sed 's/"v4",null/"v4",16/' "$here/gemm_partition_trace.json")

# Lowering: loop IR, checked; the program after every pass; what is not built yet says so.
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=127,n=127,k=127 --trace "$here/gemm_partition_trace.json" --emit ir --check
expect 0 "allocate pad: float32\[42\]" -- "$tessera" replay -w C2D:n=1,h=6,w=6,ci=2,co=3,kernel=3,stride=2,pad=1 --trace "$here/conv2d_pad_at_h_trace.json" --emit ir
expect 0 "^// after compact_buffers" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --emit ir --dump-after-each
expect 1 "--emit: expected one of ir, c, llvm, asm, obj, so; got 'dll'" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --emit dll
expect 1 "--emit so needs --out PATH" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --emit so
expect 1 "--dump-after-each requires --emit" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --dump-after-each
# The LLVM backend: JIT-compiled and checked; its IR; timing with the median on the last line.
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=127,n=127,k=127 --trace "$here/gemm_partition_trace.json" --emit llvm --check
expect 0 "define .*i32 @gemm_packed\(ptr" -- "$tessera" replay -w gemm:m=16,n=16,k=16 --emit llvm
expect 1 "--out requires --emit" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --out "$work/x.c"
expect 0 "^median [0-9.]+ ms, [0-9.]+ GFLOP/s \(1 threads, LLVM " -- "$tessera" replay -w gemm:m=32,n=32,k=32 --time --threads 1
expect 1 "--threads: expected an integer from 1 to 4096, got '0'" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --time --threads 0
# The C backend: compiled by cc, checked against the interpreter; written to a file.
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=127,n=127,k=127 --trace "$here/gemm_partition_trace.json" --emit c --check
expect 0 "^check: MATCH" -- "$tessera" replay -w C2D:n=1,h=6,w=6,ci=2,co=3,kernel=3,stride=2,pad=1 --trace "$here/conv2d_layout_trace.json" --emit c --check
expect 0 "" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --emit c --out "$work/gemm.c"
expect 0 "int gemm_packed\(void\*\* args\)" -- cat "$work/gemm.c"

# Handwritten schedules (spaces/): listed, applied by name to any shape of their operator,
# checked compiled; the saved trace replays to the very program the space builds.
spaces="$here/../../spaces/traces"
expect 0 "^gemm_manual +GEMM" -- "$tessera" spaces
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=100,n=72,k=33 --space gemm_manual --emit llvm --check
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=37,n=19,k=5 --space gemm_manual --emit c --check
expect 0 "^check: MATCH" -- "$tessera" replay -w C2D:n=1,h=9,w=12,ci=5,co=24,kernel=3,stride=2,pad=1 --space conv2d_nhwc_manual --emit llvm --check
expect 0 "^check: MATCH" -- "$tessera" replay -w C2D:n=2,h=6,w=6,ci=8,co=16,kernel=1,stride=1,pad=0 --space conv2d_nhwc_manual --emit llvm --check
expect 0 "^check: MATCH" -- "$tessera" replay -w DEP:n=1,h=10,w=14,c=40,kernel=3,stride=2,pad=1 --space depthwise_conv2d_manual --emit llvm --check
expect 1 "no space named 'gemm_fast' \(registered: conv2d_nhwc_manual, conv2d_nhwc_template, depthwise_conv2d_manual" -- "$tessera" replay -w gemm --space gemm_fast
expect 1 "get_block: no block named 'conv'; the blocks are: C" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --space conv2d_nhwc_manual
expect 1 "while applying space 'conv2d_nhwc_manual' to gemm:m=8" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --space conv2d_nhwc_manual
expect 1 "--trace excludes --space" -- "$tessera" replay -w gemm --space gemm_manual --trace "$trace"
for pair in "gemm:m=1024,n=1024,k=1024 gemm_manual gemm_manual_1024" "C2D:2 conv2d_nhwc_manual conv2d_nhwc_manual_C2D_2" \
            "DEP:0 depthwise_conv2d_manual depthwise_conv2d_manual_DEP_0"; do
  set -- $pair
  "$tessera" replay -w "$1" --space "$2" --save-trace "$work/$3.json" > "$work/from_space.ir"
  "$tessera" replay -w "$1" --trace "$spaces/$3.json" > "$work/from_trace.ir"
  expect 0 "" -- cmp "$work/from_space.ir" "$work/from_trace.ir"
  expect 0 "" -- cmp "$work/$3.json" "$spaces/$3.json"
done
set -- "$tessera"

# Export: assembly; an object file and a shared library with their C header; a plain C
# program includes the header, links the library and gets the right product.
expect 0 "vfmadd[0-9]+ps" -- "$tessera" replay -w gemm:m=64,n=64,k=64 --space gemm_manual --emit asm
expect 0 "^wrote $work/gemm.o and $work/gemm.h" -- "$tessera" replay -w gemm:m=8,n=8,k=8 --emit obj --out "$work/gemm.o"
expect 0 "gemm_packed" -- nm "$work/gemm.o"
mkdir -p "$work/so"
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=37,n=45,k=19 --space gemm_manual --emit so --out "$work/so/kernel.so" --check
expect 0 "void gemm\(float\* restrict A, float\* restrict B, float\* restrict C\);" -- cat "$work/so/kernel.h"
expect 0 "" -- cc -std=c11 -O1 -DM=37 -DN=45 -DK=19 -I "$work/so" -o "$work/so/consumer" "$here/so_consumer.c" "$work/so/kernel.so" -lm
expect 0 "^so consumer: match" -- "$work/so/consumer"

# Targets: another CPU's code (no AVX-512 for haswell), the C backend timed, clear errors.
expect 0 "ymm" -- "$tessera" replay -w gemm:m=64,n=64,k=64 --space gemm_manual -t "llvm -mcpu=haswell" --emit asm
expect 0 "^median [0-9.]+ ms, [0-9.]+ GFLOP/s \(1 threads, C\)" -- "$tessera" replay -w gemm:m=16,n=16,k=16 -t "c -num-cores=1" --time
expect 0 "^median [0-9.]+ ms, [0-9.]+ GFLOP/s \(1 threads, LLVM " -- "$tessera" replay -w gemm:m=16,n=16,k=16 -t "llvm -mcpu=native -num-cores=1" --time
expect 1 "LLVM knows no CPU 'pentium9'" -- "$tessera" replay -w gemm:m=8,n=8,k=8 -t "llvm -mcpu=pentium9" --emit llvm
expect 1 "target 'cuda': unknown kind 'cuda'" -- "$tessera" replay -w gemm:m=8,n=8,k=8 -t cuda
expect 1 "--emit so needs an llvm target" -- "$tessera" replay -w gemm:m=8,n=8,k=8 -t c --emit so --out "$work/x.so"

printf '{"version":1,"insts":[["Split",[],[],[]]]' > "$work/torn.json"
expect 1 "trace is not valid JSON" -- "$tessera" show "$work/torn.json"
expect 1 "while reading trace" -- "$tessera" replay -w gemm --trace "$work/torn.json"

# A loop annotated pragma_loop_partition is cut where the split's condition is decided.
expect 0 "for j_0 in range\(0, 31\)" -- "$tessera" replay -w gemm:m=16,n=1000,k=8 --trace "$here/gemm_annotated_partition_trace.json" --emit ir
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=16,n=1000,k=8 --trace "$here/gemm_annotated_partition_trace.json" --emit llvm --check

expect 0 "^space generator +PostOrderApply +built in +the schedule rules on every block" -- "$tessera" rules
expect 0 "^space generator +ScheduleFn +built in .*\(space=NAME \(required\)\)" -- "$tessera" rules

# --isolated: measured in the worker process as the tuner measures candidates.
expect 0 "median [0-9.]+ ms, [0-9.]+ GFLOP/s \(1 threads, isolated worker\)" -- "$tessera" replay -w gemm:m=32,n=32,k=32 --space gemm_manual --isolated --threads 1
expect 0 "^check: MATCH" -- "$tessera" replay -w gemm:m=16,n=16,k=16 --isolated --timeout 30 --emit so --out "$work/iso.so"
[ -f "$work/iso.so" ] && [ -f "$work/iso.h" ] || { echo "FAIL: --isolated --emit so --out did not keep the library and header"; failures=$((failures + 1)); }
expect 1 "error: --timeout requires --isolated" -- "$tessera" replay -w gemm:m=16,n=16,k=16 --timeout 3
expect 1 "error: --isolated needs an llvm target; the target is 'c" -- "$tessera" replay -w gemm:m=16,n=16,k=16 --isolated -t c
expect 1 "error: --isolated builds a shared library" -- "$tessera" replay -w gemm:m=16,n=16,k=16 --isolated --emit c
expect 1 "error: --isolated --emit so needs --out PATH" -- "$tessera" replay -w gemm:m=16,n=16,k=16 --isolated --emit so
expect 1 "error: --isolated prints measurements, not programs" -- "$tessera" replay -w gemm:m=16,n=16,k=16 --isolated --print-ir
expect 1 "error: TESSERA_WORKER=/nonexistent/worker is not an executable file" -- env TESSERA_WORKER=/nonexistent/worker "$tessera" replay -w gemm:m=16,n=16,k=16 --isolated

# tessera space: design spaces and samples.
expect 0 "^3 sketches" -- "$tessera" space -w gemm:m=64,n=64,k=64
expect 0 "sch.sample_perfect_tile\(l1, 4, 64" -- "$tessera" space -w gemm:m=64,n=64,k=64
expect 0 "// 4 sampled, 4 accepted" -- "$tessera" space -w C2D:n=1,h=8,w=8,ci=4,co=8,kernel=3,stride=1,pad=1 --sample 4 --seed 2
expect 0 "for .* in parallel" -- "$tessera" space -w gemm:m=64,n=64,k=64 --sample 1
expect 0 "^1 sketches" -- "$tessera" space -w gemm:m=64,n=64,k=64 --space gemm_template
expect 0 "// 2 sampled, 2 accepted" -- "$tessera" space -w DEP:n=1,h=8,w=8,c=16,kernel=3,stride=1,pad=1 --space depthwise_conv2d_template --sample 2
expect 0 "^1 sketches" -- "$tessera" space -w gemm:m=64,n=64,k=64 --rules AutoInline
expect 0 "usage: tessera space" -- "$tessera" space --help
expect 1 "error: --seed requires --sample" -- "$tessera" space -w gemm:m=64,n=64,k=64 --seed 3
expect 1 "error: --sample: expected an integer of at least 1, got '0'" -- "$tessera" space -w gemm:m=64,n=64,k=64 --sample 0
expect 1 "error: --sample: expected an integer of at least 1, got 'x'" -- "$tessera" space -w gemm:m=64,n=64,k=64 --sample x
expect 1 "error: --rules applies to --space rules, not to the space 'gemm_template'" -- "$tessera" space -w gemm:m=64,n=64,k=64 --space gemm_template --rules AutoInline
expect 1 "error: no schedule rule named 'Nope' \(registered: AddRFactor, AutoInline" -- "$tessera" space -w gemm:m=64,n=64,k=64 --rules AutoInline,Nope
expect 1 "error: --rules names no rule" -- "$tessera" space -w gemm:m=64,n=64,k=64 --rules ,
expect 1 "error: no space named 'nope'" -- "$tessera" space -w gemm:m=64,n=64,k=64 --space nope
expect 1 "error: plugin '/nonexistent/p.so': no such file" -- "$tessera" rules --plugin /nonexistent/p.so
expect 1 "error: TESSERA_PLUGIN_PATH names '/nonexistent-dir', which is not a directory" -- env TESSERA_PLUGIN_PATH=/nonexistent-dir "$tessera" rules
expect 0 "schedule rule +MultiLevelTiling +built in" -- "$tessera" rules
expect 0 "postprocessor +VerifyInBounds +built in" -- "$tessera" rules
expect 0 "mutator +MutateTileSize +built in" -- "$tessera" rules
expect 0 "^gemm_template " -- "$tessera" spaces

# Tuning: a real run, its database, resuming, replaying the best, and the errors.
db="$work/tunedb"
w=gemm:m=32,n=32,k=32
expect 0 "^best +[0-9.]+ ms, [0-9.]+ GFLOP/s \(re-measured 3 rounds in a fresh worker" -- "$tessera" tune -w $w --trials 8 --trials-per-round 4 --db "$db" --seed 2
out=$("$tessera" tune -w $w --trials 12 --trials-per-round 4 --db "$db" --seed 2 --strategy replay-trace 2>&1)
grep -Eq "^resumed: the database already held 8 trials of this task" <<<"$out" && grep -Eq "^trials +4 in this run, 12 in the database" <<<"$out" \
  || { echo "FAIL: a second tune run did not resume:"; echo "$out" | head -20; failures=$((failures + 1)); }
expect 0 "^trial,best_seconds,best_gflops" -- bash -c "cat '$db'/curve_*.csv"
expect 0 "^[0-9a-f]{16}  gemm:m=32,n=32,k=32,dtype=float32,epilogue=none +12 +0 " -- "$tessera" db list --db "$db"
expect 0 "^ +1  [0-9a-f]{16} +[0-9.]+ +[0-9.]+ " -- "$tessera" db best --db "$db" -w $w -k 2
expect 0 "^BlockRV b0 = sch.get_block\(\"C\"\);" -- "$tessera" db show --db "$db" -w $w
expect 0 "^\{\"decisions\"" -- "$tessera" db show --db "$db" -w $w --json
expect 0 "^check: MATCH" -- "$tessera" replay --db "$db" -w $w --check
expect 0 "^median [0-9.]+ ms" -- "$tessera" replay --db "$db" -w $w --time
expect 0 "^check: MATCH" -- "$tessera" replay --db "$db" -w $w --isolated
expect 0 "^merged .*: 0 of its [0-9]+ records were new" -- "$tessera" db merge --db "$db" --from "$db"
expect 0 "^kept [0-9]+ records; dropped 0 unreadable lines and 0 duplicates" -- "$tessera" db compact --db "$db"
printf '{"version":1,"workload":"x' >> "$db/records.jsonl"
expect 0 "records.jsonl:[0-9]+: skipped a torn last line" -- "$tessera" db list --db "$db"
expect 0 "^kept [0-9]+ records; dropped 1 unreadable lines" -- "$tessera" db compact --db "$db"
expect 1 "error: the tuning database $db has no successful record of gemm:m=32,n=32,k=32,dtype=float32,epilogue=none for target 'llvm -mcpu=haswell -num-cores=2'; it has some for 'llvm -mcpu=[a-z0-9-]+ -num-cores=[0-9]+' \(give it with -t\)" -- "$tessera" replay --db "$db" -w $w -t "llvm -mcpu=haswell -num-cores=2"
expect 1 "error: the database $db has no workload gemm:m=8,n=8,k=8 \(hash [0-9a-f]{16}\)" -- "$tessera" db best --db "$db" -w gemm:m=8,n=8,k=8
expect 1 "error: no tuning database at '$work/none' \(no such directory\)" -- "$tessera" db list --db "$work/none"
expect 1 "error: unknown db command 'drop'" -- "$tessera" db drop --db "$db"
expect 1 "error: unexpected arguments '-w gemm" -- "$tessera" db list --db "$db" -w $w
expect 1 "error: --from is required" -- "$tessera" db merge --db "$db"
expect 1 "error: --rank 99: gemm:m=32,n=32,k=32,dtype=float32,epilogue=none on '.*' has only [0-9]+ measured programs" -- "$tessera" db show --db "$db" -w $w --rank 99
expect 1 "error: --space excludes --db" -- "$tessera" replay --db "$db" -w $w --space gemm_manual
expect 1 "error: --trials is required" -- "$tessera" tune -w $w --db "$db"
expect 1 "error: --trials-per-round: expected an integer of at least 1, got '0'" -- "$tessera" tune -w $w --trials 4 --trials-per-round 0 --db "$db"
expect 1 "error: --time-budget: expected a positive number of seconds, got 'soon'" -- "$tessera" tune -w $w --trials 4 --time-budget soon --db "$db"
expect 1 "error: no search strategy named 'annealing'" -- "$tessera" tune -w $w --trials 4 --strategy annealing --db "$db"
expect 1 "error: tessera measures with LLVM; the target is 'c -num-cores=2'" -- "$tessera" tune -w $w --trials 4 -t "c -num-cores=2" --db "$db"
expect 0 "stopped: time budget of 0.001 s spent" -- "$tessera" tune -w $w --trials 100 --time-budget 0.001 --db "$db"
expect 0 "^best +[0-9.]+ ms, [0-9.]+ GFLOP/s \(program [0-9a-f]{16}; not re-measured\)" -- "$tessera" tune -w $w --trials 12 --remeasure 0 --db "$db"
expect 0 "^usage: tessera tune" -- "$tessera" tune --help
expect 0 "^usage: tessera db \[OPTIONS\] \[COMMAND\]" -- "$tessera" db --help

# The cost model: train and evaluate on the database above, then the no-tuning mode with
# the trained model writes a predicted record that replay --db builds and checks.
model="$work/model.json"
expect 0 "^trained 20 epochs .*; wrote $model" -- "$tessera" costmodel train --db "$db" --out "$model" --epochs 20
expect 0 "^pairwise accuracy: [01]\.[0-9]{3}$" -- "$tessera" costmodel eval --db "$db" --epochs 5
expect 0 "^top-5 score: [01]\.[0-9]{3}$" -- "$tessera" costmodel eval --db "$db" --model "$model"
expect 0 "^  structure:[0-9a-f]{16} +1 +[0-9]+ +[01]\.[0-9]{3} +[01]\.[0-9]{3}  gemm:" -- "$tessera" costmodel eval --db "$db" --epochs 5 --per-family --family-models
nodb="$work/notune"
expect 0 "^predicted +program [0-9a-f]{16} \(the cost model's pick, not measured" -- "$tessera" tune -w $w --trials 0 --cost-model-file "$model" --db "$nodb"
expect 0 "^check: MATCH" -- "$tessera" replay --db "$nodb" -w $w --check
expect 0 "^[0-9a-f]{16}  gemm:m=32,n=32,k=32,dtype=float32,epilogue=none +0 +0 " -- "$tessera" db list --db "$nodb"
expect 0 "^trials +4 in this run, 4 in the database" -- "$tessera" tune -w $w --trials 4 --trials-per-round 4 --cost-model-file "$model" --db "$nodb" --remeasure 0
expect 0 "^best +[0-9.]+ ms" -- "$tessera" tune -w $w --trials 8 --trials-per-round 4 --cost-model random --db "$nodb" --remeasure 0
expect 1 "error: tune with 0 trials ranks candidates with a trained cost model .* but the model has learned nothing" -- "$tessera" tune -w $w --trials 0 --db "$work/notune2"
expect 1 "error: --cost-model: expected one of mlp, random; got 'xgboost'" -- "$tessera" tune -w $w --trials 4 --cost-model xgboost --db "$db"
expect 1 "error: cannot read cost model file $work/none.json" -- "$tessera" tune -w $w --trials 4 --cost-model-file "$work/none.json" --db "$db"
expect 1 "error: --cost-model-file loads a trained MLP model; it does not go with --cost-model random" -- "$tessera" tune -w $w --trials 4 --cost-model random --cost-model-file "$model" --db "$db"
expect 1 "error: --split: expected one of random, by-workload; got 'half'" -- "$tessera" costmodel eval --db "$db" --split half
expect 1 "error: --split by-workload needs at least 2 tasks" -- "$tessera" costmodel eval --db "$db" --split by-workload
expect 1 "error: --out is required" -- "$tessera" costmodel train --db "$db"
expect 1 "error: --loss: expected one of rank, regression; got 'hinge'" -- "$tessera" costmodel train --db "$db" --out "$model" --loss hinge
expect 1 "error: unexpected arguments '--out " -- "$tessera" costmodel eval --db "$db" --out "$model"
expect 1 "error: the databases $work/notune2 hold no measured programs to learn from" -- "$tessera" costmodel eval --db "$work/notune2"
expect 1 "error: unknown costmodel command 'fit'" -- "$tessera" costmodel fit --db "$db"
expect 0 "^usage: tessera costmodel \[OPTIONS\] \[COMMAND\]" -- "$tessera" costmodel --help

# Whole models: import lists the tasks, run-model runs, checks and reports its errors.
models=$(cd "$(dirname "$0")/../frontend/models" && pwd)
cnn=$models/small_cnn.onnx
expect 0 "opset 13, 20 nodes, 9 tasks \(9 distinct\)" -- "$tessera" import "$cnn"
expect 0 "^ +3  conv_relu +ConvNHWC +\[1, 8, 8, 16\] +296960 +1 +32\.1%" -- "$tessera" import "$cnn"
expect 0 "^func \"?task_conv_relu\"?\(p0: float32\[1, 8, 8, 16\]" -- "$tessera" import "$cnn" --task 3
expect 1 "error: --task 9: the model has 9 distinct tasks \(0 to 8\)" -- "$tessera" import "$cnn" --task 9
expect 0 "check output: ok" -- "$tessera" run-model "$cnn" --input input="$models/small_cnn.input.pb" --check --expected output="$models/small_cnn.output.pb"
expect 0 "input input: random float32\[1, 3, 32, 32\] \(seed 0\)" -- "$tessera" run-model "$cnn" --check
expect 0 "latency: median [0-9.]+ ms" -- "$tessera" run-model "$cnn" --time --repeats 2 --threads 1
expect 0 "9 tasks built in [0-9.]+ s \(9 from default space; 9 loaded from the kernel cache\)" -- "$tessera" run-model "$cnn"
expect 0 "9 tasks built in [0-9.]+ s \(9 from default space\)$" -- "$tessera" run-model "$cnn" --no-cache
expect 1 "error: cannot open ONNX model $work/none.onnx" -- "$tessera" import "$work/none.onnx"
# Tuning a whole model under one budget, resumed from its database; several -w for tune.
quick=(--trials-per-round 1 --strategy replay-trace --cost-model random --remeasure 0 --threads 1)
out=$("$tessera" tune-model "$cnn" --trials 9 --db "$work/model-db" "${quick[@]}" --repeats 1 2>&1)
{ [ "$?" -eq 0 ] && grep -Eq "^round 9 \(warm-up\): task 8 small_cnn.onnx task 8 \(gemm\) \+1 trials" <<<"$out" \
  && grep -Eq "^ +3  conv_relu +ConvNHWC +\[1, 8, 8, 16\] +1 +1 +[0-9.]+ ms +[0-9.]+% +tuning" <<<"$out" \
  && grep -Eq "^model built: tuned kernels 9 from database; untuned kernels 9 from default space" <<<"$out" \
  && grep -Eq "^end-to-end latency \(median of 1 runs, [0-9]+ threads\): tuned [0-9.]+ ms, untuned [0-9.]+ ms" <<<"$out"; } \
  || { echo "FAIL: tune-model on the small CNN:"; echo "$out" | head -40; failures=$((failures + 1)); }
out=$("$tessera" tune-model "$cnn" --trials 11 --db "$work/model-db" "${quick[@]}" --scheduler round-robin --repeats 1 2>&1)
{ [ "$?" -eq 0 ] && grep -q "^resumed: the database already holds 9 trials of these tasks" <<<"$out" \
  && grep -Eq "round 1 \(round-robin\): task 0 .*round 2 \(round-robin\): task 1 " <<<"$(tr '\n' ' ' <<<"$out")" \
  && grep -q "scheduler round-robin: 11 of 11 trials, 2 rounds" <<<"$out" \
  && [ "$(wc -l <"$work/model-db/task_rounds.csv")" -eq 12 ]; } \
  || { echo "FAIL: a second tune-model run did not resume:"; echo "$out" | head -40; failures=$((failures + 1)); }
# On a terminal the table is redrawn in place after every round (cursor up, clear).
out=$(script -qec "'$tessera' tune -w gemm:m=8,n=8,k=8 -w gemm:m=16,n=8,k=8 --trials 3 --db '$work/tty' ${quick[*]}" /dev/null 2>&1)
{ grep -q $'\e\[4F\e\[J  #  task' <<<"$out" && grep -Eq "^ +1  gemm:m=16,n=8,k=8,dtype=float32,e... gemm +m=16,n=8,k=8,dtyp\.\.\. +1 +[12] " <<<"$out"; } \
  || { echo "FAIL: tune with several -w on a terminal:"; echo "$out" | cat -v | head -20; failures=$((failures + 1)); }
expect 1 "error: tessera measures with LLVM; the target is 'c -num-cores=2'" -- "$tessera" tune-model "$cnn" --trials 4 -t "c -num-cores=2" --db "$work/model-db"
expect 1 "error: --cost-model-file loads a trained MLP model; it does not go with --cost-model random" -- "$tessera" tune -w gemm:m=8,n=8,k=8 -w C2D:1 --trials 4 --cost-model random --cost-model-file "$work/m.json" --db "$work/x"
expect 1 "error: --trials: tune-model needs at least 1 trial, got 0" -- "$tessera" tune-model "$cnn" --trials 0 --db "$work/model-db"
expect 0 "scheduler family \(by hash\): 4 of 4 trials" -- "$tessera" tune -w gemm:m=8,n=8,k=8 -w gemm:m=16,n=8,k=8 -w transpose:m=8,n=8 --trials 4 --scheduler family --family-by hash --foresee-trials 1 --db "$work/several" "${quick[@]}"
expect 1 "error: --input-shape: expected NAME=D0,D1,... \(for example input=1,3,224,224\), got 'input'" -- "$tessera" import "$cnn" --input-shape input
expect 1 "error: .*--input-shape names 'image', which is not an input of the model \(inputs: input\)" -- "$tessera" import "$cnn" --input-shape image=1,3,32,32
expect 1 "error: .*--input-shape input gives dimension 2 as 64, the model fixes it to 32" -- "$tessera" import "$cnn" --input-shape input=1,3,64,64
expect 1 "error: cannot open tensor file $work/x.pb" -- "$tessera" run-model "$cnn" --input input="$work/x.pb"
expect 1 "error: --input: expected NAME=FILE.pb, got 'input'" -- "$tessera" run-model "$cnn" --input input
expect 1 "error: .*'image' is not an input of the model" -- "$tessera" run-model "$cnn" --input image="$models/small_cnn.input.pb"
expect 1 "error: --expected names 'logits', which is not an output of the model" -- "$tessera" run-model "$cnn" --check --expected logits="$models/small_cnn.output.pb"
expect 1 "error: --output-dir: $work/nowhere is not a directory" -- "$tessera" run-model "$cnn" --output-dir "$work/nowhere"
expect 1 "error: --threads: expected an integer from 1 to 4096, got '0'" -- "$tessera" run-model "$cnn" --threads 0
expect 1 "error: --samples requires --cost-model-file" -- "$tessera" run-model "$cnn" --samples 16
expect 1 "error: .*is not a serialized ONNX TensorProto|not an ONNX model" -- "$tessera" import "$models/small_cnn.input.pb"

if [ "$failures" -ne 0 ]; then
  echo "$failures driver check(s) failed"
  exit 1
fi
echo "all driver checks passed"
