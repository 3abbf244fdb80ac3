// Reductions and normalizations: ReduceSum/Mean/Max/Min/Prod/L2/SumSquare, ArgMax/ArgMin are
// not here (not supported), Softmax, LogSoftmax and LayerNormalization.
#include <fmt/format.h>

#include "operator.h"

namespace tessera::frontend {
namespace {

using Inputs = std::vector<OperatorInput>;
using Outputs = std::vector<OperatorOutput>;

te::Tensor input(ConversionContext& c, const Inputs& in, size_t i) { return c.tensor(in, i); }

// A reduction of `x` over `axes` (sorted, distinct); the kept axes keep size 1 when keepdims.
te::Tensor reduce(ConversionContext& c, const te::Tensor& x, const std::vector<int64_t>& axes,
                  bool keepdims, te::Combiner combiner, const std::function<Expr(Expr)>& map,
                  const std::string& name) {
  const size_t rank = x->shape.size();
  std::vector<bool> reduced(rank, false);
  for (int64_t a : axes) reduced[static_cast<size_t>(a)] = true;
  std::vector<int64_t> shape;
  std::vector<IterVar> reduce_axes;
  for (size_t i = 0; i < rank; ++i) {
    if (reduced[i]) {
      reduce_axes.push_back(te::reduce_axis(x->shape[i], fmt::format("r{}", i)));
      if (keepdims) shape.push_back(1);
    } else {
      shape.push_back(x->shape[i]);
    }
  }
  return te::compute(
      shape,
      [&](const te::Axes& o) {
        std::vector<Expr> idx;
        size_t next_out = 0, next_reduce = 0;
        for (size_t i = 0; i < rank; ++i) {
          if (reduced[i]) {
            idx.push_back(reduce_axes[next_reduce++].var);
            if (keepdims) ++next_out;
          } else {
            idx.push_back(o[next_out++]);
          }
        }
        Expr v = map(x(idx));
        switch (combiner) {
          case te::Combiner::kSum: return te::ComputeBody(te::sum(v, reduce_axes));
          case te::Combiner::kMax: return te::ComputeBody(te::max(v, reduce_axes));
          default: return te::ComputeBody(te::min(v, reduce_axes));
        }
      },
      c.stage_name(name));
}

std::vector<int64_t> reduce_axes(ConversionContext& c, const Inputs& in, int64_t axes_input_since,
                                 size_t rank, bool* nothing) {
  std::vector<int64_t> axes;
  bool given = false;
  if (c.opset >= axes_input_since) {
    if (in.size() > 1 && in[1].present()) {
      axes = c.constant_ints(in[1], "axes");
      given = true;
    }
  } else if (c.has("axes")) {
    axes = c.get_ints("axes");
    given = true;
  }
  *nothing = false;
  if (!given || axes.empty()) {
    if (c.get_int("noop_with_empty_axes", 0) != 0) {
      *nothing = true;
      return {};
    }
    axes.clear();
    for (size_t i = 0; i < rank; ++i) axes.push_back(static_cast<int64_t>(i));
  }
  for (int64_t& a : axes) a = c.axis(a, rank);
  std::sort(axes.begin(), axes.end());
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return axes;
}

enum class ReduceKind { kSum, kMean, kMax, kMin, kSumSquare, kL2, kL1, kLogSum, kLogSumExp };

Outputs reduce_op(ConversionContext& c, const Inputs& in, ReduceKind kind,
                  int64_t axes_input_since) {
  te::Tensor x = input(c, in, 0);
  bool nothing = false;
  std::vector<int64_t> axes = reduce_axes(c, in, axes_input_since, x->shape.size(), &nothing);
  const bool keepdims = c.get_int("keepdims", 1) != 0;
  if (nothing) return {x};
  int64_t count = 1;
  for (int64_t a : axes) count *= x->shape[static_cast<size_t>(a)];
  auto identity = [](Expr v) { return v; };
  switch (kind) {
    case ReduceKind::kMax:
      return {reduce(c, x, axes, keepdims, te::Combiner::kMax, identity, "reduce_max")};
    case ReduceKind::kMin:
      return {reduce(c, x, axes, keepdims, te::Combiner::kMin, identity, "reduce_min")};
    case ReduceKind::kSum:
      return {reduce(c, x, axes, keepdims, te::Combiner::kSum, identity, "reduce_sum")};
    case ReduceKind::kSumSquare:
      return {reduce(
          c, x, axes, keepdims, te::Combiner::kSum, [](Expr v) { return v * v; },
          "reduce_sum_square")};
    case ReduceKind::kL1:
      return {reduce(
          c, x, axes, keepdims, te::Combiner::kSum, [](Expr v) { return abs(v); }, "reduce_l1")};
    default: break;
  }
  if (!x->dtype.is_floating())
    c.unsupported(fmt::format("{} of integers is not supported", c.node.op_type));
  if (kind == ReduceKind::kMean) {
    te::Tensor total =
        reduce(c, x, axes, keepdims, te::Combiner::kSum, identity, "reduce_mean_sum");
    return {elementwise(
        c, {total},
        [&](const std::vector<Expr>& v) {
          return v[0] / make_const(v[0].dtype(), static_cast<double>(count));
        },
        "reduce_mean")};
  }
  if (kind == ReduceKind::kL2) {
    te::Tensor total = reduce(
        c, x, axes, keepdims, te::Combiner::kSum, [](Expr v) { return v * v; }, "reduce_l2_sum");
    return {elementwise(
        c, {total}, [](const std::vector<Expr>& v) { return sqrt(v[0]); }, "reduce_l2")};
  }
  if (kind == ReduceKind::kLogSum) {
    te::Tensor total =
        reduce(c, x, axes, keepdims, te::Combiner::kSum, identity, "reduce_log_sum_total");
    return {elementwise(
        c, {total}, [](const std::vector<Expr>& v) { return log(v[0]); }, "reduce_log_sum")};
  }
  te::Tensor total = reduce(
      c, x, axes, keepdims, te::Combiner::kSum, [](Expr v) { return exp(v); },
      "reduce_log_sum_exp_sum");
  return {elementwise(
      c, {total}, [](const std::vector<Expr>& v) { return log(v[0]); }, "reduce_log_sum_exp")};
}

// Softmax over `axes` (the trailing axes from `axis` before opset 13, one axis after).
Outputs softmax(ConversionContext& c, const Inputs& in, bool log_softmax) {
  te::Tensor x = input(c, in, 0);
  if (!x->dtype.is_floating()) c.fail("Softmax needs a floating-point input");
  const size_t rank = x->shape.size();
  const int64_t axis = c.axis(c.get_int("axis", c.opset >= 13 ? -1 : 1), rank);
  std::vector<int64_t> axes;
  if (c.opset >= 13)
    axes.push_back(axis);
  else
    for (size_t i = static_cast<size_t>(axis); i < rank; ++i)
      axes.push_back(static_cast<int64_t>(i));
  const std::string base = log_softmax ? "log_softmax" : "softmax";
  auto identity = [](Expr v) { return v; };
  te::Tensor maximum = reduce(c, x, axes, true, te::Combiner::kMax, identity, base + "_max");
  te::Tensor shifted = elementwise(
      c, {x, maximum}, [](const std::vector<Expr>& v) { return v[0] - v[1]; }, base + "_shift");
  te::Tensor total = reduce(
      c, shifted, axes, true, te::Combiner::kSum, [](Expr v) { return exp(v); }, base + "_sum");
  if (log_softmax)
    return {elementwise(
        c, {shifted, total}, [](const std::vector<Expr>& v) { return v[0] - log(v[1]); }, base)};
  return {elementwise(
      c, {shifted, total}, [](const std::vector<Expr>& v) { return exp(v[0]) / v[1]; }, base)};
}

Outputs layer_norm(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0), scale = input(c, in, 1);
  if (!x->dtype.is_floating()) c.fail("LayerNormalization needs a floating-point input");
  if (c.has("stash_type") && c.get_int("stash_type") != 1)
    c.unsupported("stash_type other than float is not supported");
  const size_t rank = x->shape.size();
  const int64_t axis = c.axis(c.get_int("axis", -1), rank);
  const double epsilon = c.get_float("epsilon", 1e-5);
  std::vector<int64_t> axes;
  int64_t count = 1;
  for (size_t i = static_cast<size_t>(axis); i < rank; ++i) {
    axes.push_back(static_cast<int64_t>(i));
    count *= x->shape[i];
  }
  const DataType t = x->dtype;
  const Expr n = make_const(t, static_cast<double>(count));
  te::Tensor mean = reduce(
      c, x, axes, true, te::Combiner::kSum, [&](Expr v) { return v / n; }, "layer_norm_mean");
  te::Tensor centered = elementwise(
      c, {x, mean}, [](const std::vector<Expr>& v) { return v[0] - v[1]; }, "layer_norm_centered");
  te::Tensor variance = reduce(
      c, centered, axes, true, te::Combiner::kSum, [&](Expr v) { return v * v / n; },
      "layer_norm_variance");
  std::vector<te::Tensor> operands{centered, variance, scale};
  const bool has_bias = in.size() > 2 && in[2].present();
  if (has_bias) operands.push_back(in[2].tensor);
  Outputs outputs{elementwise(
      c, operands,
      [&](const std::vector<Expr>& v) {
        Expr y = v[0] / sqrt(v[1] + make_const(t, epsilon)) * v[2];
        return has_bias ? y + v[3] : y;
      },
      "layer_norm")};
  // The optional Mean and InvStdDev outputs (kept dimensions).
  if (c.node.outputs.size() > 1) {
    outputs.push_back(mean);
    outputs.push_back(elementwise(
        c, {variance},
        [&](const std::vector<Expr>& v) {
          return make_const(t, 1) / sqrt(v[0] + make_const(t, epsilon));
        },
        "layer_norm_inv_std_dev"));
  }
  return outputs;
}

Outputs reducer(ConversionContext& c, const Inputs& in) {
  static const std::map<std::string, std::pair<ReduceKind, int64_t>> kinds = {
      {"ReduceSum", {ReduceKind::kSum, 13}},
      {"ReduceMean", {ReduceKind::kMean, 18}},
      {"ReduceMax", {ReduceKind::kMax, 18}},
      {"ReduceMin", {ReduceKind::kMin, 18}},
      {"ReduceSumSquare", {ReduceKind::kSumSquare, 18}},
      {"ReduceL2", {ReduceKind::kL2, 18}},
      {"ReduceL1", {ReduceKind::kL1, 18}},
      {"ReduceLogSumExp", {ReduceKind::kLogSumExp, 18}},
      {"ReduceLogSum", {ReduceKind::kLogSum, 18}},
  };
  const auto& [kind, since] = kinds.at(c.node.op_type);
  return reduce_op(c, in, kind, since);
}

const OperatorRegistration registrations[] = {
    OperatorRegistration{{"ReduceSum", OperatorKind::kAnchor, 1, reducer}},
    OperatorRegistration{{"ReduceMean", OperatorKind::kAnchor, 1, reducer}},
    OperatorRegistration{{"ReduceMax", OperatorKind::kAnchor, 1, reducer}},
    OperatorRegistration{{"ReduceMin", OperatorKind::kAnchor, 1, reducer}},
    OperatorRegistration{{"ReduceSumSquare", OperatorKind::kAnchor, 1, reducer}},
    OperatorRegistration{{"ReduceL2", OperatorKind::kAnchor, 1, reducer}},
    OperatorRegistration{{"ReduceL1", OperatorKind::kAnchor, 1, reducer}},
    OperatorRegistration{{"ReduceLogSumExp", OperatorKind::kAnchor, 1, reducer}},
    OperatorRegistration{{"ReduceLogSum", OperatorKind::kAnchor, 1, reducer}},
    OperatorRegistration{
        {"Softmax", OperatorKind::kAnchor, 1,
         [](ConversionContext& c, const Inputs& in) { return softmax(c, in, false); }}},
    OperatorRegistration{
        {"LogSoftmax", OperatorKind::kAnchor, 1,
         [](ConversionContext& c, const Inputs& in) { return softmax(c, in, true); }}},
    OperatorRegistration{{"LayerNormalization", OperatorKind::kAnchor, 17, layer_norm}},
};

}  // namespace
}  // namespace tessera::frontend
