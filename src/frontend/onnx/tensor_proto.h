// TensorProto <-> NDArray and ONNX element types (internal to src/frontend/onnx).
#pragma once

#include <optional>
#include <string>

#include <onnx/onnx_pb.h>

#include "tessera/runtime/ndarray.h"

namespace tessera::frontend {

/// The tessera type of an ONNX TensorProto data type code, or nullopt.
std::optional<DataType> data_type_from_onnx(int code);
int onnx_data_type(DataType dtype);

/// `what` names the tensor in errors (external data and unsupported types are errors).
NDArray ndarray_from_proto(const onnx::TensorProto& proto, const std::string& what);
onnx::TensorProto proto_from_ndarray(const NDArray& array, const std::string& name);

}  // namespace tessera::frontend
