// Data movement and shape operators: Reshape, Flatten, Squeeze, Unsqueeze, Transpose,
// Concat, Slice, Split, Gather, Expand, Tile, Pad, and the operators whose result is known
// when the model is imported (Shape, Size, Constant, ConstantOfShape, Range).
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "operator.h"

namespace tessera::frontend {
namespace {

using Inputs = std::vector<OperatorInput>;
using Outputs = std::vector<OperatorOutput>;

te::Tensor input(ConversionContext& c, const Inputs& in, size_t i) { return c.tensor(in, i); }

const OperatorInput& input_at(const Inputs& in, size_t i, ConversionContext& c) {
  if (i >= in.size() || !in[i].present()) c.fail(fmt::format("input {} is required", i));
  return in[i];
}

std::vector<Expr> all(const te::Axes& o) { return std::vector<Expr>(o.begin(), o.end()); }

OperatorOutput reshape_tensor(ConversionContext& c, const te::Tensor& x,
                              const std::vector<int64_t>& shape) {
  if (element_count(shape) != element_count(x->shape))
    c.fail(fmt::format("cannot reshape [{}] to [{}]", fmt::join(x->shape, ", "),
                       fmt::join(shape, ", ")));
  if (shape == x->shape) return x;
  if (c.empty_result(shape)) return NDArray::empty(shape, x->dtype);
  return te::compute(
      shape,
      [&](const te::Axes& o) {
        Expr flat = make_int(0);
        for (size_t i = 0; i < shape.size(); ++i) flat = flat * make_int(shape[i]) + Expr(o[i]);
        std::vector<Expr> idx(x->shape.size());
        int64_t stride = 1;
        for (size_t j = x->shape.size(); j-- > 0;) {
          idx[j] = floormod(floordiv(flat, make_int(stride)), make_int(x->shape[j]));
          stride *= x->shape[j];
        }
        return x(idx);
      },
      c.stage_name("reshape"));
}

Outputs reshape(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0);
  std::vector<int64_t> target =
      c.opset < 5 ? c.get_ints("shape") : c.constant_ints(input_at(in, 1, c), "shape");
  const bool allow_zero = c.get_int("allowzero", 0) != 0;
  int64_t known = 1;
  int infer = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0 && !allow_zero) {
      if (i >= x->shape.size()) c.fail("shape has a 0 past the input's rank");
      target[i] = x->shape[i];
    }
    if (target[i] == -1) {
      if (infer >= 0) c.fail("shape has more than one -1");
      infer = static_cast<int>(i);
    } else if (target[i] < 0) {
      c.fail(fmt::format("shape has a negative dimension {}", target[i]));
    } else {
      known *= target[i];
    }
  }
  if (infer >= 0) {
    if (known == 0 || element_count(x->shape) % known != 0)
      c.fail(fmt::format("cannot infer the -1 of shape [{}] for {} elements",
                         fmt::join(target, ", "), element_count(x->shape)));
    target[static_cast<size_t>(infer)] = element_count(x->shape) / known;
  }
  return {reshape_tensor(c, x, target)};
}

Outputs flatten(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0);
  int64_t axis = c.get_int("axis", 1);
  const auto rank = static_cast<int64_t>(x->shape.size());
  if (axis < -rank || axis > rank)
    c.fail(fmt::format("axis {} is out of range for rank {}", axis, rank));
  if (axis < 0) axis += rank;
  int64_t outer = 1;
  for (int64_t i = 0; i < axis; ++i) outer *= x->shape[static_cast<size_t>(i)];
  return {reshape_tensor(c, x, {outer, element_count(x->shape) / std::max<int64_t>(outer, 1)})};
}

std::vector<int64_t> axes_of(ConversionContext& c, const Inputs& in, size_t input_index,
                             int64_t since, size_t rank) {
  std::vector<int64_t> axes;
  if (c.opset >= since) {
    if (in.size() > input_index && in[input_index].present())
      axes = c.constant_ints(in[input_index], "axes");
  } else {
    axes = c.get_ints("axes", {});
  }
  for (int64_t& a : axes) a = c.axis(a, rank, "axis");
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end()) c.fail("axes has duplicates");
  return axes;
}

Outputs squeeze(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0);
  std::vector<int64_t> axes = axes_of(c, in, 1, 13, x->shape.size());
  std::vector<int64_t> shape;
  for (size_t i = 0; i < x->shape.size(); ++i) {
    bool listed = std::find(axes.begin(), axes.end(), static_cast<int64_t>(i)) != axes.end();
    if (listed && x->shape[i] != 1)
      c.fail(fmt::format("cannot squeeze axis {} of size {}", i, x->shape[i]));
    if (!(listed || (axes.empty() && x->shape[i] == 1))) shape.push_back(x->shape[i]);
  }
  return {reshape_tensor(c, x, shape)};
}

