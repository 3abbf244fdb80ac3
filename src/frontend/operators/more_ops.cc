// Further operators: ArgMax/ArgMin, InstanceNormalization, Hardmax, CumSum,
// DepthToSpace/SpaceToDepth, Trilu, GatherElements, EyeLike.
#include <fmt/format.h>

#include "operator.h"

namespace tessera::frontend {
namespace {

using Inputs = std::vector<OperatorInput>;
using Outputs = std::vector<OperatorOutput>;

std::vector<Expr> all(const te::Axes& o) { return std::vector<Expr>(o.begin(), o.end()); }

// The index of the largest (or smallest) element along `axis`: the first one, or the last
// with select_last_index. Two reductions: the extreme value, then the least (or greatest)
// index holding it.
Outputs arg_extreme(ConversionContext& c, const Inputs& in, bool is_max) {
  te::Tensor x = c.tensor(in, 0);
  const size_t rank = x->shape.size();
  const auto axis = static_cast<size_t>(c.axis(c.get_int("axis", 0), rank));
  const bool keepdims = c.get_int("keepdims", 1) != 0,
             last = c.get_int("select_last_index", 0) != 0;
  std::vector<int64_t> kept = x->shape;
  kept[axis] = 1;
  IterVar r = te::reduce_axis(x->shape[axis], "r");
  te::Tensor extreme = te::compute(
      kept,
      [&](const te::Axes& o) {
        std::vector<Expr> idx = all(o);
        idx[axis] = r.var;
        return is_max ? te::ComputeBody(te::max(x(idx), {r}))
                      : te::ComputeBody(te::min(x(idx), {r}));
      },
      c.stage_name(is_max ? "arg_max_value" : "arg_min_value"));
  IterVar q = te::reduce_axis(x->shape[axis], "q");
  std::vector<int64_t> shape = kept;
  if (!keepdims) shape.erase(shape.begin() + static_cast<std::ptrdiff_t>(axis));
  return {te::compute(
      shape,
      [&](const te::Axes& o) {
        std::vector<Expr> idx, at;
        for (size_t i = 0, j = 0; i < rank; ++i) {
          if (i == axis) {
            idx.push_back(q.var);
            at.push_back(make_int(0));
            if (keepdims) ++j;
          } else {
            idx.push_back(o[j]);
            at.push_back(o[j]);
            ++j;
          }
        }
        Expr hit = eq(x(idx), extreme(at));
        Expr index = cast(DataType::int64(), Expr(q.var));
        if (last)
          return te::ComputeBody(
              te::max(select(hit, index, make_const(DataType::int64(), -1)), {q}));
        return te::ComputeBody(te::min(
            select(hit, index, make_const(DataType::int64(), static_cast<double>(x->shape[axis]))),
            {q}));
      },
      c.stage_name(is_max ? "arg_max" : "arg_min"))};
}

Outputs instance_norm(ConversionContext& c, const Inputs& in) {
  te::Tensor x = c.tensor(in, 0, "input"), scale = c.tensor(in, 1, "scale"),
             bias = c.tensor(in, 2, "B");
  if (x->shape.size() < 3 || !x->dtype.is_floating())
    c.fail("input must be floating point with rank 3 or more");
  const double epsilon = c.get_float("epsilon", 1e-5);
  const DataType t = x->dtype;
  std::vector<int64_t> kept = x->shape;
  std::vector<IterVar> r1, r2;
  int64_t count = 1;
  for (size_t i = 2; i < kept.size(); ++i) {
    r1.push_back(te::reduce_axis(kept[i], fmt::format("r{}", i)));
    r2.push_back(te::reduce_axis(kept[i], fmt::format("s{}", i)));
    count *= kept[i];
    kept[i] = 1;
  }
  const Expr n = make_const(t, static_cast<double>(count));
  auto at = [&](const te::Axes& o, const std::vector<IterVar>& r) {
    std::vector<Expr> idx{o[0], o[1]};
    for (const IterVar& v : r) idx.push_back(v.var);
    return idx;
  };
  te::Tensor mean = te::compute(
      kept, [&](const te::Axes& o) { return te::sum(x(at(o, r1)) / n, r1); },
      c.stage_name("instance_norm_mean"));
  te::Tensor variance = te::compute(
      kept,
      [&](const te::Axes& o) {
        std::vector<Expr> m(o.begin(), o.end());
        Expr d = x(at(o, r2)) - mean(m);
        return te::sum(d * d / n, r2);
      },
      c.stage_name("instance_norm_variance"));
  return {te::compute(
      x->shape,
      [&](const te::Axes& o) {
        std::vector<Expr> stat{o[0], o[1]};
        for (size_t i = 2; i < o.size(); ++i) stat.push_back(make_int(0));
        return (x(all(o)) - mean(stat)) / sqrt(variance(stat) + make_const(t, epsilon)) *
                   scale(o[1]) +
               bias(o[1]);
      },
      c.stage_name("instance_norm"))};
}

Outputs hardmax(ConversionContext& c, const Inputs& in) {
  te::Tensor x = c.tensor(in, 0);
  const size_t rank = x->shape.size();
  if (c.opset < 13) c.unsupported("Hardmax before opset 13 (flattening to 2-D) is not supported");
  const auto axis = static_cast<size_t>(c.axis(c.get_int("axis", -1), rank));
  std::vector<int64_t> kept = x->shape;
  kept[axis] = 1;
  IterVar r = te::reduce_axis(x->shape[axis], "r"), q = te::reduce_axis(x->shape[axis], "q");
  te::Tensor best = te::compute(
      kept,
      [&](const te::Axes& o) {
        std::vector<Expr> idx = all(o);
        idx[axis] = r.var;
        return te::max(x(idx), {r});
      },
      c.stage_name("hardmax_value"));
  te::Tensor first = te::compute(
      kept,
      [&](const te::Axes& o) {
        std::vector<Expr> idx = all(o);
        idx[axis] = q.var;
        return te::min(select(eq(x(idx), best(all(o))), Expr(q.var), make_int(x->shape[axis])),
                       {q});
      },
      c.stage_name("hardmax_index"));
  return {te::compute(
      x->shape,
      [&](const te::Axes& o) {
        std::vector<Expr> at = all(o);
        at[axis] = make_int(0);
        return select(eq(Expr(o[axis]), first(at)), make_const(x->dtype, 1),
                      make_const(x->dtype, 0));
      },
      c.stage_name("hardmax"))};
}

Outputs cumsum(ConversionContext& c, const Inputs& in) {
  te::Tensor x = c.tensor(in, 0);
  std::vector<int64_t> axis_value = c.constant_ints(in.at(1), "axis");
  if (axis_value.size() != 1) c.fail("axis must be a scalar");
  const size_t rank = x->shape.size();
  const auto axis = static_cast<size_t>(c.axis(axis_value[0], rank));
  const bool exclusive = c.get_int("exclusive", 0) != 0, reverse = c.get_int("reverse", 0) != 0;
  const int64_t n = x->shape[axis];
  IterVar r = te::reduce_axis(n, "r");
  return {te::compute(
      x->shape,
      [&](const te::Axes& o) {
        std::vector<Expr> idx = all(o);
        idx[axis] = r.var;
        Expr i = o[axis], k = r.var;
        Expr take = reverse ? (exclusive ? gt(k, i) : ge(k, i)) : (exclusive ? lt(k, i) : le(k, i));
        return te::sum(select(take, x(idx), make_const(x->dtype, 0)), {r});
      },
      c.stage_name("cumsum"))};
}

Outputs depth_space(ConversionContext& c, const Inputs& in, bool to_space) {
  te::Tensor x = c.tensor(in, 0);
  if (x->shape.size() != 4) c.fail("input must have rank 4");
  const int64_t b = c.get_int("blocksize");
  const bool crd = c.get_string("mode", "DCR") == "CRD";
  const int64_t n = x->shape[0], ch = x->shape[1], h = x->shape[2], w = x->shape[3];
  if (b < 1) c.fail("blocksize must be positive");
  if (to_space) {
    if (ch % (b * b) != 0) c.fail("channels must be a multiple of blocksize squared");
    const int64_t oc = ch / (b * b);
    return {te::compute(
        {n, oc, h * b, w * b},
        [&](const te::Axes& o) {
          Expr bh = floormod(Expr(o[2]), make_int(b)), bw = floormod(Expr(o[3]), make_int(b));
          Expr channel = crd ? Expr(o[1]) * make_int(b * b) + bh * make_int(b) + bw
                             : (bh * make_int(b) + bw) * make_int(oc) + Expr(o[1]);
          return x(o[0], channel, floordiv(Expr(o[2]), make_int(b)),
                   floordiv(Expr(o[3]), make_int(b)));
        },
        c.stage_name("depth_to_space"))};
  }
  if (h % b != 0 || w % b != 0) c.fail("height and width must be multiples of blocksize");
  return {te::compute(
      {n, ch * b * b, h / b, w / b},
      [&](const te::Axes& o) {
        Expr block = floordiv(Expr(o[1]), make_int(ch)),
             channel = floormod(Expr(o[1]), make_int(ch));
        Expr bh = floordiv(block, make_int(b)), bw = floormod(block, make_int(b));
        return x(o[0], channel, Expr(o[2]) * make_int(b) + bh, Expr(o[3]) * make_int(b) + bw);
      },
      c.stage_name("space_to_depth"))};
}

Outputs trilu(ConversionContext& c, const Inputs& in) {
  te::Tensor x = c.tensor(in, 0);
  if (x->shape.size() < 2) c.fail("input must have rank 2 or more");
  int64_t k = 0;
  if (in.size() > 1 && in[1].present()) k = c.constant_ints(in[1], "k").at(0);
  const bool upper = c.get_int("upper", 1) != 0;
  const size_t rank = x->shape.size();
  return {te::compute(
      x->shape,
      [&](const te::Axes& o) {
        Expr diff = Expr(o[rank - 1]) - Expr(o[rank - 2]);
        Expr keep = upper ? ge(diff, make_int(k)) : le(diff, make_int(k));
        return select(keep, x(all(o)), make_const(x->dtype, 0));
      },
      c.stage_name("trilu"))};
}

Outputs gather_elements(ConversionContext& c, const Inputs& in) {
  te::Tensor data = c.tensor(in, 0, "data"), indices = c.tensor(in, 1, "indices");
  const size_t rank = data->shape.size();
  if (indices->shape.size() != rank) c.fail("data and indices must have the same rank");
  const auto axis = static_cast<size_t>(c.axis(c.get_int("axis", 0), rank));
  const int64_t dim = data->shape[axis];
  return {te::compute(
      indices->shape,
      [&](const te::Axes& o) {
        Expr index = cast(DataType::int32(), indices(all(o)));
        index = select(lt(index, make_int(0)), index + make_int(dim), index);
        std::vector<Expr> idx = all(o);
        idx[axis] =
            max(min(index, make_int(dim - 1)), make_int(0));  // reads stay inside the tensor
        return data(idx);
      },
      c.stage_name("gather_elements"))};
}

Outputs eye_like(ConversionContext& c, const Inputs& in) {
  te::Tensor x = c.tensor(in, 0);
  if (x->shape.size() != 2) c.fail("input must be a matrix");
  DataType t = x->dtype;
  if (c.has("dtype")) {
    const int64_t code = c.get_int("dtype");
    static const std::map<int64_t, DataType> types = {
        {1, DataType::float32()},  {6, DataType::int32()},   {7, DataType::int64()},
        {11, DataType::float64()}, {9, DataType::boolean()}, {3, DataType::int8()},
        {2, DataType::uint8()}};
    auto it = types.find(code);
    if (it == types.end()) c.unsupported(fmt::format("dtype {} is not supported", code));
    t = it->second;
  }
  const int64_t k = c.get_int("k", 0);
  return {te::compute(
      x->shape,
      [&](const te::Axes& o) {
        return select(eq(Expr(o[1]) - Expr(o[0]), make_int(k)), make_const(t, 1), make_const(t, 0));
      },
      c.stage_name("eye_like"))};
}

const OperatorRegistration registrations[] = {
    OperatorRegistration{
        {"ArgMax", OperatorKind::kAnchor, 1,
         [](ConversionContext& c, const Inputs& in) { return arg_extreme(c, in, true); }}},
    OperatorRegistration{
        {"ArgMin", OperatorKind::kAnchor, 1,
         [](ConversionContext& c, const Inputs& in) { return arg_extreme(c, in, false); }}},
    OperatorRegistration{{"InstanceNormalization", OperatorKind::kAnchor, 6, instance_norm}},
    OperatorRegistration{{"Hardmax", OperatorKind::kAnchor, 1, hardmax}},
    OperatorRegistration{{"CumSum", OperatorKind::kAnchor, 11, cumsum}},
    OperatorRegistration{
        {"DepthToSpace", OperatorKind::kInjective, 11,
         [](ConversionContext& c, const Inputs& in) { return depth_space(c, in, true); }}},
    OperatorRegistration{
        {"SpaceToDepth", OperatorKind::kInjective, 1,
         [](ConversionContext& c, const Inputs& in) { return depth_space(c, in, false); }}},
    OperatorRegistration{{"Trilu", OperatorKind::kElementwise, 14, trilu}},
    OperatorRegistration{{"GatherElements", OperatorKind::kInjective, 11, gather_elements}},
    OperatorRegistration{{"EyeLike", OperatorKind::kElementwise, 9, eye_like}},
};

}  // namespace
}  // namespace tessera::frontend
