// ONNX ModelProto -> Graph: parse, check, pin input shapes, infer shapes, convert.
#include "tessera/frontend/onnx_import.h"

#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include "../resolve.h"
#include "tensor_proto.h"

namespace tessera::frontend {
namespace {

Attribute convert_attribute(const onnx::AttributeProto& a, const std::string& where) {
  switch (a.type()) {
    case onnx::AttributeProto::INT: return a.i();
    case onnx::AttributeProto::FLOAT: return static_cast<double>(a.f());
    case onnx::AttributeProto::STRING: return a.s();
    case onnx::AttributeProto::INTS: return std::vector<int64_t>(a.ints().begin(), a.ints().end());
    case onnx::AttributeProto::FLOATS:
      return std::vector<double>(a.floats().begin(), a.floats().end());
    case onnx::AttributeProto::STRINGS:
      return std::vector<std::string>(a.strings().begin(), a.strings().end());
    case onnx::AttributeProto::TENSOR:
      return ndarray_from_proto(a.t(), where + " attribute '" + a.name() + "'");
    default:
      throw UnsupportedError(
          fmt::format("{}: attribute '{}' of type {} (graphs, sparse tensors, type protos) is "
                      "not supported",
                      where, a.name(), onnx::AttributeProto::AttributeType_Name(a.type())));
  }
}

// Sets the graph inputs' symbolic dimensions from the options; every input ends fully static.
void pin_input_shapes(onnx::ModelProto& model, const ImportOptions& options,
                      const std::string& source) {
  std::set<std::string> initializers;
  for (const auto& t : model.graph().initializer()) initializers.insert(t.name());
  std::vector<std::string> names;
  for (const auto& input : model.graph().input())
    if (initializers.count(input.name()) == 0) names.push_back(input.name());
  for (const auto& [name, array] : options.input_values)
    if (std::find(names.begin(), names.end(), name) == names.end())
      fail("{}: a value is given for '{}', which is not an input of the model (inputs: {})", source,
           name, fmt::join(names, ", "));
  for (const auto& [name, dims] : options.input_shapes)
    if (std::find(names.begin(), names.end(), name) == names.end())
      fail("{}: --input-shape names '{}', which is not an input of the model (inputs: {})", source,
           name, fmt::join(names, ", "));
  for (auto& input : *model.mutable_graph()->mutable_input()) {
    if (initializers.count(input.name()) != 0) continue;
    if (!input.type().has_tensor_type())
      throw UnsupportedError(
          fmt::format("{}: input '{}' is not a tensor (sequences and maps are not supported)",
                      source, input.name()));
    auto* shape = input.mutable_type()->mutable_tensor_type()->mutable_shape();
    auto given = options.input_shapes.find(input.name());
    if (given != options.input_shapes.end()) {
      const std::vector<int64_t>& dims = given->second;
      if (static_cast<int>(dims.size()) != shape->dim_size() && shape->dim_size() > 0)
        fail("{}: --input-shape {} has {} dimensions, the model's input has {}", source,
             input.name(), dims.size(), shape->dim_size());
      if (shape->dim_size() == 0)
        for (size_t i = 0; i < dims.size(); ++i) shape->add_dim();
      for (int i = 0; i < shape->dim_size(); ++i) {
        auto* d = shape->mutable_dim(i);
        if (d->has_dim_value() && d->dim_value() != dims[static_cast<size_t>(i)])
          fail("{}: --input-shape {} gives dimension {} as {}, the model fixes it to {}", source,
               input.name(), i, dims[static_cast<size_t>(i)], d->dim_value());
        if (dims[static_cast<size_t>(i)] < 0)
          fail("{}: --input-shape {} has a negative dimension", source, input.name());
        d->set_dim_value(dims[static_cast<size_t>(i)]);
      }
      continue;
    }
    if (!input.type().tensor_type().has_shape())
      fail("{}: input '{}' has no shape in the model: give one with --input-shape {}=D0,D1,...",
           source, input.name(), input.name());
    for (int i = 0; i < shape->dim_size(); ++i) {
      const auto& d = shape->dim(i);
      if (!d.has_dim_value())
        fail(
            "{}: input '{}' has the symbolic dimension '{}' (dimension {}): pin it with "
            "--input-shape {}=D0,D1,...",
            source, input.name(), d.dim_param().empty() ? "?" : d.dim_param(), i, input.name());
    }
  }
}

}  // namespace

void parse_input_shape(const std::string& text, ImportOptions& options) {
  size_t eq = text.rfind('=');
  if (eq == std::string::npos || eq == 0)
    fail("--input-shape: expected NAME=D0,D1,... (for example input=1,3,224,224), got '{}'", text);
  std::vector<int64_t> dims;
  std::stringstream ss(text.substr(eq + 1));
  std::string item;
  while (std::getline(ss, item, ',')) {
    size_t used = 0;
    int64_t v = -1;
    try {
      v = std::stoll(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || item.empty() || v < 0)
      fail("--input-shape: dimension '{}' of '{}' is not a non-negative integer", item, text);
    dims.push_back(v);
  }
  options.input_shapes[text.substr(0, eq)] = dims;
}

Graph import_onnx_bytes(const std::string& bytes, const std::string& source,
                        const ImportOptions& options) {
  onnx::ModelProto model;
  if (!model.ParseFromString(bytes))
    fail("{}: not an ONNX model (the protobuf does not parse)", source);
  Graph graph;
  graph.source = source;
  for (const auto& o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx") graph.opset = o.version();
  if (graph.opset == 0) {
    std::vector<std::string> domains;
    for (const auto& o : model.opset_import())
      domains.push_back(fmt::format("{} {}", o.domain(), o.version()));
    throw UnsupportedError(
        fmt::format("{}: the model imports no opset of the default ONNX domain (only: {}); "
                    "tessera supports operators of the default domain",
                    source, fmt::join(domains, ", ")));
  }
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    fail("{}: the ONNX checker rejects the model: {}", source, e.what());
  }
  pin_input_shapes(model, options, source);
  try {
    onnx::ShapeInferenceOptions inference(/*check_type=*/true, /*error_mode=*/1,
                                          /*data_propagation=*/true);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), inference);
  } catch (const std::exception& e) {
    fail("{}: ONNX shape inference fails: {}", source, e.what());
  }
  const onnx::GraphProto& g = model.graph();
  auto add_value = [&](const std::string& name) {
    graph.values.push_back(Value{name, {}, DataType::float32(), NDArray(), -1});
    return static_cast<int>(graph.values.size()) - 1;
  };
  std::map<std::string, int> by_name;
  for (const auto& t : g.initializer()) {
    int v = add_value(t.name());
    graph.values[static_cast<size_t>(v)].constant =
        ndarray_from_proto(t, fmt::format("{}: initializer '{}'", source, t.name()));
    by_name[t.name()] = v;
  }
  for (const auto& input : g.input()) {
    if (by_name.count(input.name()) != 0)
      continue;  // an initializer listed as an input: a constant
    int v = add_value(input.name());
    Value& value = graph.values[static_cast<size_t>(v)];
    const auto& type = input.type().tensor_type();
    std::optional<DataType> dtype = data_type_from_onnx(type.elem_type());
    if (!dtype)
      throw UnsupportedError(fmt::format("{}: input '{}' has an unsupported element type ({})",
                                         source, input.name(), type.elem_type()));
    value.dtype = *dtype;
    for (const auto& d : type.shape().dim()) value.shape.push_back(d.dim_value());
    by_name[input.name()] = v;
    auto bound = options.input_values.find(input.name());
    if (bound == options.input_values.end()) {
      graph.inputs.push_back(v);
      continue;
    }
    if (bound->second.shape() != value.shape || bound->second.dtype() != value.dtype)
      fail("{}: the value given for input '{}' is {}, the model declares {}[{}]", source,
           input.name(), shape_string(bound->second), value.dtype.str(),
           fmt::join(value.shape, ", "));
    value.constant = bound->second;
  }
  std::map<std::string, std::vector<int64_t>> inferred;
  for (const auto& info : g.value_info()) {
    if (!info.type().has_tensor_type() || !info.type().tensor_type().has_shape()) continue;
    std::vector<int64_t> dims;
    bool complete = true;
    for (const auto& d : info.type().tensor_type().shape().dim()) {
      complete = complete && d.has_dim_value();
      dims.push_back(d.dim_value());
    }
    if (complete) inferred[info.name()] = dims;
  }
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& proto = g.node(i);
    Node node;
    node.op_type = proto.op_type();
    node.domain = proto.domain() == "ai.onnx" ? "" : proto.domain();
    node.name = proto.name().empty() ? fmt::format("{}_{}", proto.op_type(), i) : proto.name();
    std::string where = fmt::format("{}: node '{}' ({})", source, node.name, node.op_type);
    for (const auto& a : proto.attribute()) node.attributes[a.name()] = convert_attribute(a, where);
    for (const std::string& name : proto.input()) {
      if (name.empty()) {
        node.inputs.push_back(-1);
        continue;
      }
      auto it = by_name.find(name);
      if (it == by_name.end()) fail("{}: input '{}' is not produced before the node", where, name);
      node.inputs.push_back(it->second);
    }
    for (const std::string& name : proto.output()) {
      if (name.empty()) {
        node.outputs.push_back(-1);
        continue;
      }
      int v = add_value(name);
      graph.values[static_cast<size_t>(v)].producer = static_cast<int>(graph.nodes.size());
      by_name[name] = v;
      node.outputs.push_back(v);
    }
    graph.nodes.push_back(std::move(node));
  }
  for (const auto& output : g.output()) {
    auto it = by_name.find(output.name());
    if (it == by_name.end())
      fail("{}: output '{}' is not computed by the graph", source, output.name());
    graph.outputs.push_back(it->second);
  }
  resolve_graph(graph, options, inferred);
  fold_batch_norms(graph);
  if (options.channels_last) convert_to_channels_last(graph, options);
  return graph;
}

std::vector<std::string> onnx_input_names(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  onnx::ModelProto model;
  if (!in || !model.ParseFromIstream(&in)) fail("{}: cannot read an ONNX model from it", path);
  std::set<std::string> initializers;
  for (const auto& t : model.graph().initializer()) initializers.insert(t.name());
  std::vector<std::string> names;
  for (const auto& input : model.graph().input())
    if (initializers.count(input.name()) == 0) names.push_back(input.name());
  return names;
}

Graph import_onnx(const std::string& path, const ImportOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open ONNX model {}", path);
  std::stringstream bytes;
  bytes << in.rdbuf();
  return import_onnx_bytes(bytes.str(), path, options);
}

}  // namespace tessera::frontend
