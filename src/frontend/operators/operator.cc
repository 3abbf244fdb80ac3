#include "operator.h"

#include <algorithm>
#include <memory>
#include <mutex>

#include <fmt/format.h>
#include <fmt/ranges.h>

namespace tessera::frontend {
namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, OperatorInfo> operators;
};

Registry& registry() {
  static Registry r;
  return r;
}

std::string attribute_kind(const Attribute& a) {
  static const char* names[] = {
      "an integer",       "a float",           "a string", "a list of integers",
      "a list of floats", "a list of strings", "a tensor"};
  return names[a.index()];
}

}  // namespace

OperatorRegistration::OperatorRegistration(OperatorInfo info) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  TESSERA_CHECK(r.operators.count(info.op_type) == 0, "operator {} registered twice", info.op_type);
  std::string name = info.op_type;
  r.operators.emplace(name, std::move(info));
}

const OperatorInfo* find_operator(const std::string& op_type) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  auto it = r.operators.find(op_type);
  return it == r.operators.end() ? nullptr : &it->second;
}

std::vector<std::string> supported_operators() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<std::string> out;
  for (const auto& [name, info] : r.operators)
    if (name.find('.') == std::string::npos) out.push_back(name);  // not tessera's internal ones
  return out;
}

ConversionContext::ConversionContext(const Graph& graph, const Node& node,
                                     std::map<std::string, int>& used_names)
    : node(node), opset(graph.opset), graph_(graph), used_names_(used_names) {}

void ConversionContext::fail(const std::string& message) const {
  ::tessera::fail("{}: {}", graph_.describe(node), message);
}

void ConversionContext::unsupported(const std::string& message) const {
  throw UnsupportedError(fmt::format("{}: {}", graph_.describe(node), message));
}

const Attribute& ConversionContext::attribute(const std::string& name) const {
  auto it = node.attributes.find(name);
  if (it == node.attributes.end()) fail(fmt::format("attribute '{}' is required", name));
  return it->second;
}

int64_t ConversionContext::get_int(const std::string& name) const {
  const Attribute& a = attribute(name);
  if (const auto* v = std::get_if<int64_t>(&a)) return *v;
  fail(fmt::format("attribute '{}' must be an integer, got {}", name, attribute_kind(a)));
}

int64_t ConversionContext::get_int(const std::string& name, int64_t default_value) const {
  return has(name) ? get_int(name) : default_value;
}

double ConversionContext::get_float(const std::string& name, double default_value) const {
  if (!has(name)) return default_value;
  const Attribute& a = attribute(name);
  if (const auto* v = std::get_if<double>(&a)) return *v;
  if (const auto* v = std::get_if<int64_t>(&a)) return static_cast<double>(*v);
  fail(fmt::format("attribute '{}' must be a float, got {}", name, attribute_kind(a)));
}

std::string ConversionContext::get_string(const std::string& name,
                                          const std::string& default_value) const {
  if (!has(name)) return default_value;
  const Attribute& a = attribute(name);
  if (const auto* v = std::get_if<std::string>(&a)) return *v;
  fail(fmt::format("attribute '{}' must be a string, got {}", name, attribute_kind(a)));
}

std::vector<int64_t> ConversionContext::get_ints(const std::string& name) const {
  const Attribute& a = attribute(name);
  if (const auto* v = std::get_if<std::vector<int64_t>>(&a)) return *v;
  fail(fmt::format("attribute '{}' must be a list of integers, got {}", name, attribute_kind(a)));
}

std::vector<int64_t> ConversionContext::get_ints(const std::string& name,
                                                 const std::vector<int64_t>& default_value) const {
  return has(name) ? get_ints(name) : default_value;
}

const NDArray& ConversionContext::get_tensor(const std::string& name) const {
  const Attribute& a = attribute(name);
  if (const auto* v = std::get_if<NDArray>(&a)) return *v;
  fail(fmt::format("attribute '{}' must be a tensor, got {}", name, attribute_kind(a)));
}

const NDArray& ConversionContext::constant(const OperatorInput& input, const char* what) const {
  if (input.constant == nullptr)
    unsupported(
        fmt::format("the {} must be known when the model is imported (a constant or "
                    "computed from shapes); it is computed at run time",
                    what));
  return *input.constant;
}

std::vector<int64_t> ConversionContext::constant_ints(const OperatorInput& input,
                                                      const char* what) const {
  const NDArray& value = constant(input, what);
  if (!value.dtype().is_integer())
    fail(fmt::format("the {} must be integers, got {}", what, value.dtype().str()));
  std::vector<int64_t> out;
  for (int64_t i = 0; i < value.size(); ++i) out.push_back(value.get_int(i));
  return out;
}

