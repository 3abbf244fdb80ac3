// Buffer: a named, typed, multi-dimensional array that statements load from and store to.
//
// A buffer has a name, an element type, a shape, optional strides (empty means
// compact row-major), an element offset and a storage scope ("global", "shared",
// "local", ...). Buffers are identified by their node: two handles are the same
// buffer only if they share the node. Range and BufferRegion describe the part of
// a buffer a block touches.
//
//   Buffer a = Buffer::make("A", DataType::float32(), {make_int(512), make_int(512)});
#pragma once

#include <string>
#include <vector>

#include "tessera/ir/node.h"

namespace tessera {

class BufferNode {
 public:
  std::string name;
  DataType dtype;
  std::vector<Expr> shape;
  std::vector<Expr> strides;  // empty: compact row-major
  Expr elem_offset;           // int32 0 unless a view says otherwise
  std::string scope = "global";
};

class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(std::shared_ptr<const BufferNode> node) : node_(std::move(node)) {}

  /// A new buffer. Checks that shape/strides are integer scalars and the scope is non-empty.
  static Buffer make(std::string name, DataType dtype, std::vector<Expr> shape,
                     std::vector<Expr> strides = {}, Expr elem_offset = Expr(),
                     std::string scope = "global");

  bool defined() const { return node_ != nullptr; }
  const BufferNode* get() const { return node_.get(); }
  const BufferNode* operator->() const { return node_.get(); }
  bool same_as(const Buffer& other) const { return node_ == other.node_; }
  size_t ndim() const { return node_->shape.size(); }
  /// Shape as constants; throws Error naming the buffer if a dimension is not constant.
  std::vector<int64_t> const_shape() const;

  /// A copy of this buffer (a new identity) with another name/scope.
  Buffer with_name(std::string name) const;
  Buffer with_scope(std::string scope) const;

 private:
  std::shared_ptr<const BufferNode> node_;
};

/// A half-open interval [min, min + extent) of one dimension.
struct Range {
  Expr min;
  Expr extent;
  static Range from_min_extent(Expr min, Expr extent);
};

/// The part of a buffer a block reads or writes: one Range per dimension.
struct BufferRegion {
  Buffer buffer;
  std::vector<Range> region;
  /// The whole buffer.
  static BufferRegion full(const Buffer& buffer);
};

}  // namespace tessera
