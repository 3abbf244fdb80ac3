// Trace replay: a tiled-GEMM trace of about 30 instructions with every sampling decision
// fixed, replayed onto a fresh schedule. The search replays thousands of traces per second.
#include <benchmark/benchmark.h>

#include "tessera/schedule/schedule.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

// SSRSRS multi-level tiling of a GEMM with a write cache and the postprocessing steps, the
// shape of a search candidate.
Trace tiled_gemm_trace(const PrimFunc& f) {
  Schedule sch(f, 1);
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> l = sch.get_loops(c);
  std::vector<LoopRV> i = sch.split(l[0], sch.sample_perfect_tile(l[0], 4, 64));
  std::vector<LoopRV> j = sch.split(l[1], sch.sample_perfect_tile(l[1], 4, 64));
  std::vector<LoopRV> k = sch.split(l[2], sch.sample_perfect_tile(l[2], 2, 64));
  sch.reorder({i[0], j[0], i[1], j[1], k[0], i[2], j[2], k[1], i[3], j[3]});
  BlockRV cw = sch.cache_write(c, 0, "global");
  sch.reverse_compute_at(cw, j[1], true);
  LoopRV fused = sch.fuse({i[0], j[0]});
  sch.parallel(fused);
  sch.annotate(c, "tessera.unroll",
               sch.sample_categorical({0, 16, 64, 512}, {0.25, 0.25, 0.25, 0.25}));
  sch.annotate(c, "tessera.tiling_structure", std::string("SSRSRS"));
  sch.vectorize(j[3]);
  // What postprocessing adds: re-navigation, init decomposition, unroll pragmas.
  sch.enter_postproc();
  BlockRV c2 = sch.get_block("C");
  std::vector<LoopRV> cl = sch.get_loops(c2);
  sch.decompose_reduction(c2, cl[3]);
  BlockRV copy = sch.get_block("C_global");
  std::vector<LoopRV> wl = sch.get_loops(copy);
  sch.vectorize(wl.back());
  sch.annotate(cl[1], "pragma_auto_unroll_max_step",
               sch.sample_categorical({0, 16, 64, 512}, {0.25, 0.25, 0.25, 0.25}));
  sch.annotate(cl[1], "pragma_unroll_explicit", int64_t{1});
  BlockRV init = sch.get_block("C_init");
  std::vector<LoopRV> il = sch.get_loops(init);
  sch.vectorize(il.back());
  sch.unannotate(c2, "tessera.unroll");
  return *sch.trace();
}

void replay(benchmark::State& state) {
  const PrimFunc f = workloads::get("gemm:m=512,n=512,k=512").func;
  const Trace trace = tiled_gemm_trace(f);
  for (auto _ : state) {
    Schedule sch(f);
    trace.apply(sch);
    benchmark::DoNotOptimize(sch.func().get());
  }
  state.counters["instructions"] = static_cast<double>(trace.insts().size());
}
BENCHMARK(replay)->Name("replay/gemm_tiled_write_cache");

}  // namespace
}  // namespace tessera
