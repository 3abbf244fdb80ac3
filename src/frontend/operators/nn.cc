// Anchor operators of neural networks: Conv, ConvTranspose, Gemm, MatMul, the pools and
// inference BatchNormalization. Activations are NCHW (NCDHW, NCW) as in ONNX.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "operator.h"

namespace tessera::frontend {
namespace {

using Inputs = std::vector<OperatorInput>;
using Outputs = std::vector<OperatorOutput>;

te::Tensor input(ConversionContext& c, const Inputs& in, size_t i, const char* what) {
  return c.tensor(in, i, what);
}

// Window geometry of a convolution or pool over the spatial dimensions.
struct Window {
  std::vector<int64_t> kernel, strides, dilations, pad_begin, pad_end, output;
};

Window window(ConversionContext& c, const std::vector<int64_t>& spatial,
              const std::vector<int64_t>& kernel, bool ceil_mode = false) {
  const size_t k = spatial.size();
  Window w;
  w.kernel = kernel;
  w.strides = c.get_ints("strides", std::vector<int64_t>(k, 1));
  w.dilations = c.get_ints("dilations", std::vector<int64_t>(k, 1));
  std::vector<int64_t> pads = c.get_ints("pads", std::vector<int64_t>(2 * k, 0));
  if (w.strides.size() != k || w.dilations.size() != k || pads.size() != 2 * k ||
      kernel.size() != k)
    c.fail(fmt::format("strides, dilations, kernel_shape and pads must have {} and {} entries", k,
                       2 * k));
  for (size_t i = 0; i < k; ++i) {
    if (w.strides[i] < 1 || w.dilations[i] < 1 || pads[i] < 0 || pads[k + i] < 0)
      c.fail("strides and dilations must be positive and pads non-negative");
  }
  std::string auto_pad = c.get_string("auto_pad", "NOTSET");
  w.pad_begin.assign(pads.begin(), pads.begin() + static_cast<std::ptrdiff_t>(k));
  w.pad_end.assign(pads.begin() + static_cast<std::ptrdiff_t>(k), pads.end());
  for (size_t i = 0; i < k; ++i) {
    int64_t extent = (kernel[i] - 1) * w.dilations[i] + 1;
    if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      int64_t out = (spatial[i] + w.strides[i] - 1) / w.strides[i];
      int64_t total = std::max<int64_t>(0, (out - 1) * w.strides[i] + extent - spatial[i]);
      w.pad_begin[i] = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
      w.pad_end[i] = total - w.pad_begin[i];
    } else if (auto_pad == "VALID") {
      w.pad_begin[i] = w.pad_end[i] = 0;
    } else if (auto_pad != "NOTSET") {
      c.fail(fmt::format("auto_pad must be NOTSET, SAME_UPPER, SAME_LOWER or VALID, got {}",
                         auto_pad));
    }
    int64_t span = spatial[i] + w.pad_begin[i] + w.pad_end[i] - extent;
    if (span < 0)
      c.fail(fmt::format("the window ({} with dilation {}) is larger than the padded input ({})",
                         kernel[i], w.dilations[i], spatial[i] + w.pad_begin[i] + w.pad_end[i]));
    int64_t out =
        ceil_mode ? (span + w.strides[i] - 1) / w.strides[i] + 1 : span / w.strides[i] + 1;
    // The last window must start inside the input or its begin padding.
    if (ceil_mode && (out - 1) * w.strides[i] >= spatial[i] + w.pad_begin[i]) --out;
    w.output.push_back(out);
  }
  return w;
}

std::vector<int64_t> tail(const std::vector<int64_t>& shape, size_t from) {
  return std::vector<int64_t>(shape.begin() + static_cast<std::ptrdiff_t>(from), shape.end());
}

// `y` plus the per-channel bias of input 2, when the node has one.
te::Tensor add_channel_bias(ConversionContext& c, const te::Tensor& y, const Inputs& in,
                            size_t channel_axis, const char* name) {
  if (in.size() <= 2 || !in[2].present()) return y;
  te::Tensor bias = input(c, in, 2, "B");
  if (bias->shape != std::vector<int64_t>{y->shape[channel_axis]})
    c.fail(fmt::format("B must have shape [{}]", y->shape[channel_axis]));
  return te::compute(
      y->shape,
      [&](const te::Axes& o) {
        return y(std::vector<Expr>(o.begin(), o.end())) + bias(o[channel_axis]);
      },
      c.stage_name(name));
}

Outputs conv(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0, "X"), weight = input(c, in, 1, "W");
  if (x->shape.size() < 3 || weight->shape.size() != x->shape.size())
    c.fail(fmt::format("X and W must have the same rank, at least 3; got {} and {}",
                       x->shape.size(), weight->shape.size()));
  if (!x->dtype.is_floating() || x->dtype != weight->dtype)
    c.unsupported("Conv is supported for floating-point X and W of one type");
  const size_t k = x->shape.size() - 2;
  const int64_t n = x->shape[0], channels = x->shape[1], out_channels = weight->shape[0];
  const int64_t group = c.get_int("group", 1);
  std::vector<int64_t> kernel = c.get_ints("kernel_shape", tail(weight->shape, 2));
  if (group < 1 || channels % group != 0 || out_channels % group != 0 ||
      weight->shape[1] * group != channels)
    c.fail(fmt::format("group {} does not divide the {} input channels into W's {} per group",
                       group, channels, weight->shape[1]));
  Window w = window(c, tail(x->shape, 2), kernel);
  std::vector<int64_t> before(2, 0), after(2, 0);
  before.insert(before.end(), w.pad_begin.begin(), w.pad_begin.end());
  after.insert(after.end(), w.pad_end.begin(), w.pad_end.end());
  te::Tensor padded = pad_tensor(c, x, before, after, constant_like(x, 0));
  const int64_t per_group = weight->shape[1], out_per_group = out_channels / group;
  IterVar rc = te::reduce_axis(per_group, "rc");
  std::vector<IterVar> reduce{rc};
  for (size_t i = 0; i < k; ++i)
    reduce.push_back(te::reduce_axis(kernel[i], fmt::format("r{}", i)));
  std::vector<int64_t> shape{n, out_channels};
  shape.insert(shape.end(), w.output.begin(), w.output.end());
  te::Tensor y = te::compute(
      shape,
      [&](const te::Axes& o) {
        Expr channel = Expr(rc.var);
        if (group > 1)
          channel = floordiv(Expr(o[1]), make_int(out_per_group)) * make_int(per_group) + channel;
        std::vector<Expr> xi{o[0], channel}, wi{o[1], rc.var};
        for (size_t i = 0; i < k; ++i) {
          xi.push_back(Expr(o[2 + i]) * make_int(w.strides[i]) +
                       Expr(reduce[1 + i].var) * make_int(w.dilations[i]));
          wi.push_back(reduce[1 + i].var);
        }
        return te::sum(padded(xi) * weight(wi), reduce);
      },
      c.stage_name("conv"));
  return {add_channel_bias(c, y, in, 1, "conv_bias")};
}