Outputs unsqueeze(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0);
  std::vector<int64_t> raw =
      c.opset >= 13 ? c.constant_ints(input_at(in, 1, c), "axes") : c.get_ints("axes");
  const size_t rank = x->shape.size() + raw.size();
  std::vector<int64_t> axes;
  for (int64_t a : raw) axes.push_back(c.axis(a, rank, "axis"));
  std::sort(axes.begin(), axes.end());
  std::vector<int64_t> shape;
  size_t next = 0;
  for (size_t i = 0; i < rank; ++i) {
    if (std::binary_search(axes.begin(), axes.end(), static_cast<int64_t>(i)))
      shape.push_back(1);
    else
      shape.push_back(x->shape.at(next++));
  }
  return {reshape_tensor(c, x, shape)};
}

Outputs transpose(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0);
  const size_t rank = x->shape.size();
  std::vector<int64_t> perm;
  for (size_t i = rank; i-- > 0;) perm.push_back(static_cast<int64_t>(i));
  perm = c.get_ints("perm", perm);
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i)
    if (sorted.size() != rank || sorted[i] != static_cast<int64_t>(i))
      c.fail(fmt::format("perm [{}] is not a permutation of {} axes", fmt::join(perm, ", "), rank));
  std::vector<int64_t> shape;
  for (int64_t p : perm) shape.push_back(x->shape[static_cast<size_t>(p)]);
  return {te::compute(
      shape,
      [&](const te::Axes& o) {
        std::vector<Expr> idx(rank);
        for (size_t i = 0; i < rank; ++i) idx[static_cast<size_t>(perm[i])] = o[i];
        return x(idx);
      },
      c.stage_name("transpose"))};
}

Outputs concat(ConversionContext& c, const Inputs& in) {
  std::vector<te::Tensor> parts;
  for (size_t i = 0; i < in.size(); ++i)
    if (in[i].tensor.defined()) parts.push_back(in[i].tensor);  // empty parts add nothing
  if (parts.empty()) c.unsupported("every input is empty");
  const size_t rank = parts[0]->shape.size();
  const auto axis = static_cast<size_t>(c.axis(c.get_int("axis"), rank));
  std::vector<int64_t> shape = parts[0]->shape;
  shape[axis] = 0;
  std::vector<int64_t> offsets;
  for (const te::Tensor& p : parts) {
    if (p->shape.size() != rank || p->dtype != parts[0]->dtype)
      c.fail("inputs differ in rank or type");
    for (size_t d = 0; d < rank; ++d)
      if (d != axis && p->shape[d] != parts[0]->shape[d]) c.fail("inputs differ outside the axis");
    offsets.push_back(shape[axis]);
    shape[axis] += p->shape[axis];
  }
  if (c.empty_result(shape)) return {NDArray::empty(shape, parts[0]->dtype)};
  return {te::compute(
      shape,
      [&](const te::Axes& o) {
        // Each part behind its own two-sided guard, so every load is provably in bounds.
        Expr result = make_const(parts[0]->dtype, 0);
        for (size_t k = parts.size(); k-- > 0;) {
          if (parts[k]->shape[axis] == 0) continue;
          std::vector<Expr> idx = all(o);
          idx[axis] = Expr(o[axis]) - make_int(offsets[k]);
          Expr inside = lt(Expr(o[axis]), make_int(offsets[k] + parts[k]->shape[axis]));
          if (offsets[k] > 0) inside = logical_and(ge(Expr(o[axis]), make_int(offsets[k])), inside);
          result = if_then_else(inside, parts[k](idx), result);
        }
        return result;
      },
      c.stage_name("concat"))};
}

