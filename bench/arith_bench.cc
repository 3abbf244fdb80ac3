// Arithmetic fast paths on the index expressions of a tiled GEMM: simplification,
// constant bounds, iteration-map detection and region relaxation, in operations
// per second on one core. These run thousands of times per second inside search.
//
//   taskset -c 0 build/bench/arith_bench [--seconds S]
#include <cstdio>

#include "bench_util.h"

#include "tessera/arith/analyzer.h"
#include "tessera/arith/int_set.h"
#include "tessera/arith/iter_map.h"
#include "tessera/ir/op.h"

using namespace tessera;

using tessera::bench::cpu_model;
using tessera::bench::rate;

int main(int argc, char** argv) {
  const double seconds = tessera::bench::seconds_option(argc, argv);
  // A 512^3 GEMM tiled SSRSRS-style: i = (i0, i1, i2) = (8, 16, 4), j = (j0, j1, j2) = (8, 4, 16),
  // k = (k0, k1) = (64, 8), with i0 and j0 fused into one parallel loop f.
  Var f("f"), i1("i1"), i2("i2"), j1("j1"), j2("j2"), k0("k0"), k1("k1");
  std::vector<std::pair<Var, int64_t>> loops = {{f, 64}, {k0, 64}, {i1, 16}, {j1, 4}, {k1, 8}, {i2, 4}, {j2, 16}};
  Analyzer az;
  for (const auto& [v, e] : loops) az.bind(v, 0, e);
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
  std::printf("machine: %s, 1 thread\n", cpu_model().c_str());
  double simplify_rate = rate(seconds, [&] {
    for (const Expr& e : exprs) {
      volatile bool d = az.simplify(e).defined();
      (void)d;
    }
  });
  std::printf("simplify (tiled GEMM index expressions):   %10.0f expressions/s\n", simplify_rate * static_cast<double>(exprs.size()));
  double bound_rate = rate(seconds, [&] {
    for (const Expr& e : exprs) {
      volatile int64_t m = az.const_int_bound(e).max;
      (void)m;
    }
  });
  std::printf("const_int_bound (same expressions):        %10.0f expressions/s\n", bound_rate * static_cast<double>(exprs.size()));
  double map_rate = rate(seconds, [&] {
    Analyzer local;
    IterMapResult r = detect_iter_map({vi, vj, vk}, loops, make_bool(true), IterMapLevel::kBijective, local);
    if (!r.ok()) std::abort();
  });
  std::printf("detect_iter_map (3 bindings, 7 loops):     %10.0f maps/s\n", map_rate);
  RelaxMap relax{{i2.get(), IntSet::interval(make_int(0), make_int(3))}, {j2.get(), IntSet::interval(make_int(0), make_int(15))},
                 {k1.get(), IntSet::interval(make_int(0), make_int(7))}};
  double set_rate = rate(seconds, [&] {
    for (const Expr& e : {vi, vj, vk}) {
      volatile bool d = eval_set(e, relax, az).min().defined();
      (void)d;
    }
  });
  std::printf("eval_set (relax the 3 inner loops):        %10.0f expressions/s\n", set_rate * 3);
  return 0;
}
