// Arithmetic fast paths on the index expressions of a tiled GEMM: simplification,
// constant bounds, iteration-map detection and region relaxation. They run thousands of
// times per second inside the search.
#include <benchmark/benchmark.h>

#include "tessera/arith/analyzer.h"
#include "tessera/arith/int_set.h"
#include "tessera/arith/iter_map.h"
#include "tessera/ir/op.h"

namespace tessera {
namespace {

// A 512^3 GEMM tiled SSRSRS-style: i = (i0, i1, i2) = (8, 16, 4), j = (j0, j1, j2) =
// (8, 4, 16), k = (k0, k1) = (64, 8), with i0 and j0 fused into one parallel loop f.
struct TiledGemm {
  Var f{"f"}, i1{"i1"}, i2{"i2"}, j1{"j1"}, j2{"j2"}, k0{"k0"}, k1{"k1"};
  std::vector<std::pair<Var, int64_t>> loops = {{f, 64}, {k0, 64}, {i1, 16}, {j1, 4},
                                                {k1, 8}, {i2, 4},  {j2, 16}};
  Expr vi = floordiv(f, make_int(8)) * 64 + i1 * 4 + i2;
  Expr vj = floormod(f, make_int(8)) * 64 + j1 * 16 + j2;
  Expr vk = k0 * 8 + k1;
  // Index expressions a schedule's lowering sees: flattened accesses and re-derived tile indices.
  std::vector<Expr> exprs = {
      (floordiv(f, make_int(8)) * 64 + i1 * 4 + i2) * 512 + k0 * 8 + k1,
      floordiv(floordiv(f, make_int(8)) * 64 + i1 * 4 + i2, make_int(4)),
      floormod(floordiv(f, make_int(8)) * 64 + i1 * 4 + i2, make_int(4)),
      floordiv(f, make_int(8)) * 8 + floormod(f, make_int(8)),
      min(j1 * 16 + j2, make_int(63)) + floormod(f, make_int(8)) * 64,
      (k0 * 8 + k1) * 512 + floormod(f, make_int(8)) * 64 + j1 * 16 + j2,
  };
  Analyzer analyzer() const {
    Analyzer az;
    for (const auto& [v, e] : loops) az.bind(v, 0, e);
    return az;
  }
};

void simplify(benchmark::State& state) {
  TiledGemm g;
  Analyzer az = g.analyzer();
  for (auto _ : state) {
    for (const Expr& e : g.exprs) benchmark::DoNotOptimize(az.simplify(e).defined());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * g.exprs.size()));
}
BENCHMARK(simplify)->Name("arith/simplify");

void const_int_bound(benchmark::State& state) {
  TiledGemm g;
  Analyzer az = g.analyzer();
  for (auto _ : state) {
    for (const Expr& e : g.exprs) benchmark::DoNotOptimize(az.const_int_bound(e).max);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * g.exprs.size()));
}
BENCHMARK(const_int_bound)->Name("arith/const_int_bound");

void detect_iter_map_bench(benchmark::State& state) {
  TiledGemm g;
  for (auto _ : state) {
    Analyzer local;
    IterMapResult r = detect_iter_map({g.vi, g.vj, g.vk}, g.loops, make_bool(true),
                                      IterMapLevel::kBijective, local);
    if (!r.ok()) {
      state.SkipWithError("the tiled GEMM's bindings are no iteration map");
      break;
    }
  }
}
BENCHMARK(detect_iter_map_bench)->Name("arith/detect_iter_map");

void eval_set_bench(benchmark::State& state) {
  TiledGemm g;
  Analyzer az = g.analyzer();
  RelaxMap relax{{g.i2.get(), IntSet::interval(make_int(0), make_int(3))},
                 {g.j2.get(), IntSet::interval(make_int(0), make_int(15))},
                 {g.k1.get(), IntSet::interval(make_int(0), make_int(7))}};
  for (auto _ : state) {
    for (const Expr& e : {g.vi, g.vj, g.vk})
      benchmark::DoNotOptimize(eval_set(e, relax, az).min().defined());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * 3));
}
BENCHMARK(eval_set_bench)->Name("arith/eval_set");

}  // namespace
}  // namespace tessera
