// Convolutions: channels-last 1-D/2-D/3-D (with groups and dilation), depthwise,
// transposed, capsule, conv+batch-norm+ReLU, and NCHW variants.
#include "common.h"

namespace tessera::workload_detail {
namespace {

using te::Axes;
using te::Tensor;

struct ConvShape {
  int64_t n, ci, co, kernel, stride, pad, dilation = 1, groups = 1;
  std::vector<int64_t> spatial;  // input sizes, e.g. {h, w}
};

const std::vector<std::string>& spatial_names(size_t rank) {
  static const std::vector<std::vector<std::string>> kNames = {
      {}, {"l"}, {"h", "w"}, {"d", "h", "w"}};
  return kNames[rank];
}

// Channels-last convolution over any number of spatial dimensions:
// out[n, s..., co] = sum_{r..., rc} pad[n, s*stride + r*dilation ..., group(co)*CI/g + rc] *
// weight[r..., rc, co]
Tensor conv_channels_last(const char* workload, const ConvShape& c, DataType in, Tensor* data_out,
                          Tensor* weight_out) {
  if (c.ci % c.groups != 0 || c.co % c.groups != 0) {
    fail("{}: groups={} must divide ci={} and co={}", workload, c.groups, c.ci, c.co);
  }
  const DataType acc = accumulate_dtype(in);
  const size_t rank = c.spatial.size();
  std::vector<int64_t> data_shape{c.n}, out_shape{c.n}, weight_shape, before{0}, after{0};
  for (int64_t s : c.spatial) {
    data_shape.push_back(s);
    out_shape.push_back(window_output(workload, s, c.kernel, c.stride, c.pad, c.dilation));
    weight_shape.push_back(c.kernel);
    before.push_back(c.pad);
    after.push_back(c.pad);
  }
  data_shape.push_back(c.ci);
  out_shape.push_back(c.co);
  before.push_back(0);
  after.push_back(0);
  const int64_t ci_per_group = c.ci / c.groups, co_per_group = c.co / c.groups;
  weight_shape.push_back(ci_per_group);
  weight_shape.push_back(c.co);
  Tensor data = te::placeholder(data_shape, in, "data");
  Tensor weight = te::placeholder(weight_shape, in, "weight");
  Tensor padded = pad(data, before, after, make_const(in, 0), "pad");
  std::vector<IterVar> reduce;
  for (size_t d = 0; d < rank; ++d)
    reduce.push_back(te::reduce_axis(c.kernel, "r" + spatial_names(rank)[d]));
  reduce.push_back(te::reduce_axis(ci_per_group, "rc"));
  std::vector<std::string> axis_names{"n"};
  for (const std::string& s : spatial_names(rank)) axis_names.push_back(s);
  axis_names.push_back("co");
  Tensor out = te::compute(
      out_shape,
      [&](const Axes& x) {
        std::vector<Expr> data_index{x[0]}, weight_index;
        for (size_t d = 0; d < rank; ++d) {
          data_index.push_back(x[d + 1] * c.stride + reduce[d].var * c.dilation);
          weight_index.push_back(reduce[d].var);
        }
        Expr co = x[rank + 1];
        Expr rc = reduce[rank].var;
        data_index.push_back(
            c.groups == 1 ? rc : floordiv(co, make_int(co_per_group)) * ci_per_group + rc);
        weight_index.push_back(rc);
        weight_index.push_back(co);
        return te::sum(widening_product(padded(data_index), weight(weight_index), acc), reduce);
      },
      "conv", axis_names);
  *data_out = data;
  *weight_out = weight;
  return out;
}

ConvShape conv_shape(const WorkloadArgs& args, std::vector<std::string> spatial) {
  ConvShape c{args.integer("n"),
              args.integer("ci"),
              args.integer("co"),
              args.integer("kernel"),
              args.integer("stride"),
              args.integer("pad"),
              1,
              1,
              {}};
  for (const std::string& s : spatial) c.spatial.push_back(args.integer(s));
  return c;
}

PrimFunc conv_nd(const WorkloadArgs& args, const char* workload, std::vector<std::string> spatial,
                 const char* name) {
  ConvShape c = conv_shape(args, std::move(spatial));
  Tensor data, weight;
  Tensor out = conv_channels_last(workload, c, input_dtype(args), &data, &weight);
  return te::create_prim_func({data, weight, out}, name);
}

// GRP and DIL: conv2d with dilation, and groups where the workload has them.
PrimFunc conv2d_general(const WorkloadArgs& args, const char* workload, bool has_groups,
                        const char* name) {
  ConvShape c = conv_shape(args, {"h", "w"});
  c.dilation = args.integer("dilation");
  if (has_groups) c.groups = args.integer("groups");
  Tensor data, weight;
  Tensor out = conv_channels_last(workload, c, input_dtype(args), &data, &weight);
  return te::create_prim_func({data, weight, out}, name);
}

PrimFunc conv_bn_relu(const WorkloadArgs& args) {
  ConvShape c = conv_shape(args, {"h", "w"});
  Tensor data, weight;
  Tensor conv = conv_channels_last("CBR", c, DataType::float32(), &data, &weight);
  Tensor scale = te::placeholder({c.co}, DataType::float32(), "scale");
  Tensor shift = te::placeholder({c.co}, DataType::float32(), "shift");
  Tensor out = te::compute(conv->shape,
                           [&](const Axes& x) {
                             return max(conv(x[0], x[1], x[2], x[3]) * scale(x[3]) + shift(x[3]),
                                        make_float(0));
                           },
                           "bn_relu", {"n", "h", "w", "co"});
  return te::create_prim_func({data, weight, scale, shift, out}, "conv2d_bn_relu");
}

PrimFunc depthwise_nhwc(const WorkloadArgs& args) {
  const int64_t n = args.integer("n"), h = args.integer("h"), w = args.integer("w"),
                ch = args.integer("c"), k = args.integer("kernel"), s = args.integer("stride"),
                p = args.integer("pad");
  const DataType in = input_dtype(args), acc = accumulate_dtype(in);
  const int64_t oh = window_output("DEP", h, k, s, p), ow = window_output("DEP", w, k, s, p);
  Tensor data = te::placeholder({n, h, w, ch}, in, "data");
  Tensor weight = te::placeholder({k, k, ch}, in, "weight");
  Tensor padded = pad(data, {0, p, p, 0}, {0, p, p, 0}, make_const(in, 0), "pad");
  IterVar rh = te::reduce_axis(k, "rh"), rw = te::reduce_axis(k, "rw");
  Tensor out = te::compute(
      {n, oh, ow, ch},
      [&](const Axes& x) {
        return te::sum(widening_product(padded(x[0], x[1] * s + rh.var, x[2] * s + rw.var, x[3]),
                                        weight(rh.var, rw.var, x[3]), acc),
                       {rh, rw});
      },
      "depthwise", {"n", "h", "w", "c"});
  return te::create_prim_func({data, weight, out}, "depthwise_conv2d_nhwc");
}

// Transposed convolution as a direct convolution over the input dilated by the
// stride and padded by kernel - 1 - pad, with the kernel flipped.
PrimFunc transposed(const WorkloadArgs& args) {
  const int64_t n = args.integer("n"), h = args.integer("h"), w = args.integer("w"),
                ci = args.integer("ci"), co = args.integer("co"), k = args.integer("kernel"),
                s = args.integer("stride"), p = args.integer("pad");
  if (p > k - 1) fail("T2D: pad={} must be at most kernel - 1 = {}", p, k - 1);
  const int64_t border = k - 1 - p;
  const int64_t oh = (h - 1) * s - 2 * p + k, ow = (w - 1) * s - 2 * p + k;
  if (oh <= 0 || ow <= 0) fail("T2D: output size {}x{} is empty", oh, ow);
  const DataType f32 = DataType::float32();
  Tensor data = te::placeholder({n, h, w, ci}, f32, "data");
  Tensor weight = te::placeholder({k, k, ci, co}, f32, "weight");
  const int64_t dh = (h - 1) * s + 1 + 2 * border, dw = (w - 1) * s + 1 + 2 * border;
  Tensor dilated = te::compute(
      {n, dh, dw, ci},
      [&](const Axes& x) -> te::ComputeBody {
        Expr y = x[1] - border, z = x[2] - border;
        Expr inside =
            logical_and(logical_and(ge(y, make_int(0)), lt(y, make_int((h - 1) * s + 1))),
                        logical_and(ge(z, make_int(0)), lt(z, make_int((w - 1) * s + 1))));
        if (s > 1) {
          inside = logical_and(inside, logical_and(eq(floormod(y, make_int(s)), make_int(0)),
                                                   eq(floormod(z, make_int(s)), make_int(0))));
        }
        return if_then_else(inside,
                            data(x[0], floordiv(y, make_int(s)), floordiv(z, make_int(s)), x[3]),
                            make_float(0));
      },
      "dilate_pad", {"n", "y", "x", "c"});
  IterVar rh = te::reduce_axis(k, "rh"), rw = te::reduce_axis(k, "rw"),
          rc = te::reduce_axis(ci, "rc");
  Tensor out = te::compute(
      {n, oh, ow, co},
      [&](const Axes& x) {
        return te::sum(dilated(x[0], x[1] + rh.var, x[2] + rw.var, rc.var) *
                           weight(make_int(k - 1) - rh.var, make_int(k - 1) - rw.var, rc.var, x[3]),
                       {rh, rw, rc});
      },
      "conv_transpose", {"n", "h", "w", "co"});
  return te::create_prim_func({data, weight, out}, "conv2d_transpose_nhwc");
}

PrimFunc capsule(const WorkloadArgs& args) {
  const int64_t n = args.integer("n"), h = args.integer("h"), w = args.integer("w"),
                ci = args.integer("ci"), co = args.integer("co"), k = args.integer("kernel"),
                s = args.integer("stride"), p = args.integer("pad"), cap = args.integer("capsule");
  const int64_t oh = window_output("CAP", h, k, s, p), ow = window_output("CAP", w, k, s, p);
  const DataType f32 = DataType::float32();
  Tensor data = te::placeholder({n, h, w, cap, cap, ci}, f32, "data");
  Tensor weight = te::placeholder({k, k, cap, cap, ci, co}, f32, "weight");
  Tensor padded = pad(data, {0, p, p, 0, 0, 0}, {0, p, p, 0, 0, 0}, make_float(0), "pad");
  IterVar rh = te::reduce_axis(k, "rh"), rw = te::reduce_axis(k, "rw"),
          rcap = te::reduce_axis(cap, "rcap"), rc = te::reduce_axis(ci, "rc");
  Tensor out = te::compute(
      {n, oh, ow, cap, cap, co},
      [&](const Axes& x) {
        return te::sum(padded(x[0], x[1] * s + rh.var, x[2] * s + rw.var, x[3], rcap.var, rc.var) *
                           weight(rh.var, rw.var, rcap.var, x[4], rc.var, x[5]),
                       {rh, rw, rcap, rc});
      },
      "conv_capsule", {"n", "h", "w", "cap_i", "cap_j", "co"});
  return te::create_prim_func({data, weight, out}, "conv2d_capsule_nhwijc");
}

PrimFunc conv2d_nchw(const WorkloadArgs& args) {
  const int64_t n = args.integer("n"), ci = args.integer("ci"), h = args.integer("h"),
                w = args.integer("w"), co = args.integer("co"), k = args.integer("kernel"),
                s = args.integer("stride"), p = args.integer("pad");
  const int64_t oh = window_output("conv2d_nchw", h, k, s, p),
                ow = window_output("conv2d_nchw", w, k, s, p);
  const DataType f32 = DataType::float32();
  Tensor data = te::placeholder({n, ci, h, w}, f32, "data");
  Tensor weight = te::placeholder({co, ci, k, k}, f32, "weight");
  Tensor padded = pad(data, {0, 0, p, p}, {0, 0, p, p}, make_float(0), "pad");
  IterVar rc = te::reduce_axis(ci, "rc"), rh = te::reduce_axis(k, "rh"),
          rw = te::reduce_axis(k, "rw");
  Tensor out =
      te::compute({n, co, oh, ow},
                  [&](const Axes& x) {
                    return te::sum(padded(x[0], rc.var, x[2] * s + rh.var, x[3] * s + rw.var) *
                                       weight(x[1], rc.var, rh.var, rw.var),
                                   {rc, rh, rw});
                  },
                  "conv", {"n", "co", "h", "w"});
  return te::create_prim_func({data, weight, out}, "conv2d_nchw");
}

PrimFunc depthwise_nchw(const WorkloadArgs& args) {
  const int64_t n = args.integer("n"), ch = args.integer("c"), h = args.integer("h"),
                w = args.integer("w"), k = args.integer("kernel"), s = args.integer("stride"),
                p = args.integer("pad");
  const int64_t oh = window_output("depthwise_conv2d", h, k, s, p),
                ow = window_output("depthwise_conv2d", w, k, s, p);
  const DataType f32 = DataType::float32();
  Tensor data = te::placeholder({n, ch, h, w}, f32, "data");
  Tensor weight = te::placeholder({ch, k, k}, f32, "weight");
  Tensor padded = pad(data, {0, 0, p, p}, {0, 0, p, p}, make_float(0), "pad");
  IterVar rh = te::reduce_axis(k, "rh"), rw = te::reduce_axis(k, "rw");
  Tensor out =
      te::compute({n, ch, oh, ow},
                  [&](const Axes& x) {
                    return te::sum(padded(x[0], x[1], x[2] * s + rh.var, x[3] * s + rw.var) *
                                       weight(x[1], rh.var, rw.var),
                                   {rh, rw});
                  },
                  "depthwise", {"n", "c", "h", "w"});
  return te::create_prim_func({data, weight, out}, "depthwise_conv2d_nchw");
}

std::vector<WorkloadParam> conv_params(std::vector<std::string> spatial, bool with_dtype = true) {
  std::vector<WorkloadParam> params{int_param("n", "batch", "1")};
  for (const std::string& s : spatial) params.push_back(int_param(s, "input " + s));
  params.push_back(int_param("ci", "input channels"));
  params.push_back(int_param("co", "output channels"));
  params.push_back(int_param("kernel", "kernel size"));
  params.push_back(int_param("stride", "stride", "1"));
  params.push_back(int_param("pad", "zero padding per side", "0", 0));
  if (with_dtype) params.push_back(dtype_param());
  return params;
}

}  // namespace

void register_conv_workloads() {
  workloads::add({"C1D",
                  "conv1d NLC: out[n,l,co] = sum data[n, l*stride+rl, rc] * weight[rl, rc, co]",
                  conv_params({"l"}),
                  {{1, 256, 64, 128, 3, 2, 1},
                   {1, 128, 128, 256, 1, 2, 0},
                   {1, 64, 256, 256, 5, 1, 2},
                   {1, 32, 512, 512, 3, 1, 1}},
                  [](const WorkloadArgs& a) { return conv_nd(a, "C1D", {"l"}, "conv1d_nlc"); }});
  workloads::add(
      {"C2D",
       "conv2d NHWC, weight HWIO, zero padding in block 'pad'",
       conv_params({"h", "w"}),
       {{1, 224, 224, 3, 64, 7, 2, 3},
        {1, 56, 56, 64, 64, 1, 1, 0},
        {1, 14, 14, 256, 256, 3, 1, 1},
        {1, 7, 7, 512, 512, 3, 1, 1}},
       [](const WorkloadArgs& a) { return conv_nd(a, "C2D", {"h", "w"}, "conv2d_nhwc"); }});
  workloads::add(
      {"C3D",
       "conv3d NDHWC, weight DHWIO",
       conv_params({"d", "h", "w"}),
       {{1, 16, 224, 224, 3, 64, 7, 2, 3},
        {1, 16, 56, 56, 64, 64, 1, 1, 0},
        {1, 16, 14, 14, 256, 256, 3, 1, 1},
        {1, 16, 7, 7, 512, 512, 3, 1, 1}},
       [](const WorkloadArgs& a) { return conv_nd(a, "C3D", {"d", "h", "w"}, "conv3d_ndhwc"); }});
  {
    auto params = conv_params({"h", "w"});
    params.insert(params.end() - 1, int_param("dilation", "dilation", "1"));
    params.insert(params.end() - 1, int_param("groups", "groups (divide ci and co)"));
    workloads::add(
        {"GRP",
         "grouped conv2d NHWC: each group of co/groups outputs sees ci/groups inputs",
         params,
         {{1, 56, 56, 64, 128, 3, 2, 1, 1, 4},
          {1, 56, 56, 64, 64, 1, 1, 0, 1, 4},
          {1, 14, 14, 256, 256, 3, 1, 1, 1, 4},
          {1, 7, 7, 512, 512, 3, 1, 1, 1, 4}},
         [](const WorkloadArgs& a) { return conv2d_general(a, "GRP", true, "conv2d_grouped"); }});
  }
  {
    auto params = conv_params({"h", "w"});
    params.insert(params.end() - 1, int_param("dilation", "dilation"));
    workloads::add(
        {"DIL",
         "dilated conv2d NHWC",
         params,
         {{1, 224, 224, 3, 64, 7, 2, 3, 2},
          {1, 56, 56, 64, 64, 1, 1, 0, 2},
          {1, 14, 14, 256, 256, 3, 1, 1, 2},
          {1, 7, 7, 512, 512, 3, 1, 1, 2}},
         [](const WorkloadArgs& a) { return conv2d_general(a, "DIL", false, "conv2d_dilated"); }});
  }
  workloads::add(
      {"DEP",
       "depthwise conv2d NHWC, weight [kh, kw, c]",
       {int_param("n", "batch", "1"), int_param("h", "input h"), int_param("w", "input w"),
        int_param("c", "channels"), int_param("kernel", "kernel size"),
        int_param("stride", "stride", "1"), int_param("pad", "padding", "0", 0), dtype_param()},
       {{1, 112, 112, 32, 3, 1, 1},
        {1, 112, 112, 64, 3, 2, 1},
        {1, 14, 14, 512, 3, 2, 1},
        {1, 7, 7, 1024, 3, 1, 1}},
       depthwise_nhwc});
  workloads::add(
      {"T2D",
       "transposed conv2d NHWC: output (H-1)*stride - 2*pad + kernel, weight [kh, kw, ci, co]",
       conv_params({"h", "w"}, false),
       {{1, 4, 4, 512, 256, 4, 2, 1},
        {1, 8, 8, 256, 128, 4, 2, 1},
        {1, 16, 16, 128, 64, 4, 2, 1},
        {1, 32, 32, 64, 3, 4, 2, 1}},
       transposed});
  {
    auto params = conv_params({"h", "w"}, false);
    params.push_back(int_param("capsule", "capsule matrix size", "4"));
    workloads::add({"CAP",
                    "capsule conv2d N×H×W×CAP×CAP×C (FLOPs counted from the program: includes the "
                    "capsule products)",
                    params,
                    {{1, 16, 16, 32, 32, 3, 2, 1},
                     {1, 8, 8, 32, 32, 3, 1, 1},
                     {1, 16, 16, 8, 16, 3, 2, 1},
                     {1, 8, 8, 16, 16, 3, 1, 1}},
                    capsule});
  }
  workloads::add({"CBR",
                  "conv2d NHWC then y = max(x * scale[co] + shift[co], 0) in block 'bn_relu'",
                  conv_params({"h", "w"}, false),
                  {{1, 224, 224, 3, 64, 7, 2, 3},
                   {1, 56, 56, 64, 128, 3, 2, 1},
                   {1, 28, 28, 128, 256, 1, 2, 0},
                   {1, 7, 7, 512, 512, 3, 1, 1}},
                  conv_bn_relu});
  workloads::add({"conv2d_nchw",
                  "conv2d NCHW, weight OIHW",
                  {int_param("n", "batch", "1"), int_param("ci", "input channels", "64"),
                   int_param("h", "input h", "56"), int_param("w", "input w", "56"),
                   int_param("co", "output channels", "64"), int_param("kernel", "kernel", "3"),
                   int_param("stride", "stride", "1"), int_param("pad", "padding", "1", 0)},
                  {},
                  conv2d_nchw});
  workloads::add({"depthwise_conv2d",
                  "depthwise conv2d NCHW, weight [c, kh, kw]",
                  {int_param("n", "batch", "1"), int_param("c", "channels", "64"),
                   int_param("h", "input h", "56"), int_param("w", "input w", "56"),
                   int_param("kernel", "kernel", "3"), int_param("stride", "stride", "1"),
                   int_param("pad", "padding", "1", 0)},
                  {},
                  depthwise_nchw});
}

}  // namespace tessera::workload_detail
