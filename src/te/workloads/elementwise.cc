// Data movement and elementwise programs: pooling, an elementwise chain, transpose.
#include "common.h"

namespace tessera::workload_detail {
namespace {

using te::Axes;
using te::Tensor;

// NHWC pooling. Average pooling divides by kernel*kernel (padding counts as zeros).
PrimFunc pool(const WorkloadArgs& args) {
  const int64_t n = args.integer("n"), h = args.integer("h"), w = args.integer("w"),
                c = args.integer("c"), k = args.integer("kernel"), s = args.integer("stride"),
                p = args.integer("pad");
  const bool is_max = args.text("kind") == "max";
  const int64_t oh = window_output("pool", h, k, s, p), ow = window_output("pool", w, k, s, p);
  const DataType f32 = DataType::float32();
  Tensor data = te::placeholder({n, h, w, c}, f32, "data");
  Expr pad_value = is_max ? te::reduction_identity(te::Combiner::kMax, f32) : make_float(0);
  Tensor padded = pad(data, {0, p, p, 0}, {0, p, p, 0}, pad_value, "pad");
  IterVar rh = te::reduce_axis(k, "rh"), rw = te::reduce_axis(k, "rw");
  std::vector<std::string> names{"n", "h", "w", "c"};
  auto window = [&](const Axes& x) {
    return padded(x[0], x[1] * s + rh.var, x[2] * s + rw.var, x[3]);
  };
  if (is_max) {
    Tensor out = te::compute(
        {n, oh, ow, c}, [&](const Axes& x) { return te::max(window(x), {rh, rw}); }, "pool_max",
        names);
    return te::create_prim_func({data, out}, "pool_max");
  }
  Tensor total = te::compute(
      {n, oh, ow, c}, [&](const Axes& x) { return te::sum(window(x), {rh, rw}); }, "pool_sum",
      names);
  Tensor out = te::compute(
      {n, oh, ow, c},
      [&](const Axes& x) {
        return total(x[0], x[1], x[2], x[3]) * (1.0 / static_cast<double>(k * k));
      },
      "pool_avg", names);
  return te::create_prim_func({data, out}, "pool_avg");
}

// out = max((A + B) * 0.5, 0) as three stages, the shape of fused activations.
PrimFunc elementwise(const WorkloadArgs& args) {
  const int64_t m = args.integer("m"), n = args.integer("n");
  const DataType f32 = DataType::float32();
  Tensor a = te::placeholder({m, n}, f32, "A");
  Tensor b = te::placeholder({m, n}, f32, "B");
  std::vector<std::string> names{"i", "j"};
  Tensor sum = te::compute(
      {m, n}, [&](const Axes& x) { return a(x[0], x[1]) + b(x[0], x[1]); }, "add", names);
  Tensor half =
      te::compute({m, n}, [&](const Axes& x) { return sum(x[0], x[1]) * 0.5; }, "scale", names);
  Tensor out = te::compute(
      {m, n}, [&](const Axes& x) { return max(half(x[0], x[1]), make_float(0)); }, "relu", names);
  return te::create_prim_func({a, b, out}, "elementwise");
}

PrimFunc transpose(const WorkloadArgs& args) {
  const int64_t m = args.integer("m"), n = args.integer("n");
  Tensor a = te::placeholder({m, n}, DataType::float32(), "A");
  Tensor out = te::compute({n, m}, [&](const Axes& x) { return a(x[1], x[0]); }, "T", {"i", "j"});
  return te::create_prim_func({a, out}, "transpose");
}

}  // namespace

void register_elementwise_workloads() {
  workloads::add({"pool",
                  "NHWC max or average pooling",
                  {int_param("n", "batch", "1"), int_param("h", "input h", "56"),
                   int_param("w", "input w", "56"), int_param("c", "channels", "64"),
                   int_param("kernel", "window", "3"), int_param("stride", "stride", "2"),
                   int_param("pad", "padding", "1", 0),
                   WorkloadParam{"kind", "max", "pooling kind", {"max", "avg"}, 0}},
                  {},
                  pool});
  workloads::add({"elementwise",
                  "elementwise chain relu((A + B) * 0.5) in three stages",
                  {int_param("m", "rows", "1024"), int_param("n", "columns", "1024")},
                  {},
                  elementwise});
  workloads::add({"transpose",
                  "2-D transpose T[i,j] = A[j,i]",
                  {int_param("m", "rows of A", "1024"), int_param("n", "columns of A", "1024")},
                  {},
                  transpose});
}

}  // namespace tessera::workload_detail
