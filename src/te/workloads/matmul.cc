// Matrix products: gemm (with epilogues), batch_matmul (GMM), attention scores (TBG), int8 dense.
#include "common.h"

namespace tessera::workload_detail {
namespace {

using te::Axes;
using te::Tensor;

PrimFunc gemm(const WorkloadArgs& args) {
  const int64_t m = args.integer("m"), n = args.integer("n"), k = args.integer("k");
  const DataType in = input_dtype(args), acc = accumulate_dtype(in);
  Tensor a = te::placeholder({m, k}, in, "A");
  Tensor b = te::placeholder({k, n}, in, "B");
  IterVar rk = te::reduce_axis(k, "k");
  Tensor c =
      te::compute({m, n},
                  [&](const Axes& x) {
                    return te::sum(widening_product(a(x[0], rk.var), b(rk.var, x[1]), acc), {rk});
                  },
                  "C", {"i", "j"});
  const std::string& epilogue = args.text("epilogue");
  if (epilogue == "none") return te::create_prim_func({a, b, c}, "gemm");
  Tensor bias = te::placeholder({n}, acc, "bias");
  Tensor d = te::compute({m, n},
                         [&](const Axes& x) -> te::ComputeBody {
                           Expr v = c(x[0], x[1]) + bias(x[1]);
                           return epilogue == "bias_relu" ? max(v, make_const(acc, 0)) : v;
                         },
                         "D", {"i", "j"});
  return te::create_prim_func({a, b, bias, d}, "gemm");
}

PrimFunc batch_matmul(const WorkloadArgs& args) {
  const int64_t batch = args.integer("b"), n = args.integer("n"), m = args.integer("m"),
                k = args.integer("k");
  const DataType in = input_dtype(args), acc = accumulate_dtype(in);
  Tensor a = te::placeholder({batch, n, k}, in, "A");
  Tensor w = te::placeholder({batch, k, m}, in, "W");
  IterVar rk = te::reduce_axis(k, "k");
  Tensor c = te::compute(
      {batch, n, m},
      [&](const Axes& x) {
        return te::sum(widening_product(a(x[0], x[1], rk.var), w(x[0], rk.var, x[2]), acc), {rk});
      },
      "C", {"b", "i", "j"});
  return te::create_prim_func({a, w, c}, "batch_matmul");
}

PrimFunc transpose_batch_matmul(const WorkloadArgs& args) {
  const int64_t batch = args.integer("batch"), seq = args.integer("seq"),
                heads = args.integer("heads"), dim = args.integer("dim");
  const DataType f32 = DataType::float32();
  Tensor q = te::placeholder({batch, seq, heads, dim}, f32, "Q");
  Tensor key = te::placeholder({batch, seq, heads, dim}, f32, "K");
  Tensor q_t = te::compute({batch, heads, seq, dim},
                           [&](const Axes& x) { return q(x[0], x[2], x[1], x[3]); }, "Q_T",
                           {"b", "h", "i", "d"});
  Tensor k_t = te::compute({batch, heads, dim, seq},
                           [&](const Axes& x) { return key(x[0], x[3], x[1], x[2]); }, "K_T",
                           {"b", "h", "d", "j"});
  IterVar rd = te::reduce_axis(dim, "d");
  Tensor s = te::compute({batch, heads, seq, seq},
                         [&](const Axes& x) {
                           return te::sum(
                               q_t(x[0], x[1], x[2], rd.var) * k_t(x[0], x[1], rd.var, x[3]), {rd});
                         },
                         "S", {"b", "h", "i", "j"});
  return te::create_prim_func({q, key, s}, "transpose_batch_matmul");
}

PrimFunc dense_int8(const WorkloadArgs& args) {
  const int64_t m = args.integer("m"), n = args.integer("n"), k = args.integer("k");
  Tensor a = te::placeholder({m, k}, DataType::uint8(), "A");
  Tensor b = te::placeholder({n, k}, DataType::int8(), "B");
  IterVar rk = te::reduce_axis(k, "k");
  Tensor c = te::compute(
      {m, n},
      [&](const Axes& x) {
        return te::sum(widening_product(a(x[0], rk.var), b(x[1], rk.var), DataType::int32()), {rk});
      },
      "C", {"i", "j"});
  return te::create_prim_func({a, b, c}, "dense_int8");
}

}  // namespace

void register_matmul_workloads() {
  workloads::add(
      {"GMM",
       "batch matmul C[b,i,j] = sum_k A[b,i,k] * W[b,k,j]",
       {int_param("b", "batch"), int_param("n", "rows of A and C"),
        int_param("m", "columns of W and C"), int_param("k", "reduction length"), dtype_param()},
       {{1, 128, 128, 128}, {1, 512, 32, 512}, {1, 512, 512, 512}, {1, 1024, 1024, 1024}},
       batch_matmul});
  workloads::add(
      {"TBG",
       "attention scores S[b,h,i,j] = sum_d Q[b,i,h,d] * K[b,j,h,d] (transposes included)",
       {int_param("batch", "batch"), int_param("seq", "sequence length"),
        int_param("heads", "heads"), int_param("dim", "head dimension")},
       {{1, 128, 12, 64}, {1, 128, 16, 64}, {1, 64, 12, 128}, {1, 128, 12, 128}},
       transpose_batch_matmul});
  workloads::add(
      {"gemm",
       "C[i,j] = sum_k A[i,k] * B[k,j], optional bias / bias+ReLU epilogue in block D",
       {int_param("m", "rows", "512"), int_param("n", "columns", "512"),
        int_param("k", "reduction", "512"), dtype_param(),
        WorkloadParam{"epilogue", "none", "fused epilogue", {"none", "bias", "bias_relu"}, 0}},
       {},
       gemm});
  workloads::add({"dense",
                  "int8 dense C[i,j] = sum_k u8 A[i,k] * s8 B[j,k] accumulated in int32 (VNNI/AMX)",
                  {int_param("m", "rows", "128"), int_param("n", "output features", "128"),
                   int_param("k", "input features", "128")},
                  {},
                  dense_int8});
}

}  // namespace tessera::workload_detail
