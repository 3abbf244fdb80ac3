#include "resolve.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/runtime/interpreter.h"

namespace tessera::frontend {

const OperatorInfo& operator_of(const Graph& graph, const Node& node) {
  // Operators of the "tessera" domain are made by tessera's own passes (layout.cc).
  const OperatorInfo* info = node.domain.empty()        ? find_operator(node.op_type)
                             : node.domain == "tessera" ? find_operator("tessera." + node.op_type)
                                                        : nullptr;
  if (info == nullptr)
    throw UnsupportedError(fmt::format("{}: operator {}{} is not supported (supported: {})",
                                       graph.describe(node),
                                       node.domain.empty() ? "" : node.domain + ".", node.op_type,
                                       fmt::join(supported_operators(), ", ")));
  if (graph.opset < info->since_opset)
    throw UnsupportedError(fmt::format("{}: {} is supported from opset {}; the model uses opset {}",
                                       graph.describe(node), node.op_type, info->since_opset,
                                       graph.opset));
  return *info;
}

std::vector<OperatorOutput> convert_node(const Graph& graph, const Node& node,
                                         const std::vector<te::Tensor>& inputs,
                                         std::map<std::string, int>& names, bool folding) {
  const OperatorInfo& info = operator_of(graph, node);
  std::vector<OperatorInput> operands;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    OperatorInput in;
    if (node.inputs[i] >= 0) {
      in.tensor = i < inputs.size() ? inputs[i] : te::Tensor();
      const Value& v = graph.values[static_cast<size_t>(node.inputs[i])];
      if (v.is_constant()) in.constant = &v.constant;
    }
    operands.push_back(in);
  }
  ConversionContext context(graph, node, names);
  context.folding = folding;
  std::vector<OperatorOutput> outputs = info.convert(context, operands);
  size_t wanted = 0;
  for (int o : node.outputs) wanted += o >= 0 ? 1 : 0;
  if (outputs.size() < node.outputs.size() && outputs.size() < wanted)
    context.fail(fmt::format("the node has {} outputs, tessera computes {}", node.outputs.size(),
                             outputs.size()));
  return outputs;
}

void resolve_graph(Graph& graph, const ImportOptions& options,
                   const std::map<std::string, std::vector<int64_t>>& inferred) {
  auto check_not_empty = [&](const Value& v) {
    if (v.dtype == DataType::float16() || v.dtype == DataType::bfloat16())
      throw UnsupportedError(
          fmt::format("{}: '{}' is {}, which the CPU code generator does not support yet",
                      graph.source, v.name, v.dtype.str()));
    for (int64_t d : v.shape)
      if (d == 0)
        throw UnsupportedError(
            fmt::format("{}: '{}' has shape [{}]: empty tensors (a dimension of 0) are not "
                        "supported",
                        graph.source, v.name, fmt::join(v.shape, ", ")));
  };
  for (Value& v : graph.values) {
    if (v.is_constant()) {
      v.shape = v.constant.shape();
      v.dtype = v.constant.dtype();
    }
    if (!v.is_constant() && v.producer < 0) check_not_empty(v);
  }
  for (const Node& node : graph.nodes) {
    std::vector<te::Tensor> inputs;
    bool all_constant = true;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (node.inputs[i] < 0) {
        inputs.emplace_back();
        continue;
      }
      const Value& v = graph.values[static_cast<size_t>(node.inputs[i])];
      // An empty constant has no tensor; converters read its (empty) value.
      inputs.push_back(element_count(v.shape) == 0
                           ? te::Tensor()
                           : te::placeholder(v.shape, v.dtype, fmt::format("input{}", i)));
      all_constant = all_constant && v.is_constant();
    }
    std::map<std::string, int> names;
    std::vector<OperatorOutput> outputs = convert_node(graph, node, inputs, names, all_constant);
    for (size_t k = 0; k < node.outputs.size() && k < outputs.size(); ++k) {
      if (node.outputs[k] < 0) continue;
      Value& out = graph.values[static_cast<size_t>(node.outputs[k])];
      const OperatorOutput& result = outputs[k];
      if (result.constant.defined()) {
        out.constant = result.constant;
        out.shape = result.constant.shape();
        out.dtype = result.constant.dtype();
      } else {
        out.shape = result.tensor->shape;
        out.dtype = result.tensor->dtype;
      }
      if (!out.is_constant()) check_not_empty(out);
      auto it = inferred.find(out.name);
      if (it != inferred.end() && it->second != out.shape)
        fail("{}: output '{}' has shape [{}] in tessera but [{}] by ONNX shape inference",
             graph.describe(node), out.name, fmt::join(out.shape, ", "),
             fmt::join(it->second, ", "));
      if (out.is_constant() || !all_constant || element_count(out.shape) > options.fold_limit)
        continue;
      // Every input is known: evaluate now (shape arithmetic, small constant expressions).
      for (size_t i = 0; i < inputs.size(); ++i) {
        if (inputs[i].defined() && result.tensor.defined() &&
            inputs[i].get() == result.tensor.get()) {
          out.constant = graph.values[static_cast<size_t>(node.inputs[i])].constant;
          break;
        }
      }
      if (out.is_constant()) continue;
      std::vector<te::Tensor> params;
      std::vector<NDArray> args;
      for (size_t i = 0; i < inputs.size(); ++i) {
        if (!inputs[i].defined()) continue;
        params.push_back(inputs[i]);
        args.push_back(graph.values[static_cast<size_t>(node.inputs[i])].constant);
      }
      params.push_back(result.tensor);
      args.push_back(NDArray::empty(out.shape, out.dtype));
      PrimFunc fold = te::create_prim_func(params, "fold");
      try {
        run_reference(fold, args);
      } catch (const Error& e) {
        fail("{}: evaluating the node on its constant inputs failed: {}", graph.describe(node),
             e.what());
      }
      out.constant = args.back();
    }
  }
}

}  // namespace tessera::frontend