// tessera.ConvNHWC, made by the layout pass (layout.cc) from a 2-D Conv: X [N, H, W, C],
// W [KH, KW, C / group, OC], output [N, OH, OW, OC]; ONNX Conv's attributes. Channels last
// make the output channels contiguous: what the CPU rules vectorize best.
Outputs conv_nhwc(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0, "X"), weight = input(c, in, 1, "W");
  if (x->shape.size() != 4 || weight->shape.size() != 4) c.fail("X and W must have rank 4");
  const int64_t n = x->shape[0], channels = x->shape[3], out_channels = weight->shape[3];
  const int64_t group = c.get_int("group", 1);
  const int64_t per_group = weight->shape[2], out_per_group = out_channels / group;
  if (group < 1 || per_group * group != channels || out_channels % group != 0)
    c.fail(fmt::format("group {} does not divide {} input channels into W's {} per group", group,
                       channels, per_group));
  Window w = window(c, {x->shape[1], x->shape[2]}, {weight->shape[0], weight->shape[1]});
  te::Tensor padded = pad_tensor(c, x, {0, w.pad_begin[0], w.pad_begin[1], 0},
                                 {0, w.pad_end[0], w.pad_end[1], 0}, constant_like(x, 0));
  IterVar rh = te::reduce_axis(weight->shape[0], "rh"),
          rw = te::reduce_axis(weight->shape[1], "rw"), rc = te::reduce_axis(per_group, "rc");
  std::vector<int64_t> shape{n, w.output[0], w.output[1], out_channels};
  te::Tensor y = te::compute(
      shape,
      [&](const te::Axes& o) {
        Expr channel = Expr(rc.var);
        if (group > 1)
          channel = floordiv(Expr(o[3]), make_int(out_per_group)) * make_int(per_group) + channel;
        Expr h = Expr(o[1]) * make_int(w.strides[0]) + Expr(rh.var) * make_int(w.dilations[0]);
        Expr wi = Expr(o[2]) * make_int(w.strides[1]) + Expr(rw.var) * make_int(w.dilations[1]);
        return te::sum(padded(o[0], h, wi, channel) * weight(rh.var, rw.var, rc.var, o[3]),
                       {rh, rw, rc});
      },
      c.stage_name("conv"));
  return {add_channel_bias(c, y, in, 3, "conv_bias")};
}

