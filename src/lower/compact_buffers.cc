// compact_buffers: runs on block IR after place_allocations. An allocated buffer
// shrinks to the box the blocks under its Allocate touch (their read and write
// regions, loops inside relaxed, loops outside symbolic): each dimension keeps a
// constant extent (the bound of the box's extent over the outer loops' ranges, never
// more than before) and accesses are shifted by the box's minimum, which may depend on
// the outer loops. A tile computed per iteration of a loop then takes a tile's memory.
#include <algorithm>

#include "tessera/arith/analyzer.h"
#include "tessera/arith/region.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/lower/passes.h"

namespace tessera {

namespace {

// Moves every access of `from` to `to`, shifted by `offset` per dimension.
class Shift : public IRMutator {
 public:
  Shift(const Buffer& from, const Buffer& to, std::vector<Expr> offset)
      : from_(from), to_(to), offset_(std::move(offset)) {}

 protected:
  std::vector<Expr> shifted(const std::vector<Expr>& indices) {
    std::vector<Expr> out;
    for (size_t d = 0; d < indices.size(); ++d) {
      Expr i = mutate_expr(indices[d]);
      out.push_back(is_const_int(offset_[d], 0) ? i : az_.simplify(sub(i, offset_[d])));
    }
    return out;
  }
  Expr mutate_buffer_load(const BufferLoadNode* op, const Expr& e) override {
    if (!op->buffer.same_as(from_)) return IRMutator::mutate_buffer_load(op, e);
    return make_load(to_, shifted(op->indices));
  }
  Stmt mutate_buffer_store(const BufferStoreNode* op, const Stmt& s) override {
    if (!op->buffer.same_as(from_)) return IRMutator::mutate_buffer_store(op, s);
    return make_store(to_, mutate_expr(op->value), shifted(op->indices));
  }
  Stmt mutate_block(const BlockNode* op, const Stmt& s) override {
    Stmt out = IRMutator::mutate_block(op, s);
    auto node = std::make_shared<BlockNode>(*out.as<BlockNode>());
    bool changed = false;
    for (std::vector<BufferRegion>* regions : {&node->reads, &node->writes}) {
      for (BufferRegion& r : *regions) {
        if (!r.buffer.same_as(from_)) continue;
        BufferRegion moved{to_, {}};
        for (size_t d = 0; d < r.region.size(); ++d) {
          Expr min = is_const_int(offset_[d], 0) ? r.region[d].min
                                                 : az_.simplify(sub(r.region[d].min, offset_[d]));
          moved.region.push_back(Range{min, r.region[d].extent});
        }
        r = moved;
        changed = true;
      }
    }
    return changed ? Stmt(node) : out;
  }
  Stmt mutate_allocate(const AllocateNode* op, const Stmt& s) override {
    if (!op->buffer.same_as(from_)) return IRMutator::mutate_allocate(op, s);
    return make_allocate(to_, mutate_stmt(op->body));
  }

 private:
  const Buffer& from_;
  const Buffer& to_;
  std::vector<Expr> offset_;
  Analyzer az_;
};

class Compact : public IRMutator {
 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& s) override {
    auto min = as_const_int(op->min), extent = as_const_int(op->extent);
    if (min && extent && *extent > 0) az_.bind(op->loop_var, *min, *extent);
    return IRMutator::mutate_for(op, s);
  }
  Stmt mutate_block_realize(const BlockRealizeNode* op, const Stmt& s) override {
    // Inside a block, its iteration variables are what the regions are written in.
    for (const IterVar& iv : op->block_node()->iter_vars) {
      auto min = as_const_int(iv.dom.min), extent = as_const_int(iv.dom.extent);
      if (min && extent && *extent > 0) az_.bind(iv.var, *min, *extent);
    }
    return IRMutator::mutate_block_realize(op, s);
  }
  Stmt mutate_allocate(const AllocateNode* op, const Stmt& s) override {
    Stmt inner = IRMutator::mutate_allocate(op, s);
    const auto* a = inner.as<AllocateNode>();
    const Buffer& buffer = a->buffer;
    if (!buffer->strides.empty()) return inner;  // storage_align chose the layout
    std::vector<int64_t> shape;
    for (const Expr& e : buffer->shape) {
      auto c = as_const_int(e);
      if (!c) return inner;
      shape.push_back(*c);
    }
    std::vector<IntSet> reads = touched_region(a->body, buffer, AccessKind::kRead, az_);
    std::vector<IntSet> writes = touched_region(a->body, buffer, AccessKind::kWrite, az_);
    std::vector<IntSet> box = reads.empty() ? writes : reads;
    if (!reads.empty() && !writes.empty()) {
      for (size_t d = 0; d < box.size(); ++d) box[d] = union_set(reads[d], writes[d], az_);
    }
    if (box.size() != shape.size()) return inner;
    std::vector<Expr> offset, new_shape;
    bool smaller = false;
    for (size_t d = 0; d < shape.size(); ++d) {
      DataType t = buffer->shape[d].dtype();
      Expr zero = make_int(0, t);
      if (!box[d].has_lower_bound() || !box[d].has_upper_bound()) {
        offset.push_back(zero);
        new_shape.push_back(buffer->shape[d]);
        continue;
      }
      Expr min = az_.simplify(box[d].min());
      ConstIntBound extent =
          az_.const_int_bound(az_.simplify(add(sub(box[d].max(), min), make_int(1, t))));
      if (extent.max >= shape[d] || extent.max < 1) {
        offset.push_back(zero);
        new_shape.push_back(buffer->shape[d]);
        continue;
      }
      offset.push_back(min);
      new_shape.push_back(make_int(extent.max, t));
      smaller = true;
    }
    if (!smaller) return inner;
    Buffer compact =
        Buffer::make(buffer->name, buffer->dtype, new_shape, {}, Expr(), buffer->scope);
    Shift shift(buffer, compact, offset);
    return shift.mutate_stmt(inner);
  }

 private:
  Analyzer az_;
};

}  // namespace

PrimFunc compact_buffers(const PrimFunc& func) {
  Compact pass;
  return pass.mutate_func(func);
}

}  // namespace tessera
