// BatchNormalization folded into the convolution before it: with constant weights and
// statistics, conv(x, W, B) followed by (y - mean) * scale / sqrt(var + eps) + beta is
// conv(x, W', B') with W'[o] = W[o] * f[o] and B'[o] = (B[o] - mean[o]) * f[o] + beta[o],
// f = scale / sqrt(var + eps). One task fewer per convolution and no pass over its output.
#include <cmath>

#include "resolve.h"

namespace tessera::frontend {
namespace {

bool constant_vector(const Graph& g, int value, int64_t length) {
  if (value < 0) return false;
  const Value& v = g.values[static_cast<size_t>(value)];
  return v.is_constant() && v.shape == std::vector<int64_t>{length} && v.dtype.is_floating();
}

}  // namespace

int fold_batch_norms(Graph& graph) {
  std::vector<int> uses = graph.use_counts();
  std::vector<bool> removed(graph.nodes.size(), false);
  int folded = 0;
  for (size_t n = 0; n < graph.nodes.size(); ++n) {
    Node& bn = graph.nodes[n];
    if (bn.op_type != "BatchNormalization" || !bn.domain.empty() || bn.inputs.size() < 5) continue;
    bool extra_outputs = false;
    for (size_t k = 1; k < bn.outputs.size(); ++k)
      extra_outputs = extra_outputs || bn.outputs[k] >= 0;
    auto training = bn.attributes.find("training_mode");
    if (extra_outputs ||
        (training != bn.attributes.end() && std::get_if<int64_t>(&training->second) != nullptr &&
         std::get<int64_t>(training->second) != 0))
      continue;
    const int x = bn.inputs[0];
    if (x < 0 || uses[static_cast<size_t>(x)] != 1) continue;
    const int producer = graph.values[static_cast<size_t>(x)].producer;
    if (producer < 0 || removed[static_cast<size_t>(producer)]) continue;
    Node& conv = graph.nodes[static_cast<size_t>(producer)];
    if (conv.op_type != "Conv" || !conv.domain.empty() || conv.inputs.size() < 2) continue;
    const Value& weight = graph.values[static_cast<size_t>(conv.inputs[1])];
    if (!weight.is_constant() || weight.shape.empty() || !weight.dtype.is_floating()) continue;
    const int64_t channels = weight.shape[0];
    const bool has_bias = conv.inputs.size() > 2 && conv.inputs[2] >= 0;
    if (has_bias && !constant_vector(graph, conv.inputs[2], channels)) continue;
    if (!constant_vector(graph, bn.inputs[1], channels) ||
        !constant_vector(graph, bn.inputs[2], channels) ||
        !constant_vector(graph, bn.inputs[3], channels) ||
        !constant_vector(graph, bn.inputs[4], channels))
      continue;
    double epsilon = 1e-5;
    if (auto e = bn.attributes.find("epsilon");
        e != bn.attributes.end() && std::get_if<double>(&e->second))
      epsilon = std::get<double>(e->second);
    const NDArray& scale = graph.values[static_cast<size_t>(bn.inputs[1])].constant;
    const NDArray& beta = graph.values[static_cast<size_t>(bn.inputs[2])].constant;
    const NDArray& mean = graph.values[static_cast<size_t>(bn.inputs[3])].constant;
    const NDArray& var = graph.values[static_cast<size_t>(bn.inputs[4])].constant;
    NDArray new_weight = weight.constant.copy();
    NDArray new_bias = NDArray::empty({channels}, weight.dtype);
    const int64_t per_channel = new_weight.size() / channels;
    for (int64_t o = 0; o < channels; ++o) {
      const double f = scale.get(o) / std::sqrt(var.get(o) + epsilon);
      for (int64_t i = 0; i < per_channel; ++i)
        new_weight.set(o * per_channel + i, new_weight.get(o * per_channel + i) * f);
      const double b =
          has_bias ? graph.values[static_cast<size_t>(conv.inputs[2])].constant.get(o) : 0.0;
      new_bias.set(o, (b - mean.get(o)) * f + beta.get(o));
    }
    // New constants (the originals may be shared with other nodes).
    auto add_constant = [&](const std::string& name, NDArray value) {
      Value v;
      v.name = name;
      v.shape = value.shape();
      v.dtype = value.dtype();
      v.constant = std::move(value);
      graph.values.push_back(std::move(v));
      return static_cast<int>(graph.values.size()) - 1;
    };
    const int w = add_constant(weight.name + "_bn_folded", std::move(new_weight));
    const int b = add_constant(bn.name + "_folded_bias", std::move(new_bias));
    conv.inputs[1] = w;
    if (has_bias)
      conv.inputs[2] = b;
    else
      conv.inputs.push_back(b);
    // The convolution now produces the normalization's output.
    const int out = bn.outputs[0];
    graph.values[static_cast<size_t>(out)].producer = producer;
    conv.outputs[0] = out;
    removed[n] = true;
    ++folded;
  }
  if (folded == 0) return 0;
  // Drop the folded nodes and renumber the producers.
  std::vector<Node> kept;
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    if (!removed[n]) kept.push_back(std::move(graph.nodes[n]));
  graph.nodes = std::move(kept);
  for (Value& v : graph.values) v.producer = -1;
  for (size_t n = 0; n < graph.nodes.size(); ++n)
    for (int o : graph.nodes[n].outputs)
      if (o >= 0) graph.values[static_cast<size_t>(o)].producer = static_cast<int>(n);
  return folded;
}

}  // namespace tessera::frontend