Outputs conv_transpose(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0, "X"), weight = input(c, in, 1, "W");
  if (x->shape.size() < 3 || weight->shape.size() != x->shape.size())
    c.fail("X and W must have the same rank, at least 3");
  if (!x->dtype.is_floating() || x->dtype != weight->dtype)
    c.unsupported("ConvTranspose is supported for floating-point X and W of one type");
  const size_t k = x->shape.size() - 2;
  const int64_t group = c.get_int("group", 1);
  const int64_t channels = x->shape[1], per_group = channels / group;
  if (group < 1 || channels % group != 0 || weight->shape[0] != channels)
    c.fail("W's first dimension must equal X's channels, divisible by group");
  const int64_t out_per_group = weight->shape[1], out_channels = out_per_group * group;
  std::vector<int64_t> kernel = c.get_ints("kernel_shape", tail(weight->shape, 2));
  std::vector<int64_t> strides = c.get_ints("strides", std::vector<int64_t>(k, 1));
  std::vector<int64_t> dilations = c.get_ints("dilations", std::vector<int64_t>(k, 1));
  std::vector<int64_t> output_padding = c.get_ints("output_padding", std::vector<int64_t>(k, 0));
  std::vector<int64_t> pads = c.get_ints("pads", std::vector<int64_t>(2 * k, 0));
  std::string auto_pad = c.get_string("auto_pad", "NOTSET");
  if (strides.size() != k || dilations.size() != k || output_padding.size() != k ||
      pads.size() != 2 * k)
    c.fail("strides, dilations, output_padding and pads must match the spatial rank");
  std::vector<int64_t> out_spatial(k), pad_begin(k);
  for (size_t i = 0; i < k; ++i) {
    int64_t full =
        strides[i] * (x->shape[2 + i] - 1) + output_padding[i] + (kernel[i] - 1) * dilations[i] + 1;
    // As ONNX's reference: a wanted output size fixes the total padding, split by auto_pad
    // (a negative total means output positions past the last input, which read nothing).
    auto floor_half = [](int64_t t) { return t >= 0 ? t / 2 : -((-t + 1) / 2); };
    std::optional<int64_t> want;
    if (c.has("output_shape")) {
      std::vector<int64_t> target = c.get_ints("output_shape");
      if (target.size() < k) c.fail("output_shape has fewer entries than spatial dimensions");
      want = target[target.size() - k + i];
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      want = x->shape[2 + i] * strides[i];
    }
    if (want) {
      int64_t total = full - *want;
      pad_begin[i] = auto_pad == "SAME_UPPER" ? floor_half(total) : total - floor_half(total);
      out_spatial[i] = *want;
    } else {
      pad_begin[i] = auto_pad == "VALID" ? 0 : pads[i];
      int64_t pad_end = auto_pad == "VALID" ? 0 : pads[k + i];
      out_spatial[i] = full - pad_begin[i] - pad_end;
    }
    if (out_spatial[i] < 1) c.fail("the output would be empty");
  }
  IterVar rc = te::reduce_axis(per_group, "rc");
  std::vector<IterVar> reduce{rc};
  for (size_t i = 0; i < k; ++i)
    reduce.push_back(te::reduce_axis(kernel[i], fmt::format("r{}", i)));
  std::vector<int64_t> shape{x->shape[0], out_channels};
  shape.insert(shape.end(), out_spatial.begin(), out_spatial.end());
  te::Tensor y = te::compute(
      shape,
      [&](const te::Axes& o) {
        Expr channel = Expr(rc.var);
        if (group > 1)
          channel = floordiv(Expr(o[1]), make_int(out_per_group)) * make_int(per_group) + channel;
        Expr valid = make_bool(true);
        std::vector<Expr> xi{o[0], channel};
        std::vector<Expr> wi{
            channel, group > 1 ? floormod(Expr(o[1]), make_int(out_per_group)) : Expr(o[1])};
        for (size_t i = 0; i < k; ++i) {
          Expr numerator = Expr(o[2 + i]) + make_int(pad_begin[i]) -
                           Expr(reduce[1 + i].var) * make_int(dilations[i]);
          Expr source = floordiv(numerator, make_int(strides[i]));
          valid = logical_and(valid, ge(numerator, make_int(0)));
          if (strides[i] > 1)
            valid = logical_and(valid, eq(floormod(numerator, make_int(strides[i])), make_int(0)));
          valid = logical_and(valid, lt(source, make_int(x->shape[2 + i])));
          xi.push_back(source);
          wi.push_back(reduce[1 + i].var);
        }
        return te::sum(if_then_else(valid, x(xi) * weight(wi), constant_like(x, 0)), reduce);
      },
      c.stage_name("conv_transpose"));
  return {add_channel_bias(c, y, in, 1, "conv_transpose_bias")};
}

