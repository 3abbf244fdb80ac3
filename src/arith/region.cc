#include "tessera/arith/region.h"

#include <algorithm>

#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"
#include "tessera/ir/visitor.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

class RegionCollector : public IRVisitor {
 public:
  RegionCollector(const Buffer& buffer, AccessKind kind, Analyzer& az)
      : buffer_(buffer), kind_(kind), az_(az) {}
  std::vector<IntSet> result;

 protected:
  void visit_for(const ForNode* op) override {
    relax_[op->loop_var.get()] = IntSet::from_range(Range{op->min, op->extent});
    ConstIntBound lo = az_.const_int_bound(op->min), extent = az_.const_int_bound(op->extent);
    if (lo.min != ConstIntBound::kNegInf && extent.max != ConstIntBound::kPosInf &&
        extent.max > 0) {
      az_.bind(op->loop_var,
               ConstIntBound{lo.min,
                             lo.max == ConstIntBound::kPosInf ? lo.max : lo.max + extent.max - 1});
    }
    IRVisitor::visit_for(op);
  }

  void visit_block_realize(const BlockRealizeNode* op) override {
    const BlockNode* block = op->block_node();
    VarMap saved = bindings_;
    for (size_t i = 0; i < block->iter_vars.size(); ++i) {
      bindings_[block->iter_vars[i].var.get()] = substitute(op->iter_values[i], bindings_);
    }
    for (const BufferRegion& r : kind_ == AccessKind::kRead ? block->reads : block->writes) {
      if (!r.buffer.same_as(buffer_)) continue;
      std::vector<IntSet> dims;
      for (const Range& range : r.region) {
        Expr min = substitute(range.min, bindings_);
        Expr max = make_binary(
            ExprKind::kSub, make_binary(ExprKind::kAdd, min, substitute(range.extent, bindings_)),
            make_int(1, min.dtype()));
        IntSet lo = eval_set(min, relax_, az_), hi = eval_set(max, relax_, az_);
        dims.push_back(IntSet::interval(lo.min(), hi.max()));
      }
      if (result.empty()) {
        result = std::move(dims);
      } else {
        for (size_t d = 0; d < dims.size(); ++d) result[d] = union_set(result[d], dims[d], az_);
      }
    }
    visit_stmt(op->block);
    bindings_ = std::move(saved);
  }

 private:
  const Buffer& buffer_;
  AccessKind kind_;
  Analyzer& az_;
  RelaxMap relax_;
  VarMap bindings_;
};

class AccessCollector : public IRVisitor {
 public:
  explicit AccessCollector(AccessKind kind) : kind_(kind) {}
  std::vector<const BufferNode*> order;
  std::unordered_map<const BufferNode*, std::pair<Buffer, std::vector<std::vector<Expr>>>> accesses;

 protected:
  void add(const Buffer& b, const std::vector<Expr>& indices) {
    auto [it, inserted] = accesses.try_emplace(b.get(), b, std::vector<std::vector<Expr>>{});
    if (inserted) order.push_back(b.get());
    it->second.second.push_back(indices);
  }
  void visit_buffer_load(const BufferLoadNode* op) override {
    if (kind_ == AccessKind::kRead) add(op->buffer, op->indices);
    IRVisitor::visit_buffer_load(op);
  }
  void visit_buffer_store(const BufferStoreNode* op) override {
    if (kind_ == AccessKind::kWrite) add(op->buffer, op->indices);
    IRVisitor::visit_buffer_store(op);
  }
  void visit_block_realize(const BlockRealizeNode* op) override {
    // A nested block reports its own regions; take them (bindings substituted) instead of its body.
    const BlockNode* b = op->block_node();
    VarMap bind;
    for (size_t i = 0; i < b->iter_vars.size(); ++i)
      bind[b->iter_vars[i].var.get()] = op->iter_values[i];
    for (const BufferRegion& r : kind_ == AccessKind::kRead ? b->reads : b->writes) {
      std::vector<Expr> mins, maxs;
      for (const Range& range : r.region) {
        Expr min = substitute(range.min, bind);
        mins.push_back(min);
        maxs.push_back(make_binary(ExprKind::kSub,
                                   make_binary(ExprKind::kAdd, min, substitute(range.extent, bind)),
                                   make_int(1, min.dtype())));
      }
      add(r.buffer, mins);
      add(r.buffer, maxs);
    }
  }

 private:
  AccessKind kind_;
};

Range dimension_hull(const std::vector<Expr>& indices, const Expr& dim_extent, Analyzer& az) {
  IntSet hull = IntSet::point(indices.front());
  for (size_t i = 1; i < indices.size(); ++i) hull = union_set(hull, IntSet::point(indices[i]), az);
  Range r = hull.to_range(az);
  if (as_const_int(r.extent)) return r;
  ConstIntBound lo = az.const_int_bound(hull.min()), hi = az.const_int_bound(hull.max());
  if (lo.min == ConstIntBound::kNegInf || hi.max == ConstIntBound::kPosInf)
    return Range{make_int(0, dim_extent.dtype()), dim_extent};
  return Range{make_int(lo.min, dim_extent.dtype()),
               make_int(hi.max - lo.min + 1, dim_extent.dtype())};
}

std::vector<BufferRegion> regions_of(const AccessCollector& c, Analyzer& az,
                                     const std::vector<Buffer>& exclude) {
  std::vector<BufferRegion> regions;
  for (const BufferNode* b : c.order) {
    const auto& [buffer, index_lists] = c.accesses.at(b);
    if (std::any_of(exclude.begin(), exclude.end(), [&](const Buffer& x) { return x.get() == b; }))
      continue;
    BufferRegion r{buffer, {}};
    for (size_t d = 0; d < buffer.ndim(); ++d) {
      std::vector<Expr> dim;
      for (const auto& idx : index_lists) dim.push_back(idx[d]);
      r.region.push_back(dimension_hull(dim, buffer->shape[d], az));
    }
    regions.push_back(std::move(r));
  }
  return regions;
}

}  // namespace

std::vector<BufferRegion> infer_access_regions(const Stmt& body, AccessKind kind, Analyzer& az,
                                               const std::vector<Buffer>& exclude) {
  AccessCollector c(kind);
  c.visit_stmt(body);
  return regions_of(c, az, exclude);
}

std::vector<BufferRegion> infer_access_regions(const Expr& value, Analyzer& az) {
  AccessCollector c(AccessKind::kRead);
  c.visit_expr(value);
  return regions_of(c, az, {});
}

std::vector<IntSet> touched_region(const Stmt& stmt, const Buffer& buffer, AccessKind kind,
                                   Analyzer& az) {
  Analyzer local = az;  // loop ranges bound while walking stay local
  RegionCollector collector(buffer, kind, local);
  collector.visit_stmt(stmt);
  return collector.result;
}

std::vector<Range> to_ranges(const std::vector<IntSet>& region, Analyzer& az) {
  std::vector<Range> out;
  for (size_t d = 0; d < region.size(); ++d) {
    if (!region[d].min().defined() || !region[d].max().defined()) {
      fail("dimension {} of the region is unbounded ({})", d, region[d].str());
    }
    out.push_back(region[d].to_range(az));
  }
  return out;
}

}  // namespace tessera