Outputs slice(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0);
  const size_t rank = x->shape.size();
  std::vector<int64_t> starts, ends, axes, steps;
  if (c.opset < 10) {
    starts = c.get_ints("starts");
    ends = c.get_ints("ends");
    axes = c.get_ints("axes", {});
  } else {
    starts = c.constant_ints(input_at(in, 1, c), "starts");
    ends = c.constant_ints(input_at(in, 2, c), "ends");
    if (in.size() > 3 && in[3].present()) axes = c.constant_ints(in[3], "axes");
    if (in.size() > 4 && in[4].present()) steps = c.constant_ints(in[4], "steps");
  }
  if (axes.empty())
    for (size_t i = 0; i < starts.size(); ++i) axes.push_back(static_cast<int64_t>(i));
  if (steps.empty()) steps.assign(starts.size(), 1);
  if (ends.size() != starts.size() || axes.size() != starts.size() || steps.size() != starts.size())
    c.fail("starts, ends, axes and steps have different lengths");
  std::vector<int64_t> begin(rank, 0), step(rank, 1), shape = x->shape;
  for (size_t k = 0; k < starts.size(); ++k) {
    const auto a = static_cast<size_t>(c.axis(axes[k], rank));
    const int64_t dim = x->shape[a], s = steps[k];
    if (s == 0) c.fail("a step is 0");
    auto clamp = [&](int64_t v, bool is_end) {
      if (v < 0) v += dim;
      if (s > 0) return std::clamp<int64_t>(v, 0, dim);
      return std::clamp<int64_t>(v, -1, dim - 1) + (is_end ? 0 : 0);
    };
    int64_t b = clamp(starts[k], false), e = clamp(ends[k], true);
    if (s < 0 && starts[k] >= dim) b = dim - 1;
    int64_t count = s > 0 ? std::max<int64_t>(0, (e - b + s - 1) / s)
                          : std::max<int64_t>(0, (b - e + (-s) - 1) / (-s));
    begin[a] = b;
    step[a] = s;
    shape[a] = count;
  }
  if (c.empty_result(shape)) return {NDArray::empty(shape, x->dtype)};
  return {te::compute(
      shape,
      [&](const te::Axes& o) {
        std::vector<Expr> idx;
        for (size_t i = 0; i < rank; ++i)
          idx.push_back(make_int(begin[i]) + Expr(o[i]) * make_int(step[i]));
        return x(idx);
      },
      c.stage_name("slice"))};
}

Outputs split(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0);
  const size_t rank = x->shape.size();
  const auto axis = static_cast<size_t>(c.axis(c.get_int("axis", 0), rank));
  const size_t outputs = c.node.outputs.size();
  std::vector<int64_t> sizes;
  if (c.opset >= 13 && in.size() > 1 && in[1].present())
    sizes = c.constant_ints(in[1], "split");
  else if (c.opset < 13)
    sizes = c.get_ints("split", {});
  if (sizes.empty()) {
    const int64_t dim = x->shape[axis];
    const int64_t n = c.opset >= 18 && c.has("num_outputs") ? c.get_int("num_outputs")
                                                            : static_cast<int64_t>(outputs);
    const int64_t chunk = (dim + n - 1) / n;
    for (int64_t i = 0, left = dim; i < n; ++i, left -= chunk)
      sizes.push_back(std::min(chunk, left));
  }
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  if (total != x->shape[axis] || sizes.size() != outputs)
    c.fail(fmt::format("split sizes [{}] do not cover axis {} of size {} in {} outputs",
                       fmt::join(sizes, ", "), axis, x->shape[axis], outputs));
  Outputs result;
  int64_t offset = 0;
  for (int64_t s : sizes) {
    std::vector<int64_t> shape = x->shape;
    shape[axis] = s;
    if (c.empty_result(shape)) {
      result.push_back(NDArray::empty(shape, x->dtype));
      continue;
    }
    const int64_t start = offset;
    result.push_back(te::compute(
        shape,
        [&](const te::Axes& o) {
          std::vector<Expr> idx = all(o);
          idx[axis] = Expr(o[axis]) + make_int(start);
          return x(idx);
        },
        c.stage_name("split")));
    offset += s;
  }
  return result;
}

Outputs gather(ConversionContext& c, const Inputs& in) {
  te::Tensor data = input(c, in, 0), indices = input(c, in, 1);
  if (!indices->dtype.is_integer()) c.fail("indices must be integers");
  const size_t rank = data->shape.size();
  const auto axis = static_cast<size_t>(c.axis(c.get_int("axis", 0), rank));
  std::vector<int64_t> shape(data->shape.begin(),
                             data->shape.begin() + static_cast<std::ptrdiff_t>(axis));
  shape.insert(shape.end(), indices->shape.begin(), indices->shape.end());
  shape.insert(shape.end(), data->shape.begin() + static_cast<std::ptrdiff_t>(axis) + 1,
               data->shape.end());
  const size_t q = indices->shape.size();
  const int64_t dim = data->shape[axis];
  return {te::compute(
      shape,
      [&](const te::Axes& o) {
        std::vector<Expr> ii(o.begin() + static_cast<std::ptrdiff_t>(axis),
                             o.begin() + static_cast<std::ptrdiff_t>(axis + q));
        Expr index = cast(DataType::int32(), indices(ii));
        // Out-of-range indices are clamped: reads stay inside the tensor.
        index = select(lt(index, make_int(0)), index + make_int(dim), index);
        index = max(min(index, make_int(dim - 1)), make_int(0));
        std::vector<Expr> idx(o.begin(), o.begin() + static_cast<std::ptrdiff_t>(axis));
        idx.push_back(index);
        for (size_t i = axis + q; i < o.size(); ++i) idx.push_back(o[i]);
        return data(idx);
      },
      c.stage_name("gather"))};
}