Outputs gemm(ConversionContext& c, const Inputs& in) {
  te::Tensor a = input(c, in, 0, "A"), b = input(c, in, 1, "B");
  if (a->shape.size() != 2 || b->shape.size() != 2) c.fail("A and B must be matrices");
  if (a->dtype != b->dtype) c.fail("A and B have different types");
  const bool ta = c.get_int("transA", 0) != 0, tb = c.get_int("transB", 0) != 0;
  const int64_t m = ta ? a->shape[1] : a->shape[0], kk = ta ? a->shape[0] : a->shape[1];
  const int64_t n = tb ? b->shape[0] : b->shape[1], kb = tb ? b->shape[1] : b->shape[0];
  if (kk != kb) c.fail(fmt::format("inner dimensions differ: {} and {}", kk, kb));
  const double alpha = c.get_float("alpha", 1.0), beta = c.get_float("beta", 1.0);
  IterVar r = te::reduce_axis(kk, "k");
  te::Tensor y = te::compute(
      {m, n},
      [&](const te::Axes& o) {
        Expr av = ta ? a(r.var, o[0]) : a(o[0], r.var);
        Expr bv = tb ? b(o[1], r.var) : b(r.var, o[1]);
        return te::sum(av * bv, {r});
      },
      c.stage_name("gemm"));
  bool has_c = in.size() > 2 && in[2].present() && beta != 0;
  if (alpha != 1.0 || has_c) {
    std::vector<te::Tensor> operands{y};
    if (has_c) operands.push_back(in[2].tensor);
    y = elementwise(
        c, operands,
        [&](const std::vector<Expr>& v) {
          DataType t = v[0].dtype();
          Expr r = alpha != 1.0 ? v[0] * make_const(t, alpha) : v[0];
          if (has_c) r = r + (beta != 1.0 ? v[1] * make_const(t, beta) : v[1]);
          return r;
        },
        "gemm_epilogue");
    if (y->shape != std::vector<int64_t>{m, n}) c.fail("C does not broadcast to the output");
  }
  return {y};
}

Outputs matmul(ConversionContext& c, const Inputs& in) {
  te::Tensor a = input(c, in, 0, "A"), b = input(c, in, 1, "B");
  if (a->dtype != b->dtype) c.fail("A and B have different types");
  if (a->shape.empty() || b->shape.empty()) c.fail("MatMul of a scalar");
  std::vector<int64_t> as = a->shape, bs = b->shape;
  const bool a_vector = as.size() == 1, b_vector = bs.size() == 1;
  if (a_vector) as.insert(as.begin(), 1);
  if (b_vector) bs.push_back(1);
  const int64_t m = as[as.size() - 2], kk = as.back(), kb = bs[bs.size() - 2], n = bs.back();
  if (kk != kb) c.fail(fmt::format("inner dimensions differ: {} and {}", kk, kb));
  std::vector<int64_t> a_batch(as.begin(), as.end() - 2), b_batch(bs.begin(), bs.end() - 2);
  std::vector<int64_t> batch = broadcast_shapes(c, {a_batch, b_batch});
  std::vector<int64_t> shape = batch;
  if (!a_vector) shape.push_back(m);
  if (!b_vector) shape.push_back(n);
  IterVar r = te::reduce_axis(kk, "k");
  const size_t nb = batch.size();
  te::Tensor y = te::compute(
      shape,
      [&](const te::Axes& o) {
        auto batch_index = [&](const std::vector<int64_t>& own) {
          std::vector<Expr> idx;
          for (size_t i = 0; i < own.size(); ++i)
            idx.push_back(own[i] == 1 ? make_int(0) : Expr(o[nb - own.size() + i]));
          return idx;
        };
        Expr row = a_vector ? Expr() : Expr(o[nb]);
        Expr col = b_vector ? Expr() : Expr(o[nb + (a_vector ? 0 : 1)]);
        std::vector<Expr> ai = batch_index(a_batch), bi = batch_index(b_batch);
        if (!a_vector) ai.push_back(row);
        ai.push_back(r.var);
        bi.push_back(r.var);
        if (!b_vector) bi.push_back(col);
        return te::sum(a(ai) * b(bi), {r});
      },
      c.stage_name("matmul"));
  return {y};
}

