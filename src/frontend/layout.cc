// Channels-last layout for convolutions. Each 2-D Conv with constant weights becomes
//   Transpose(x, NCHW->NHWC) -> tessera.ConvNHWC(x', W in HWIO) -> Transpose(y', NHWC->NCHW)
// and the transposes are then moved past the elementwise operators after them (ReLU,
// residual Add, Clip, ...) until two meet and cancel: between two convolutions the
// activations stay NHWC, and transposes remain only where a layout-sensitive operator
// (a pool, Flatten, Reshape) or the model's boundary needs NCHW. Tuned NHWC convolutions
// run about 3x faster here than NCHW ones (output channels contiguous, vectorized).
#include <algorithm>
#include <map>
#include <set>

#include <fmt/format.h>

#include "resolve.h"

namespace tessera::frontend {
namespace {

const std::vector<int64_t> kToNhwc{0, 2, 3, 1}, kToNchw{0, 3, 1, 2};

// Transpose(a, perm) of a constant: out.shape[i] = a.shape[perm[i]].
NDArray transpose_constant(const NDArray& a, const std::vector<int64_t>& perm) {
  const size_t rank = a.shape().size();
  std::vector<int64_t> shape(rank), in_strides(rank, 1);
  for (size_t i = rank; i-- > 1;) in_strides[i - 1] = in_strides[i] * a.shape()[i];
  for (size_t i = 0; i < rank; ++i) shape[i] = a.shape()[static_cast<size_t>(perm[i])];
  NDArray out = NDArray::empty(shape, a.dtype());
  std::vector<int64_t> index(rank, 0);
  for (int64_t flat = 0; flat < out.size(); ++flat) {
    int64_t source = 0;
    for (size_t i = 0; i < rank; ++i) source += index[i] * in_strides[static_cast<size_t>(perm[i])];
    if (a.dtype().is_floating())
      out.set(flat, a.get(source));
    else
      out.set_int(flat, a.get_int(source));
    for (size_t i = rank; i-- > 0;) {
      if (++index[i] < shape[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

struct Rewriter {
  Graph& graph;
  std::vector<Node> nodes;  // the new node list, in order

  int add_value(const std::string& name) {
    Value v;
    v.name = name;
    graph.values.push_back(std::move(v));
    return static_cast<int>(graph.values.size()) - 1;
  }
  int add_constant(const std::string& name, NDArray a) {
    int v = add_value(name);
    graph.values[static_cast<size_t>(v)].constant = std::move(a);
    graph.values[static_cast<size_t>(v)].shape =
        graph.values[static_cast<size_t>(v)].constant.shape();
    graph.values[static_cast<size_t>(v)].dtype =
        graph.values[static_cast<size_t>(v)].constant.dtype();
    return v;
  }
  Node transpose(const std::string& name, int input, int output, const std::vector<int64_t>& perm) {
    Node t;
    t.name = name;
    t.op_type = "Transpose";
    t.inputs = {input};
    t.outputs = {output};
    t.attributes["perm"] = perm;
    return t;
  }
};

bool is_transpose(const Node& n, const std::vector<int64_t>& perm) {
  if (n.op_type != "Transpose" || !n.domain.empty()) return false;
  auto it = n.attributes.find("perm");
  return it != n.attributes.end() && std::get_if<std::vector<int64_t>>(&it->second) != nullptr &&
         std::get<std::vector<int64_t>>(it->second) == perm;
}

// Moves Transpose(x, NHWC->NCHW) below the elementwise node reading it, and cancels a
// Transpose(NHWC->NCHW) followed by Transpose(NCHW->NHWC). Returns whether anything changed.
bool sink_once(Graph& graph, Rewriter& r) {
  std::vector<int> uses = graph.use_counts();
  std::vector<int> producer(graph.values.size(), -1);
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    for (int o : graph.nodes[n].outputs)
      if (o >= 0) producer[static_cast<size_t>(o)] = static_cast<int>(n);
  auto transposed_source =
      [&](int value) -> int {  // x when value = Transpose(x, to NCHW) read once
    if (value < 0 || uses[static_cast<size_t>(value)] != 1) return -1;
    const int p = producer[static_cast<size_t>(value)];
    if (p < 0 || !is_transpose(graph.nodes[static_cast<size_t>(p)], kToNchw)) return -1;
    return graph.nodes[static_cast<size_t>(p)].inputs[0];
  };
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    Node& node = graph.nodes[n];
    // Transpose(Transpose(x, to NCHW), to NHWC) -> x.
    if (is_transpose(node, kToNhwc)) {
      const int x = transposed_source(node.inputs[0]);
      if (x < 0) continue;
      const int out = node.outputs[0];
      if (std::find(graph.outputs.begin(), graph.outputs.end(), out) != graph.outputs.end())
        continue;
      for (Node& other : graph.nodes)
        for (int& v : other.inputs)
          if (v == out) v = x;
      node.op_type = "Identity";  // dead now; removed below
      node.inputs = {x};
      return true;
    }
    if (node.op_type == "Transpose" || node.outputs.size() != 1 || node.outputs[0] < 0) continue;
    const OperatorInfo* info = nullptr;
    try {
      info = &operator_of(graph, node);
    } catch (const Error&) {
      continue;
    }
    if (info->kind != OperatorKind::kElementwise) continue;
    // Every input: a transposed activation (read only here), a constant of rank <= 4, or
    // another 4-D activation (which gets a transpose to NHWC of its own).
    std::vector<int> sources(node.inputs.size(), -1);
    bool any = false, ok = true;
    for (size_t i = 0; i < node.inputs.size() && ok; ++i) {
      const int v = node.inputs[i];
      if (v < 0) continue;
      const Value& value = graph.values[static_cast<size_t>(v)];
      if (const int x = transposed_source(v); x >= 0) {
        sources[i] = x;
        any = true;
      } else if (value.shape.size() > 4 || (!value.is_constant() && value.shape.size() != 4)) {
        ok = false;
      }
    }
    if (!any || !ok || graph.values[static_cast<size_t>(node.outputs[0])].shape.size() != 4)
      continue;
    // Rewrite: the node works in NHWC; its old output is a transpose of the new one.
    for (size_t i = 0; i < graph.nodes[n].inputs.size(); ++i) {
      if (graph.nodes[n].inputs[i] < 0) continue;
      if (sources[i] >= 0) {
        graph.nodes[n].inputs[i] = sources[i];
        continue;
      }
      // A copy: adding values below may move graph.values.
      const Value c = graph.values[static_cast<size_t>(graph.nodes[n].inputs[i])];
      if (!c.is_constant()) {
        // An NCHW activation: read it through a transpose to NHWC (one already made for
        // another reader, a convolution say, is reused).
        const int v = graph.nodes[n].inputs[i];
        int reused = -1;
        for (size_t m = 0; m < n && reused < 0; ++m)
          if (is_transpose(graph.nodes[m], kToNhwc) && graph.nodes[m].inputs[0] == v)
            reused = graph.nodes[m].outputs[0];
        if (reused < 0) {
          reused = r.add_value(c.name + "_nhwc");
          graph.nodes.insert(graph.nodes.begin() + static_cast<std::ptrdiff_t>(n),
                             r.transpose(c.name + "_to_nhwc", v, reused, kToNhwc));
          ++n;
        }
        graph.nodes[n].inputs[i] = reused;
        continue;
      }
      if (c.shape.empty()) continue;  // a scalar broadcasts the same in any layout
      std::vector<int64_t> shape = c.shape;
      shape.insert(shape.begin(), 4 - shape.size(), 1);
      NDArray nhwc = transpose_constant(c.constant.reshaped(shape), kToNhwc);
      graph.nodes[n].inputs[i] = r.add_constant(c.name + "_nhwc", nhwc);
    }
    Node& rewritten = graph.nodes[n];
    const int old_out = rewritten.outputs[0];
    const int new_out = r.add_value(graph.values[static_cast<size_t>(old_out)].name + "_nhwc");
    rewritten.outputs[0] = new_out;
    Node back = r.transpose(rewritten.name + "_to_nchw", new_out, old_out, kToNchw);
    graph.nodes.insert(graph.nodes.begin() + static_cast<std::ptrdiff_t>(n) + 1, std::move(back));
    return true;
  }
  return false;
}

void remove_dead_nodes(Graph& graph) {
  for (;;) {
    std::vector<int> uses = graph.use_counts();
    std::vector<Node> kept;
    bool removed = false;
    for (Node& n : graph.nodes) {
      bool used = false;
      for (int o : n.outputs) used = used || (o >= 0 && uses[static_cast<size_t>(o)] > 0);
      if (used)
        kept.push_back(std::move(n));
      else
        removed = true;
    }
    graph.nodes = std::move(kept);
    if (!removed) break;
  }
  for (Value& v : graph.values) v.producer = -1;
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    for (int o : graph.nodes[n].outputs)
      if (o >= 0) graph.values[static_cast<size_t>(o)].producer = static_cast<int>(n);
}

}  // namespace

int convert_to_channels_last(Graph& graph, const ImportOptions& options) {
  Rewriter r{graph, {}};
  int converted = 0;
  for (Node& node : graph.nodes) {
    const bool conv2d = node.op_type == "Conv" && node.domain.empty() && node.inputs.size() >= 2 &&
                        graph.values[static_cast<size_t>(node.inputs[0])].shape.size() == 4 &&
                        graph.values[static_cast<size_t>(node.inputs[1])].is_constant() &&
                        graph.values[static_cast<size_t>(node.inputs[0])].dtype.is_floating();
    if (!conv2d) {
      r.nodes.push_back(std::move(node));
      continue;
    }
    const int x = node.inputs[0], y = node.outputs[0];
    const Value& w = graph.values[static_cast<size_t>(node.inputs[1])];
    const int w_hwio =
        r.add_constant(w.name + "_hwio", transpose_constant(w.constant, {2, 3, 1, 0}));
    const int x_nhwc =
        r.add_value(graph.values[static_cast<size_t>(x)].name + "_" + node.name + "_nhwc");
    const int y_nhwc = r.add_value(graph.values[static_cast<size_t>(y)].name + "_nhwc");
    r.nodes.push_back(r.transpose(node.name + "_to_nhwc", x, x_nhwc, kToNhwc));
    Node conv = node;
    conv.domain = "tessera";
    conv.op_type = "ConvNHWC";
    conv.inputs[0] = x_nhwc;
    conv.inputs[1] = w_hwio;
    conv.outputs = {y_nhwc};
    conv.attributes.erase("kernel_shape");  // taken from W
    r.nodes.push_back(std::move(conv));
    r.nodes.push_back(r.transpose(node.name + "_to_nchw", y_nhwc, y, kToNchw));
    ++converted;
  }
  graph.nodes = std::move(r.nodes);
  if (converted == 0) return 0;
  remove_dead_nodes(graph);
  // Shapes of the new values, then move the transposes and cancel them.
  resolve_graph(graph, options, {});
  while (sink_once(graph, r)) {
    remove_dead_nodes(graph);
    resolve_graph(graph, options, {});
  }
  return converted;
}

}  // namespace tessera::frontend