Outputs expand(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0);
  std::vector<int64_t> target = c.constant_ints(input_at(in, 1, c), "shape");
  std::vector<int64_t> shape = broadcast_shapes(c, {x->shape, target});
  if (c.empty_result(shape)) return {NDArray::empty(shape, x->dtype)};
  return {te::compute(
      shape, [&](const te::Axes& o) { return broadcast_load(x, o); }, c.stage_name("expand"))};
}

Outputs tile(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0);
  std::vector<int64_t> repeats = c.constant_ints(input_at(in, 1, c), "repeats");
  if (repeats.size() != x->shape.size()) c.fail("repeats must have one entry per dimension");
  std::vector<int64_t> shape = x->shape;
  for (size_t i = 0; i < shape.size(); ++i) shape[i] *= repeats[i];
  if (c.empty_result(shape)) return {NDArray::empty(shape, x->dtype)};
  return {te::compute(
      shape,
      [&](const te::Axes& o) {
        std::vector<Expr> idx;
        for (size_t i = 0; i < shape.size(); ++i)
          idx.push_back(floormod(Expr(o[i]), make_int(x->shape[i])));
        return x(idx);
      },
      c.stage_name("tile"))};
}

Outputs pad(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0);
  const size_t rank = x->shape.size();
  std::string mode = c.get_string("mode", "constant");
  std::vector<int64_t> pads;
  Expr value = make_const(x->dtype, 0);
  std::vector<int64_t> axes;
  if (c.opset < 11) {
    pads = c.get_ints("pads");
    value = make_const(x->dtype, c.get_float("value", 0.0));
  } else {
    pads = c.constant_ints(input_at(in, 1, c), "pads");
    if (in.size() > 2 && in[2].present()) {
      if (in[2].rank() != 0 && element_count(in[2].shape()) != 1)
        c.fail("constant_value must be a scalar");
      if (in[2].constant != nullptr) {
        value = make_const(x->dtype, in[2].constant->get(0));
      } else {  // computed at run time: read it from its tensor
        te::Tensor v = c.tensor(in, 2, "constant_value");
        value = v(std::vector<Expr>(v->shape.size(), make_int(0)));
      }
    }
    if (in.size() > 3 && in[3].present()) axes = c.constant_ints(in[3], "axes");
  }
  if (axes.empty())
    for (size_t i = 0; i < rank; ++i) axes.push_back(static_cast<int64_t>(i));
  if (pads.size() != 2 * axes.size()) c.fail("pads must have two entries per padded axis");
  std::vector<int64_t> before(rank, 0), after(rank, 0);
  for (size_t k = 0; k < axes.size(); ++k) {
    const auto a = static_cast<size_t>(c.axis(axes[k], rank));
    before[a] = pads[k];
    after[a] = pads[axes.size() + k];
    if (before[a] < 0 || after[a] < 0) c.unsupported("negative pads (cropping) are not supported");
  }
  if (mode == "constant") return {pad_tensor(c, x, before, after, value)};
  if (mode != "reflect" && mode != "edge")
    c.fail(fmt::format("mode must be constant, reflect or edge, got {}", mode));
  std::vector<int64_t> shape = x->shape;
  for (size_t i = 0; i < rank; ++i) shape[i] += before[i] + after[i];
  return {te::compute(
      shape,
      [&](const te::Axes& o) {
        std::vector<Expr> idx;
        for (size_t i = 0; i < rank; ++i) {
          Expr p = Expr(o[i]) - make_int(before[i]);
          Expr last = make_int(x->shape[i] - 1);
          if (mode == "edge") {
            p = max(min(p, last), make_int(0));
          } else {
            p = select(lt(p, make_int(0)), make_int(0) - p, p);
            p = select(gt(p, last), last + last - p, p);
          }
          idx.push_back(p);
        }
        return x(idx);
      },
      c.stage_name("pad"))};
}

NDArray int64_vector(const std::vector<int64_t>& values) {
  NDArray a = NDArray::empty({static_cast<int64_t>(values.size())}, DataType::int64());
  for (size_t i = 0; i < values.size(); ++i) a.set_int(static_cast<int64_t>(i), values[i]);
  return a;
}