te::Tensor ConversionContext::tensor(const std::vector<OperatorInput>& inputs, size_t i,
                                     const char* what) const {
  std::string name =
      *what != 0 ? fmt::format("input {} ({})", i, what) : fmt::format("input {}", i);
  if (i >= inputs.size() || !inputs[i].present()) fail(fmt::format("{} is required", name));
  if (!inputs[i].tensor.defined())
    unsupported(fmt::format("{} is empty (shape [{}]): empty tensors are not supported", name,
                            fmt::join(inputs[i].shape(), ", ")));
  return inputs[i].tensor;
}

bool ConversionContext::empty_result(const std::vector<int64_t>& shape) const {
  if (std::find(shape.begin(), shape.end(), 0) == shape.end()) return false;
  if (!folding)
    unsupported(fmt::format("the result has shape [{}]: empty tensors are not supported",
                            fmt::join(shape, ", ")));
  return true;
}

int64_t ConversionContext::axis(int64_t axis, size_t rank, const char* what) const {
  const auto r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= std::max<int64_t>(r, 1) || (r == 0 && axis != 0 && axis != -1))
    fail(fmt::format("{} {} is out of range for rank {}", what, axis, rank));
  return axis < 0 ? axis + r : axis;
}

std::string ConversionContext::stage_name(const std::string& base) {
  int& count = used_names_[base];
  std::string name = count == 0 ? base : fmt::format("{}_{}", base, count);
  ++count;
  return name;
}

std::vector<int64_t> broadcast_shapes(const ConversionContext& context,
                                      const std::vector<std::vector<int64_t>>& shapes) {
  size_t rank = 0;
  for (const auto& s : shapes) rank = std::max(rank, s.size());
  std::vector<int64_t> out(rank, 1);
  for (const auto& s : shapes) {
    for (size_t i = 0; i < s.size(); ++i) {
      int64_t& o = out[rank - s.size() + i];
      if (s[i] == o || s[i] == 1) continue;
      if (o != 1)
        context.fail(
            fmt::format("shapes {} cannot be broadcast together", fmt::join(shapes, ", ")));
      o = s[i];
    }
  }
  return out;
}

Expr broadcast_load(const te::Tensor& tensor, const te::Axes& axes) {
  const size_t rank = tensor->shape.size();
  std::vector<Expr> index;
  for (size_t i = 0; i < rank; ++i) {
    const Var& axis = axes[axes.size() - rank + i];
    index.push_back(tensor->shape[i] == 1 ? make_int(0) : Expr(axis));
  }
  return tensor(index);
}

Expr constant_like(const te::Tensor& tensor, double value) {
  return make_const(tensor->dtype, value);
}

te::Tensor elementwise(ConversionContext& context, const std::vector<te::Tensor>& inputs,
                       const std::function<Expr(const std::vector<Expr>&)>& fn,
                       const std::string& name) {
  std::vector<std::vector<int64_t>> shapes;
  for (const te::Tensor& t : inputs) shapes.push_back(t->shape);
  std::vector<int64_t> shape = broadcast_shapes(context, shapes);
  return te::compute(
      shape,
      [&](const te::Axes& axes) {
        std::vector<Expr> values;
        for (const te::Tensor& t : inputs) values.push_back(broadcast_load(t, axes));
        return fn(values);
      },
      context.stage_name(name));
}

te::Tensor pad_tensor(ConversionContext& context, const te::Tensor& t,
                      const std::vector<int64_t>& before, const std::vector<int64_t>& after,
                      Expr value) {
  bool any = false;
  for (size_t i = 0; i < before.size(); ++i) any = any || before[i] != 0 || after[i] != 0;
  if (!any) return t;
  std::vector<int64_t> shape = t->shape;
  for (size_t i = 0; i < shape.size(); ++i) shape[i] += before[i] + after[i];
  return te::compute(
      shape,
      [&](const te::Axes& x) {
        Expr inside = make_bool(true);
        std::vector<Expr> index;
        for (size_t i = 0; i < shape.size(); ++i) {
          Expr source = Expr(x[i]) - make_int(before[i]);
          index.push_back(source);
          if (before[i] > 0) inside = logical_and(inside, ge(source, make_int(0)));
          if (after[i] > 0) inside = logical_and(inside, lt(source, make_int(t->shape[i])));
        }
        return if_then_else(inside, t(index), value);
      },
      context.stage_name("pad"));
}

std::string snake_case(std::string op_type) {
  if (op_type.size() > 4 && op_type.compare(op_type.size() - 4, 4, "NHWC") == 0)
    op_type.resize(op_type.size() - 4);
  std::string s;
  for (size_t i = 0; i < op_type.size(); ++i) {
    const auto ch = static_cast<unsigned char>(op_type[i]);
    // A word starts at a capital after a lower-case letter or digit.
    if (i > 0 && std::isupper(ch) && !std::isupper(static_cast<unsigned char>(op_type[i - 1])))
      s += '_';
    s += static_cast<char>(std::tolower(ch));
  }
  return s;
}

int64_t element_count(const std::vector<int64_t>& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

}  // namespace tessera::frontend
