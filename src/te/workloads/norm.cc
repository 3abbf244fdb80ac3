// Reductions with epilogues: L2 norm (NRM), softmax (SFM, softmax), layer normalisation.
#include "common.h"

namespace tessera::workload_detail {
namespace {

using te::Axes;
using te::Tensor;

PrimFunc norm(const WorkloadArgs& args) {
  const int64_t b = args.integer("b"), m = args.integer("m"), n = args.integer("n");
  Tensor a = te::placeholder({b, m, n}, DataType::float32(), "A");
  IterVar ri = te::reduce_axis(m, "ri"), rj = te::reduce_axis(n, "rj");
  Tensor sq = te::compute({b},
                          [&](const Axes& x) {
                            Expr v = a(x[0], ri.var, rj.var);
                            return te::sum(v * v, {ri, rj});
                          },
                          "sum_sq", {"b"});
  Tensor out = te::compute({b}, [&](const Axes& x) { return sqrt(sq(x[0])); }, "norm", {"b"});
  return te::create_prim_func({a, out}, "norm_bmn");
}

// Row softmax with the usual max subtraction for stability.
PrimFunc softmax(const WorkloadArgs& args) {
  const int64_t m = args.integer("m"), n = args.integer("n");
  Tensor a = te::placeholder({m, n}, DataType::float32(), "A");
  IterVar rk = te::reduce_axis(n, "k");
  Tensor row_max = te::compute({m}, [&](const Axes& x) { return te::max(a(x[0], rk.var), {rk}); },
                               "row_max", {"i"});
  Tensor e = te::compute({m, n}, [&](const Axes& x) { return exp(a(x[0], x[1]) - row_max(x[0])); },
                         "row_exp", {"i", "j"});
  IterVar rs = te::reduce_axis(n, "k");
  Tensor row_sum = te::compute({m}, [&](const Axes& x) { return te::sum(e(x[0], rs.var), {rs}); },
                               "row_sum", {"i"});
  Tensor out = te::compute({m, n}, [&](const Axes& x) { return e(x[0], x[1]) / row_sum(x[0]); },
                           "softmax", {"i", "j"});
  return te::create_prim_func({a, out}, "softmax");
}

// Normalises each row of B×N over its N elements, then scales by gamma and shifts by beta.
PrimFunc layernorm(const WorkloadArgs& args) {
  const int64_t b = args.integer("b"), n = args.integer("n");
  const DataType f32 = DataType::float32();
  Tensor a = te::placeholder({b, n}, f32, "A");
  Tensor gamma = te::placeholder({n}, f32, "gamma");
  Tensor beta = te::placeholder({n}, f32, "beta");
  IterVar r1 = te::reduce_axis(n, "k");
  Tensor total = te::compute({b}, [&](const Axes& x) { return te::sum(a(x[0], r1.var), {r1}); },
                             "row_sum", {"i"});
  IterVar r2 = te::reduce_axis(n, "k");
  Tensor sq = te::compute({b},
                          [&](const Axes& x) {
                            Expr v = a(x[0], r2.var);
                            return te::sum(v * v, {r2});
                          },
                          "row_sum_sq", {"i"});
  const double inv_n = 1.0 / static_cast<double>(n);
  Tensor out =
      te::compute({b, n},
                  [&](const Axes& x) {
                    Expr mean = total(x[0]) * inv_n;
                    Expr var = sq(x[0]) * inv_n - mean * mean;
                    return (a(x[0], x[1]) - mean) / sqrt(var + 1e-5) * gamma(x[1]) + beta(x[1]);
                  },
                  "layernorm", {"i", "j"});
  return te::create_prim_func({a, gamma, beta, out}, "layernorm");
}

}  // namespace

void register_norm_workloads() {
  workloads::add({"NRM",
                  "L2 norm per batch: out[b] = sqrt(sum_{i,j} A[b,i,j]^2)",
                  {int_param("b", "batch"), int_param("m", "rows"), int_param("n", "columns")},
                  {{1, 256, 256}, {1, 512, 512}, {1, 1024, 1024}, {1, 4096, 1024}},
                  norm});
  workloads::add({"SFM",
                  "row softmax of an M×N matrix: blocks row_max, row_exp, row_sum, softmax",
                  {int_param("m", "rows"), int_param("n", "columns")},
                  {{256, 256}, {512, 512}, {1024, 1024}, {2048, 2048}},
                  softmax});
  workloads::add({"softmax",
                  "row softmax of an M×N matrix (same program as SFM, with defaults)",
                  {int_param("m", "rows", "256"), int_param("n", "columns", "256")},
                  {},
                  softmax});
  workloads::add({"layernorm",
                  "layer normalisation over the last axis of B×N, with gamma and beta",
                  {int_param("b", "rows", "128"), int_param("n", "normalised length", "768")},
                  {},
                  layernorm});
}

}  // namespace tessera::workload_detail