Outputs shape_of(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0);
  const auto rank = static_cast<int64_t>(x->shape.size());
  int64_t start = c.get_int("start", 0), end = c.get_int("end", rank);
  if (start < 0) start += rank;
  if (end < 0) end += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  end = std::clamp<int64_t>(end, start, rank);
  return {int64_vector(std::vector<int64_t>(x->shape.begin() + start, x->shape.begin() + end))};
}

Outputs size_of(ConversionContext& c, const Inputs& in) {
  NDArray a = NDArray::empty({}, DataType::int64());
  a.set_int(0, element_count(input(c, in, 0)->shape));
  return {a};
}

Outputs constant(ConversionContext& c, const Inputs&) {
  if (c.has("value")) return {c.get_tensor("value").copy()};
  if (c.has("value_float") || c.has("value_int")) {
    bool is_float = c.has("value_float");
    NDArray a = NDArray::empty({}, is_float ? DataType::float32() : DataType::int64());
    if (is_float)
      a.set(0, c.get_float("value_float", 0));
    else
      a.set_int(0, c.get_int("value_int"));
    return {a};
  }
  if (c.has("value_ints")) return {int64_vector(c.get_ints("value_ints"))};
  c.unsupported("Constant is supported with value, value_float, value_int or value_ints");
}

Outputs constant_of_shape(ConversionContext& c, const Inputs& in) {
  std::vector<int64_t> shape = c.constant_ints(input_at(in, 0, c), "shape");
  NDArray fill = c.has("value") ? c.get_tensor("value") : NDArray::empty({1}, DataType::float32());
  if (fill.size() != 1) c.fail("value must have one element");
  const DataType t = fill.dtype();
  const double v = fill.get(0);
  if (c.empty_result(shape)) return {NDArray::empty(shape, t)};
  return {te::compute(
      shape, [&](const te::Axes&) -> te::ComputeBody { return make_const(t, v); },
      c.stage_name("constant_of_shape"))};
}

Outputs range(ConversionContext& c, const Inputs& in) {
  const char* names[] = {"start", "limit", "delta"};
  for (size_t i = 0; i < 3; ++i)
    if (i >= in.size() || !in[i].present())
      c.fail(fmt::format("input {} ({}) is required", i, names[i]));
  const DataType t = in[0].dtype();
  const double start = c.constant(in[0], "start").get(0), limit = c.constant(in[1], "limit").get(0),
               delta = c.constant(in[2], "delta").get(0);
  if (delta == 0) c.fail("delta is 0");
  const auto n = static_cast<int64_t>(std::max(0.0, std::ceil((limit - start) / delta)));
  NDArray a = NDArray::empty({n}, t);
  for (int64_t i = 0; i < n; ++i) a.set(i, start + static_cast<double>(i) * delta);
  return {a};
}

const OperatorRegistration registrations[] = {
    OperatorRegistration{{"Reshape", OperatorKind::kView, 1, reshape}},
    OperatorRegistration{{"Flatten", OperatorKind::kView, 1, flatten}},
    OperatorRegistration{{"Squeeze", OperatorKind::kView, 1, squeeze}},
    OperatorRegistration{{"Unsqueeze", OperatorKind::kView, 1, unsqueeze}},
    OperatorRegistration{{"Transpose", OperatorKind::kInjective, 1, transpose}},
    OperatorRegistration{{"Concat", OperatorKind::kInjective, 4, concat}},
    OperatorRegistration{{"Slice", OperatorKind::kInjective, 1, slice}},
    OperatorRegistration{{"Split", OperatorKind::kInjective, 2, split}},
    OperatorRegistration{{"Gather", OperatorKind::kInjective, 1, gather}},
    OperatorRegistration{{"Expand", OperatorKind::kInjective, 8, expand}},
    OperatorRegistration{{"Tile", OperatorKind::kInjective, 6, tile}},
    OperatorRegistration{{"Pad", OperatorKind::kInjective, 2, pad}},
    OperatorRegistration{{"Shape", OperatorKind::kConstant, 1, shape_of}},
    OperatorRegistration{{"Size", OperatorKind::kConstant, 1, size_of}},
    OperatorRegistration{{"Constant", OperatorKind::kConstant, 1, constant}},
    OperatorRegistration{{"ConstantOfShape", OperatorKind::kInjective, 9, constant_of_shape}},
    OperatorRegistration{{"Range", OperatorKind::kConstant, 11, range}},
};

}  // namespace
}  // namespace tessera::frontend