Outputs pool(ConversionContext& c, const Inputs& in, bool is_max) {
  te::Tensor x = input(c, in, 0, "X");
  if (x->shape.size() < 3) c.fail("X must have rank 3 or more");
  if (c.node.outputs.size() > 1 && c.node.outputs[1] >= 0)
    c.unsupported("the Indices output of MaxPool is not supported");
  if (c.get_int("storage_order", 0) != 0) c.unsupported("storage_order 1 is not supported");
  const size_t k = x->shape.size() - 2;
  Window w =
      window(c, tail(x->shape, 2), c.get_ints("kernel_shape"), c.get_int("ceil_mode", 0) != 0);
  std::vector<IterVar> reduce;
  for (size_t i = 0; i < k; ++i)
    reduce.push_back(te::reduce_axis(w.kernel[i], fmt::format("r{}", i)));
  std::vector<int64_t> shape{x->shape[0], x->shape[1]};
  shape.insert(shape.end(), w.output.begin(), w.output.end());
  auto position = [&](const te::Axes& o, size_t i) {
    return Expr(o[2 + i]) * make_int(w.strides[i]) +
           Expr(reduce[i].var) * make_int(w.dilations[i]) - make_int(w.pad_begin[i]);
  };
  // The window position reads the input (not its padding).
  auto inside = [&](const te::Axes& o) {
    Expr ok = make_bool(true);
    for (size_t i = 0; i < k; ++i) {
      Expr p = position(o, i);
      ok = logical_and(ok, logical_and(ge(p, make_int(0)), lt(p, make_int(x->shape[2 + i]))));
    }
    return ok;
  };
  auto load = [&](const te::Axes& o) {
    std::vector<Expr> idx{o[0], o[1]};
    for (size_t i = 0; i < k; ++i) idx.push_back(position(o, i));
    return x(idx);
  };
  if (is_max) {
    Expr lowest = te::reduction_identity(te::Combiner::kMax, x->dtype);
    return {te::compute(
        shape,
        [&](const te::Axes& o) {
          return te::max(if_then_else(inside(o), load(o), lowest), reduce);
        },
        c.stage_name("max_pool"))};
  }
  if (!x->dtype.is_floating()) c.unsupported("AveragePool is supported for floating-point X");
  const bool include_pads = c.get_int("count_include_pad", 0) != 0;
  te::Tensor total = te::compute(
      shape,
      [&](const te::Axes& o) {
        return te::sum(if_then_else(inside(o), load(o), constant_like(x, 0)), reduce);
      },
      c.stage_name("avg_pool_sum"));
  std::vector<IterVar> reduce2;
  for (size_t i = 0; i < k; ++i)
    reduce2.push_back(te::reduce_axis(w.kernel[i], fmt::format("q{}", i)));
  std::vector<int64_t> spatial(w.output);
  te::Tensor count = te::compute(
      spatial,
      [&](const te::Axes& s) {
        Expr ok = make_bool(true);
        for (size_t i = 0; i < k; ++i) {
          Expr p = Expr(s[i]) * make_int(w.strides[i]) +
                   Expr(reduce2[i].var) * make_int(w.dilations[i]) - make_int(w.pad_begin[i]);
          int64_t low = include_pads ? -w.pad_begin[i] : 0;
          int64_t high = include_pads ? x->shape[2 + i] + w.pad_end[i] : x->shape[2 + i];
          ok = logical_and(ok, logical_and(ge(p, make_int(low)), lt(p, make_int(high))));
        }
        return te::sum(select(ok, constant_like(x, 1), constant_like(x, 0)), reduce2);
      },
      c.stage_name("avg_pool_count"));
  return {te::compute(
      shape,
      [&](const te::Axes& o) {
        std::vector<Expr> all(o.begin(), o.end()), sp(o.begin() + 2, o.end());
        return total(all) / count(sp);
      },
      c.stage_name("avg_pool"))};
}

