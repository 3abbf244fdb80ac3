// Small ONNX models built in code for the frontend tests (no files to keep in sync).
//
//   ModelBuilder m(13);
//   m.input("x", {1, 3, 8, 8});
//   m.weight("w", random_array({4, 3, 3, 3}, 1));
//   m.node("Conv", {"x", "w"}, {"y"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}});
//   m.output("y", {1, 4, 8, 8});
//   Graph g = import_onnx_bytes(m.bytes(), "test");
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include <onnx/onnx_pb.h>

#include "tessera/runtime/ndarray.h"

namespace tessera::frontend::testing {

using AttributeValue = std::variant<int64_t, float, std::string, std::vector<int64_t>>;

inline NDArray random_array(std::vector<int64_t> shape, uint64_t seed, double low = -1,
                            double high = 1) {
  NDArray a = NDArray::empty(std::move(shape), DataType::float32());
  a.fill_random(seed, low, high);
  return a;
}

class ModelBuilder {
 public:
  explicit ModelBuilder(int64_t opset = 13) {
    model_.set_ir_version(8);
    auto* o = model_.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }
  /// A float32 input; a negative dimension is symbolic ("N").
  void input(const std::string& name, const std::vector<int64_t>& dims,
             int elem_type = onnx::TensorProto::FLOAT) {
    describe(model_.mutable_graph()->add_input(), name, dims, elem_type);
  }
  void weight(const std::string& name, const NDArray& value) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(value.dtype() == DataType::int64() ? onnx::TensorProto::INT64
                                                        : onnx::TensorProto::FLOAT);
    for (int64_t d : value.shape()) t->add_dims(d);
    t->set_raw_data(std::string(static_cast<const char*>(value.data()), value.nbytes()));
  }
  void node(const std::string& op, const std::vector<std::string>& inputs,
            const std::vector<std::string>& outputs,
            const std::map<std::string, AttributeValue>& attributes = {},
            const std::string& name = "") {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + "_" + std::to_string(model_.graph().node_size() - 1) : name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    for (const auto& [key, value] : attributes) {
      auto* a = n->add_attribute();
      a->set_name(key);
      if (const auto* i = std::get_if<int64_t>(&value)) {
        a->set_type(onnx::AttributeProto::INT);
        a->set_i(*i);
      } else if (const auto* f = std::get_if<float>(&value)) {
        a->set_type(onnx::AttributeProto::FLOAT);
        a->set_f(*f);
      } else if (const auto* s = std::get_if<std::string>(&value)) {
        a->set_type(onnx::AttributeProto::STRING);
        a->set_s(*s);
      } else {
        a->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : std::get<std::vector<int64_t>>(value)) a->add_ints(v);
      }
    }
  }
  /// A float32 output; a negative dimension is symbolic.
  void output(const std::string& name, const std::vector<int64_t>& dims) {
    describe(model_.mutable_graph()->add_output(), name, dims, onnx::TensorProto::FLOAT);
  }
  std::string bytes() const { return model_.SerializeAsString(); }

 private:
  static void describe(onnx::ValueInfoProto* info, const std::string& name,
                       const std::vector<int64_t>& dims, int elem_type) {
    info->set_name(name);
    auto* t = info->mutable_type()->mutable_tensor_type();
    t->set_elem_type(elem_type);
    for (int64_t d : dims) {
      auto* dim = t->mutable_shape()->add_dim();
      if (d < 0)
        dim->set_dim_param("N");
      else
        dim->set_dim_value(d);
    }
  }
  onnx::ModelProto model_;
};

}  // namespace tessera::frontend::testing
