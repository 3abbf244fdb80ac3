#include "common.h"

namespace tessera::workload_detail {

WorkloadParam dtype_param() {
  return WorkloadParam{
      "dtype", "float32", "input element type", {"float32", "float16", "bfloat16", "int8"}, 0};
}

DataType input_dtype(const WorkloadArgs& args) {
  return *DataType::from_string(args.text("dtype"));
}

DataType accumulate_dtype(DataType input) {
  if (input.is_integer()) return DataType::int32();
  if (input.bits() < 32) return DataType::float32();
  return input;
}

Expr widening_product(Expr a, Expr b, DataType acc) {
  return cast(acc, std::move(a)) * cast(acc, std::move(b));
}

int64_t window_output(const char* workload, int64_t in, int64_t kernel, int64_t stride, int64_t pad,
                      int64_t dilation) {
  int64_t span = dilation * (kernel - 1) + 1;
  int64_t out = (in + 2 * pad - span) / stride + 1;
  if (in + 2 * pad < span || out <= 0) {
    fail("{}: input size {} with padding {} is smaller than the (dilated) kernel {}", workload, in,
         pad, span);
  }
  return out;
}

te::Tensor pad(const te::Tensor& t, const std::vector<int64_t>& before,
               const std::vector<int64_t>& after, Expr value, const std::string& name) {
  bool any = false;
  std::vector<int64_t> shape = t->shape;
  for (size_t d = 0; d < shape.size(); ++d) {
    shape[d] += before[d] + after[d];
    any |= before[d] != 0 || after[d] != 0;
  }
  if (!any) return t;
  std::vector<std::string> names;
  for (size_t d = 0; d < shape.size(); ++d) names.push_back("i" + std::to_string(d));
  return te::compute(
      shape,
      [&](const te::Axes& x) -> te::ComputeBody {
        Expr inside;
        std::vector<Expr> index;
        for (size_t d = 0; d < x.size(); ++d) {
          index.push_back(x[d] - before[d]);
          if (before[d] != 0)
            inside = inside.defined() ? logical_and(inside, ge(x[d], make_int(before[d])))
                                      : ge(x[d], make_int(before[d]));
          if (after[d] != 0) {
            Expr c = lt(x[d], make_int(before[d] + t->shape[d]));
            inside = inside.defined() ? logical_and(inside, c) : c;
          }
        }
        return if_then_else(inside, t(index), value);
      },
      name, names);
}

WorkloadParam int_param(std::string name, std::string help, std::string default_value,
                        int64_t min_value) {
  return WorkloadParam{std::move(name), std::move(default_value), std::move(help), {}, min_value};
}

}  // namespace tessera::workload_detail
