#include "tensor_proto.h"

#include <cstring>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "tessera/frontend/onnx_import.h"
#include "tessera/support/file_system.h"

namespace tessera::frontend {

std::optional<DataType> data_type_from_onnx(int code) {
  switch (code) {
    case onnx::TensorProto::FLOAT: return DataType::float32();
    case onnx::TensorProto::UINT8: return DataType::uint8();
    case onnx::TensorProto::INT8: return DataType::int8();
    case onnx::TensorProto::INT16: return DataType::int16();
    case onnx::TensorProto::INT32: return DataType::int32();
    case onnx::TensorProto::INT64: return DataType::int64();
    case onnx::TensorProto::BOOL: return DataType::boolean();
    case onnx::TensorProto::FLOAT16: return DataType::float16();
    case onnx::TensorProto::DOUBLE: return DataType::float64();
    case onnx::TensorProto::BFLOAT16: return DataType::bfloat16();
    default: return std::nullopt;
  }
}

int onnx_data_type(DataType t) {
  for (int code = 1; code <= 16; ++code)
    if (auto d = data_type_from_onnx(code); d && *d == t) return code;
  fail("type {} has no ONNX equivalent", t.str());
}

NDArray ndarray_from_proto(const onnx::TensorProto& proto, const std::string& what) {
  std::optional<DataType> dtype = data_type_from_onnx(proto.data_type());
  if (!dtype)
    throw UnsupportedError(
        fmt::format("{}: element type {} ({}) is not supported", what,
                    onnx::TensorProto::DataType_Name(
                        static_cast<onnx::TensorProto::DataType>(proto.data_type())),
                    proto.data_type()));
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    throw UnsupportedError(
        fmt::format("{}: tensors stored in external data files are not supported", what));
  std::vector<int64_t> shape(proto.dims().begin(), proto.dims().end());
  // Check the element count against the data before allocating: a damaged or foreign file
  // must not ask for terabytes.
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) fail("{}: negative dimension {}", what, d);
    if (d > 0 && n > (int64_t{1} << 40) / d)
      fail("{}: dimensions [{}] are too large", what, fmt::join(shape, ", "));
    n *= d;
  }
  int64_t stored = 0;
  if (!proto.raw_data().empty())
    stored = static_cast<int64_t>(proto.raw_data().size()) / dtype->bytes();
  else if (*dtype == DataType::float32())
    stored = proto.float_data_size();
  else if (*dtype == DataType::float64())
    stored = proto.double_data_size();
  else if (*dtype == DataType::int64())
    stored = proto.int64_data_size();
  else
    stored = proto.int32_data_size();
  if (stored != n)
    fail("{}: its dimensions [{}] make {} elements, but it holds {}", what, fmt::join(shape, ", "),
         n, stored);
  NDArray a = NDArray::empty(shape, *dtype);
  if (!proto.raw_data().empty()) {
    if (proto.raw_data().size() != a.nbytes())
      fail("{}: raw_data has {} bytes, {} elements of {} need {}", what, proto.raw_data().size(), n,
           dtype->str(), a.nbytes());
    std::memcpy(a.data(), proto.raw_data().data(), a.nbytes());  // little-endian, as ONNX stores it
    return a;
  }
  auto check = [&](int64_t count, const char* field) {
    if (count != n) fail("{}: {} has {} values for {} elements", what, field, count, n);
  };
  if (*dtype == DataType::float32()) {
    check(proto.float_data_size(), "float_data");
    for (int64_t i = 0; i < n; ++i) a.set(i, proto.float_data(static_cast<int>(i)));
  } else if (*dtype == DataType::float64()) {
    check(proto.double_data_size(), "double_data");
    for (int64_t i = 0; i < n; ++i) a.set(i, proto.double_data(static_cast<int>(i)));
  } else if (*dtype == DataType::int64()) {
    check(proto.int64_data_size(), "int64_data");
    for (int64_t i = 0; i < n; ++i) a.set_int(i, proto.int64_data(static_cast<int>(i)));
  } else if (*dtype == DataType::float16() || *dtype == DataType::bfloat16()) {
    check(proto.int32_data_size(), "int32_data");
    for (int64_t i = 0; i < n; ++i) {
      auto bits = static_cast<uint16_t>(proto.int32_data(static_cast<int>(i)));
      std::memcpy(static_cast<unsigned char*>(a.data()) + 2 * i, &bits, 2);
    }
  } else {
    check(proto.int32_data_size(), "int32_data");
    for (int64_t i = 0; i < n; ++i) a.set_int(i, proto.int32_data(static_cast<int>(i)));
  }
  return a;
}

onnx::TensorProto proto_from_ndarray(const NDArray& array, const std::string& name) {
  onnx::TensorProto proto;
  proto.set_name(name);
  proto.set_data_type(onnx_data_type(array.dtype()));
  for (int64_t d : array.shape()) proto.add_dims(d);
  proto.set_raw_data(std::string(static_cast<const char*>(array.data()), array.nbytes()));
  return proto;
}

NDArray read_tensor_file(const std::string& path, std::string* name) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail("cannot open tensor file {}", path);
  onnx::TensorProto proto;
  if (!proto.ParseFromIstream(&in)) fail("{} is not a serialized ONNX TensorProto", path);
  if (name != nullptr) *name = proto.name();
  return ndarray_from_proto(proto, path);
}

void write_tensor_file(const std::string& path, const NDArray& array, const std::string& name) {
  write_file_atomically(path, proto_from_ndarray(array, name).SerializeAsString());
}

}  // namespace tessera::frontend