Outputs global_pool(ConversionContext& c, const Inputs& in, bool is_max) {
  te::Tensor x = input(c, in, 0, "X");
  if (x->shape.size() < 3) c.fail("X must have rank 3 or more");
  std::vector<IterVar> reduce;
  int64_t count = 1;
  for (size_t i = 2; i < x->shape.size(); ++i) {
    reduce.push_back(te::reduce_axis(x->shape[i], fmt::format("r{}", i - 2)));
    count *= x->shape[i];
  }
  std::vector<int64_t> shape(x->shape.size(), 1);
  shape[0] = x->shape[0];
  shape[1] = x->shape[1];
  auto load = [&](const te::Axes& o) {
    std::vector<Expr> idx{o[0], o[1]};
    for (const IterVar& r : reduce) idx.push_back(r.var);
    return x(idx);
  };
  if (is_max)
    return {te::compute(
        shape, [&](const te::Axes& o) { return te::max(load(o), reduce); },
        c.stage_name("global_max_pool"))};
  te::Tensor total = te::compute(
      shape, [&](const te::Axes& o) { return te::sum(load(o), reduce); },
      c.stage_name("global_avg_pool_sum"));
  return {elementwise(
      c, {total},
      [&](const std::vector<Expr>& v) {
        return v[0] * make_const(v[0].dtype(), 1.0 / static_cast<double>(count));
      },
      "global_avg_pool")};
}

Outputs batch_norm(ConversionContext& c, const Inputs& in) {
  te::Tensor x = input(c, in, 0, "X"), scale = input(c, in, 1, "scale"),
             bias = input(c, in, 2, "B"), mean = input(c, in, 3, "input_mean"),
             var = input(c, in, 4, "input_var");
  if (c.get_int("training_mode", 0) != 0 ||
      (c.node.outputs.size() > 1 &&
       (c.node.outputs[1] >= 0 || (c.node.outputs.size() > 2 && c.node.outputs[2] >= 0))))
    c.unsupported("BatchNormalization in training mode is not supported (inference only)");
  if (x->shape.size() < 2) c.fail("X must have rank 2 or more");
  const double epsilon = c.get_float("epsilon", 1e-5);
  return {te::compute(
      x->shape,
      [&](const te::Axes& o) {
        DataType t = x->dtype;
        Expr ch = o[1];
        Expr factor = scale(ch) / sqrt(var(ch) + make_const(t, epsilon));
        return (x(std::vector<Expr>(o.begin(), o.end())) - mean(ch)) * factor + bias(ch);
      },
      c.stage_name("batch_norm"))};
}

const OperatorRegistration registrations[] = {
    OperatorRegistration{{"Conv", OperatorKind::kAnchor, 1, conv, true}},
    OperatorRegistration{{"ConvTranspose", OperatorKind::kAnchor, 1, conv_transpose, true}},
    OperatorRegistration{{"tessera.ConvNHWC", OperatorKind::kAnchor, 1, conv_nhwc, true}},
    OperatorRegistration{{"Gemm", OperatorKind::kAnchor, 7, gemm, true}},
    OperatorRegistration{{"MatMul", OperatorKind::kAnchor, 1, matmul, true}},
    OperatorRegistration{{"MaxPool", OperatorKind::kAnchor, 1,
                          [](ConversionContext& c, const Inputs& in) { return pool(c, in, true); },
                          true}},
    OperatorRegistration{{"AveragePool", OperatorKind::kAnchor, 7,
                          [](ConversionContext& c, const Inputs& in) { return pool(c, in, false); },
                          true}},
    OperatorRegistration{
        {"GlobalAveragePool", OperatorKind::kAnchor, 1,
         [](ConversionContext& c, const Inputs& in) { return global_pool(c, in, false); }}},
    OperatorRegistration{
        {"GlobalMaxPool", OperatorKind::kAnchor, 1,
         [](ConversionContext& c, const Inputs& in) { return global_pool(c, in, true); }}},
    OperatorRegistration{{"BatchNormalization", OperatorKind::kElementwise, 9, batch_norm}},
};

}  // namespace
}  // namespace tessera::frontend
