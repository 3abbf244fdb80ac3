// ONNX import: an .onnx file becomes a Graph (graph.h) with static shapes. The model is
// parsed, validated by ONNX's checker and shape inference, symbolic input dimensions are
// pinned by the caller, every node is converted by tessera's operator library (which
// computes each output's shape and type), and values computable at import — weights
// transformed by constant nodes, shape arithmetic (Shape, Gather, Concat, ...) — are
// folded. Anything tessera cannot run exactly is an error naming the node; nothing is
// approximated.
//
//   ImportOptions options;
//   options.input_shapes["input"] = {1, 3, 224, 224};
//   Graph g = import_onnx("model.onnx", options);
#pragma once

#include <map>
#include <string>
#include <vector>

#include "tessera/frontend/graph.h"
#include "tessera/support/error.h"

namespace tessera::frontend {

struct ImportOptions {
  /// Shapes for graph inputs with symbolic or unknown dimensions (the given shape must
  /// agree with every fixed dimension of the model).
  std::map<std::string, std::vector<int64_t>> input_shapes;
  /// Inputs whose values are fixed when the model is imported (folded like weights; the
  /// runner then takes no value for them): a Reshape fed its shape as an input, say.
  std::map<std::string, NDArray> input_values;
  /// Convolutions compute in NHWC (tessera.ConvNHWC), with the transposes between them
  /// cancelled: the layout the CPU kernels want. False keeps every operator as in the model.
  bool channels_last = true;
  /// Folded values larger than this many elements stay nodes (they run once at load).
  int64_t fold_limit = 1 << 16;
};

/// An operator, attribute value or opset tessera does not support (the message names
/// the node and lists what is supported). Other import errors are plain Errors.
class UnsupportedError : public Error {
 public:
  explicit UnsupportedError(const std::string& message) : Error(message) {}
};

Graph import_onnx(const std::string& path, const ImportOptions& options = {});
/// The same from the bytes of a model (`source` names it in messages).
Graph import_onnx_bytes(const std::string& bytes, const std::string& source,
                        const ImportOptions& options = {});

/// The model's inputs that are not weights (initializers), in order; the model is only parsed.
std::vector<std::string> onnx_input_names(const std::string& path);

/// Parses "name=1,3,224,224" (the driver's --input-shape) into `options`.
void parse_input_shape(const std::string& text, ImportOptions& options);

/// A serialized ONNX TensorProto (the .pb files of ONNX test data) as an NDArray, and back.
NDArray read_tensor_file(const std::string& path, std::string* name = nullptr);
void write_tensor_file(const std::string& path, const NDArray& array, const std::string& name);

}  // namespace tessera::frontend
