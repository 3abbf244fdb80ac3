// Graph: a model as the frontend sees it after import — values with static shapes and
// element types (some of them constants: weights, folded shape arithmetic) and the
// operator nodes between them, in topological order. Importers (onnx_import.h) build it;
// partition (tasks.h) turns it into tuning tasks; the graph runner executes it.
//
//   Graph g = import_onnx("resnet18.onnx", {.input_shapes = {{"input", {1, 3, 224, 224}}}});
//   for (const Node& n : g.nodes) fmt::print("{} {}\n", n.op_type, g.values[n.outputs[0]].name);
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "tessera/ir/data_type.h"
#include "tessera/runtime/ndarray.h"

namespace tessera::frontend {

/// A node attribute: integers, reals, strings, their lists, or a tensor.
using Attribute = std::variant<int64_t, double, std::string, std::vector<int64_t>,
                               std::vector<double>, std::vector<std::string>, NDArray>;

struct Value {
  std::string name;
  std::vector<int64_t> shape;
  DataType dtype;
  NDArray constant;   // defined for weights and folded values
  int producer = -1;  // the node that computes it, -1 for inputs and constants
  bool is_constant() const { return constant.defined(); }
};

struct Node {
  std::string name;          // as in the model (may be empty there; then "OpType_index")
  std::string op_type;       // "Conv", "MatMul", ...
  std::string domain;        // "" for the default ONNX domain
  std::vector<int> inputs;   // value indices; -1 for an omitted optional input
  std::vector<int> outputs;  // value indices; -1 for an omitted optional output
  std::map<std::string, Attribute> attributes;
};

struct Graph {
  std::string source;  // the model file, for messages
  int64_t opset = 0;   // of the default domain
  std::vector<Value> values;
  std::vector<Node> nodes;   // topological order
  std::vector<int> inputs;   // values the caller supplies
  std::vector<int> outputs;  // values the caller receives

  /// The value named `name`, or -1.
  int find_value(const std::string& name) const;
  /// "model.onnx: node 'conv1' (Conv, opset 13)" for messages.
  std::string describe(const Node& node) const;
  /// The number of nodes reading each value (graph outputs count as one reader).
  std::vector<int> use_counts() const;
};

}  // namespace tessera::frontend
