#include "tessera/arith/region.h"

#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"
#include "tessera/ir/visitor.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

class RegionCollector : public IRVisitor {
 public:
  RegionCollector(const Buffer& buffer, AccessKind kind, Analyzer& az) : buffer_(buffer), kind_(kind), az_(az) {}
  std::vector<IntSet> result;

 protected:
  void visit_for(const ForNode* op) override {
    relax_[op->loop_var.get()] = IntSet::from_range(Range{op->min, op->extent});
    ConstIntBound lo = az_.const_int_bound(op->min), extent = az_.const_int_bound(op->extent);
    if (lo.min != ConstIntBound::kNegInf && extent.max != ConstIntBound::kPosInf && extent.max > 0) {
      az_.bind(op->loop_var, ConstIntBound{lo.min, lo.max == ConstIntBound::kPosInf ? lo.max : lo.max + extent.max - 1});
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
        Expr max = make_binary(ExprKind::kSub, make_binary(ExprKind::kAdd, min, substitute(range.extent, bindings_)),
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

}  // namespace

std::vector<IntSet> touched_region(const Stmt& stmt, const Buffer& buffer, AccessKind kind, Analyzer& az) {
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
