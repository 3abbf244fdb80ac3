#include "tessera/ir/buffer.h"

#include "tessera/ir/expr.h"
#include "tessera/support/error.h"

namespace tessera {

Buffer Buffer::make(std::string name, DataType dtype, std::vector<Expr> shape,
                    std::vector<Expr> strides, Expr elem_offset, std::string scope) {
  if (name.empty()) fail("a buffer needs a name");
  if (!dtype.is_scalar())
    fail("buffer '{}': element type {} must be a scalar type", name, dtype.str());
  auto check_index = [&](const Expr& e, const char* what) {
    if (!e.defined()) fail("buffer '{}': {} is missing", name, what);
    if (!e.dtype().is_integer() || e.dtype().is_bool() || !e.dtype().is_scalar()) {
      fail("buffer '{}': {} has type {} (must be a scalar integer)", name, what, e.dtype().str());
    }
  };
  for (const Expr& e : shape) {
    check_index(e, "a shape dimension");
    if (auto c = as_const_int(e); c && *c < 0) fail("buffer '{}': negative dimension {}", name, *c);
  }
  if (!strides.empty() && strides.size() != shape.size()) {
    fail("buffer '{}': {} strides for {} dimensions", name, strides.size(), shape.size());
  }
  for (const Expr& e : strides) check_index(e, "a stride");
  if (!elem_offset.defined()) elem_offset = make_int(0);
  check_index(elem_offset, "the element offset");
  if (scope.empty()) fail("buffer '{}': empty storage scope", name);
  auto node = std::make_shared<BufferNode>();
  node->name = std::move(name);
  node->dtype = dtype;
  node->shape = std::move(shape);
  node->strides = std::move(strides);
  node->elem_offset = std::move(elem_offset);
  node->scope = std::move(scope);
  return Buffer(std::move(node));
}

std::vector<int64_t> Buffer::const_shape() const {
  std::vector<int64_t> result;
  for (size_t i = 0; i < ndim(); ++i) {
    auto c = as_const_int(node_->shape[i]);
    if (!c) fail("buffer '{}': dimension {} is not a constant", node_->name, i);
    result.push_back(*c);
  }
  return result;
}

Buffer Buffer::with_name(std::string name) const {
  auto node = std::make_shared<BufferNode>(*node_);
  node->name = std::move(name);
  return Buffer(std::move(node));
}

Buffer Buffer::with_scope(std::string scope) const {
  auto node = std::make_shared<BufferNode>(*node_);
  node->scope = std::move(scope);
  return Buffer(std::move(node));
}

Range Range::from_min_extent(Expr min, Expr extent) {
  if (!min.defined() || !extent.defined()) fail("a range needs a min and an extent");
  if (min.dtype() != extent.dtype()) {
    fail("range min of type {} and extent of type {} differ", min.dtype().str(),
         extent.dtype().str());
  }
  if (!min.dtype().is_integer() || min.dtype().is_bool() || !min.dtype().is_scalar()) {
    fail("range bounds of type {} (must be scalar integers)", min.dtype().str());
  }
  return Range{std::move(min), std::move(extent)};
}

BufferRegion BufferRegion::full(const Buffer& buffer) {
  BufferRegion r{buffer, {}};
  for (const Expr& dim : buffer->shape) r.region.push_back(Range{make_int(0, dim.dtype()), dim});
  return r;
}

}  // namespace tessera
