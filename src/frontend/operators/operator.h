// Operator converters (internal to src/frontend): each ONNX operator the frontend
// supports is registered once, in the file of its family, with what kind of operator it
// is (fusion needs that) and a converter that builds its outputs as te stages from its
// inputs. Converters are pure: the importer calls them to learn output shapes and fold
// constants, the partitioner calls them again to build each task's program.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tessera/frontend/graph.h"
#include "tessera/frontend/onnx_import.h"
#include "tessera/ir/op.h"
#include "tessera/te/tensor.h"

namespace tessera::frontend {

/// One input of a node as its converter sees it.
struct OperatorInput {
  te::Tensor tensor;                  // undefined when omitted, or for an empty constant
  const NDArray* constant = nullptr;  // its value when known at import (weights, shapes)
  bool present() const { return tensor.defined() || constant != nullptr; }
  const std::vector<int64_t>& shape() const {
    return tensor.defined() ? tensor->shape : constant->shape();
  }
  DataType dtype() const { return tensor.defined() ? tensor->dtype : constant->dtype(); }
  size_t rank() const { return shape().size(); }
};

/// One output: a computed tensor, or a value known at import (Shape, Constant).
struct OperatorOutput {
  te::Tensor tensor;
  NDArray constant;
  OperatorOutput(te::Tensor t) : tensor(std::move(t)) {}  // NOLINT(implicit)
  OperatorOutput(NDArray c) : constant(std::move(c)) {}   // NOLINT(implicit)
};

/// How fusion treats an operator.
enum class OperatorKind {
  kAnchor,       // convolution, matmul, pooling, reductions: a task of its own
  kElementwise,  // output element i needs input elements i (after broadcasting)
  kInjective,    // each output element reads a few input elements (transpose, slice, pad)
  kView,         // the same data with another shape (reshape): no computation
  kConstant,     // known at import (Shape, Constant)
};

class ConversionContext {
 public:
  ConversionContext(const Graph& graph, const Node& node, std::map<std::string, int>& used_names);

  const Node& node;
  int64_t opset;
  /// Every input is known: the result will be folded, and may be empty.
  bool folding = false;

  /// Input `i` as a tensor: fails when it is missing, is unsupported when it is empty.
  te::Tensor tensor(const std::vector<OperatorInput>& inputs, size_t i,
                    const char* what = "") const;
  /// The value of an input that must be known when the model is imported.
  const NDArray& constant(const OperatorInput& input, const char* what) const;
  /// True when `shape` has a 0: allowed (the caller returns an empty constant) only while
  /// folding; otherwise an UnsupportedError.
  bool empty_result(const std::vector<int64_t>& shape) const;

  bool has(const std::string& name) const { return node.attributes.count(name) != 0; }
  int64_t get_int(const std::string& name, int64_t default_value) const;
  int64_t get_int(const std::string& name) const;  // required
  double get_float(const std::string& name, double default_value) const;
  std::string get_string(const std::string& name, const std::string& default_value) const;
  std::vector<int64_t> get_ints(const std::string& name,
                                const std::vector<int64_t>& default_value) const;
  std::vector<int64_t> get_ints(const std::string& name) const;  // required
  const NDArray& get_tensor(const std::string& name) const;

  /// The integers of an input that must be known at import (a Reshape's shape, ...).
  std::vector<int64_t> constant_ints(const OperatorInput& input, const char* what) const;
  /// A normalized axis in [0, rank): negative axes count from the end.
  int64_t axis(int64_t axis, size_t rank, const char* what = "axis") const;

  /// A stage name unique in the program being built: "relu", "relu_1", ...
  std::string stage_name(const std::string& base);

  [[noreturn]] void fail(const std::string& message) const;
  [[noreturn]] void unsupported(const std::string& message) const;

 private:
  const Graph& graph_;
  std::map<std::string, int>& used_names_;
  const Attribute& attribute(const std::string& name) const;
};

using Converter = std::function<std::vector<OperatorOutput>(ConversionContext& context,
                                                            const std::vector<OperatorInput>&)>;

struct OperatorInfo {
  std::string op_type;
  OperatorKind kind;
  int64_t since_opset;  // the oldest opset whose semantics the converter implements
  Converter convert;
  /// An anchor that reads each input element many times (a convolution's or matmul's
  /// operands, a pool's overlapping windows): an elementwise producer fused into it would be
  /// recomputed at every read, so the partition leaves such producers out of its task.
  bool reads_inputs_repeatedly = false;
};

/// Registers at load time: `const OperatorRegistration relu{{"Relu", kElementwise, 6, fn}};`.
struct OperatorRegistration {
  explicit OperatorRegistration(OperatorInfo info);
};

const OperatorInfo* find_operator(const std::string& op_type);
/// Every supported operator type, sorted.
std::vector<std::string> supported_operators();

// --- helpers shared by the converters -------------------------------------------------

/// The numpy broadcast of two or more shapes; fails naming the node otherwise.
std::vector<int64_t> broadcast_shapes(const ConversionContext& context,
                                      const std::vector<std::vector<int64_t>>& shapes);
/// Element of `tensor` at output point `axes` of a broadcast to `out_rank` dimensions.
Expr broadcast_load(const te::Tensor& tensor, const te::Axes& axes);
/// A constant of the tensor's type.
Expr constant_like(const te::Tensor& tensor, double value);
/// An elementwise stage over the broadcast of `inputs`.
te::Tensor elementwise(ConversionContext& context, const std::vector<te::Tensor>& inputs,
                       const std::function<Expr(const std::vector<Expr>&)>& fn,
                       const std::string& name);
/// `t` padded with `before`/`after` elements per dimension, reading `value` outside.
te::Tensor pad_tensor(ConversionContext& context, const te::Tensor& t,
                      const std::vector<int64_t>& before, const std::vector<int64_t>& after,
                      Expr value);
/// A stage or task name from an op type: "LeakyRelu" -> "leaky_relu", "IsNaN" -> "is_nan";
/// tessera's channels-last variants drop their suffix ("ConvNHWC" -> "conv").
std::string snake_case(std::string op_type);
/// The product of the dimensions.
int64_t element_count(const std::vector<int64_t>& shape);

}  // namespace tessera::frontend
