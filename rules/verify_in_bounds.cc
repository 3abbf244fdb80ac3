// VerifyInBounds: the last check before a candidate is built. The program is lowered up
// to the point where blocks are gone but buffers keep their (compacted) shapes, and every
// load and store index must provably lie inside its buffer, given the loop ranges and the
// conditions around the access (if statements, if_then_else and select). A program the
// analysis cannot prove safe is rejected with the access named: a wrong kernel is never
// measured.
#include <fmt/format.h>

#include "tessera/arith/analyzer.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/visitor.h"
#include "tessera/lower/lower.h"
#include "tessera/support/error.h"
#include "tessera/tune/builtin_postprocs.h"

namespace tessera {
namespace {

class BoundsChecker : public IRVisitor {
 public:
  std::string failure;

  void visit_for(const ForNode* op) override {
    auto min = as_const_int(op->min), extent = as_const_int(op->extent);
    if (min && extent)
      az_.bind(op->loop_var, *min, *extent);
    else
      az_.bind(op->loop_var,
               ConstIntBound{az_.const_int_bound(op->min).min, ConstIntBound::kPosInf});
    IRVisitor::visit_for(op);
  }
  void visit_let_stmt(const LetStmtNode* op) override {
    visit_expr(op->value);
    if (op->value.dtype().is_int()) az_.bind(op->var, az_.const_int_bound(op->value));
    visit_stmt(op->body);
  }
  void visit_if(const IfThenElseNode* op) override {
    visit_expr(op->condition);
    conditions_.push_back(op->condition);
    visit_stmt(op->then_case);
    conditions_.pop_back();
    if (op->else_case.defined()) visit_stmt(op->else_case);
  }
  void visit_select(const SelectNode* op) override {
    visit_expr(op->condition);
    conditions_.push_back(op->condition);
    visit_expr(op->true_value);
    conditions_.pop_back();
    visit_expr(op->false_value);
  }
  void visit_call(const CallNode* op) override {
    if (op->op != "if_then_else" || op->args.size() != 3) {
      IRVisitor::visit_call(op);
      return;
    }
    visit_expr(op->args[0]);
    conditions_.push_back(op->args[0]);
    visit_expr(op->args[1]);
    conditions_.pop_back();
    visit_expr(op->args[2]);
  }
  void visit_buffer_load(const BufferLoadNode* op) override {
    check(op->buffer, op->indices, "load from");
    IRVisitor::visit_buffer_load(op);
  }
  void visit_buffer_store(const BufferStoreNode* op) override {
    check(op->buffer, op->indices, "store to");
    IRVisitor::visit_buffer_store(op);
  }

 private:
  // The range of `index` given what the enclosing conditions say: for a condition
  // comparing a and b, d = a - b is bounded, and index = ±d + rest bounds the index by d's
  // bound plus rest's.
  ConstIntBound bound_of(const Expr& index) {
    ConstIntBound bound = az_.const_int_bound(index);
    std::vector<Expr> facts;
    for (const Expr& c : conditions_) split_conjunction(c, facts);
    for (const Expr& fact : facts) {
      const auto* cmp = fact.as<BinaryNode>();
      if (cmp == nullptr || !is_comparison(fact.kind()) || fact.kind() == ExprKind::kNE ||
          !cmp->a.dtype().is_int())
        continue;
      Expr d = sub(cmp->a, cmp->b);
      ConstIntBound db = az_.const_int_bound(d);
      switch (fact.kind()) {
        case ExprKind::kLT: db.max = std::min<int64_t>(db.max, -1); break;
        case ExprKind::kLE: db.max = std::min<int64_t>(db.max, 0); break;
        case ExprKind::kGT: db.min = std::max<int64_t>(db.min, 1); break;
        case ExprKind::kGE: db.min = std::max<int64_t>(db.min, 0); break;
        default:
          db.min = std::max<int64_t>(db.min, 0);
          db.max = std::min<int64_t>(db.max, 0);
          break;
      }
      if (index.dtype() != d.dtype()) continue;
      bound = bound_intersect(bound, bound_add(db, az_.const_int_bound(sub(index, d))));
      ConstIntBound neg{db.max == ConstIntBound::kPosInf ? ConstIntBound::kNegInf : -db.max,
                        db.min == ConstIntBound::kNegInf ? ConstIntBound::kPosInf : -db.min};
      bound = bound_intersect(bound, bound_add(neg, az_.const_int_bound(add(index, d))));
    }
    // Through the shapes lowering makes of a condition's operand: floordiv(a, c), a ± k.
    if (const auto* bin = index.as<BinaryNode>()) {
      auto c = as_const_int(bin->b);
      if (index.kind() == ExprKind::kFloorDiv && c && *c > 0) {
        ConstIntBound a = bound_of(bin->a);
        auto floor_div = [&](int64_t v) {
          if (v == ConstIntBound::kNegInf || v == ConstIntBound::kPosInf) return v;
          return v >= 0 ? v / *c : -((-v + *c - 1) / *c);
        };
        bound = bound_intersect(bound, ConstIntBound{floor_div(a.min), floor_div(a.max)});
      } else if ((index.kind() == ExprKind::kAdd || index.kind() == ExprKind::kSub) && c) {
        ConstIntBound k = ConstIntBound::point(index.kind() == ExprKind::kAdd ? *c : -*c);
        bound = bound_intersect(bound, bound_add(bound_of(bin->a), k));
      }
    }
    return bound;
  }

  static void split_conjunction(const Expr& e, std::vector<Expr>& out) {
    if (e.kind() == ExprKind::kAnd) {
      const auto* b = e.as<BinaryNode>();
      split_conjunction(b->a, out);
      split_conjunction(b->b, out);
      return;
    }
    out.push_back(e);
  }

  void check(const Buffer& buffer, const std::vector<Expr>& indices, const char* what) {
    if (!failure.empty() || indices.size() != buffer->shape.size()) return;
    for (size_t d = 0; d < indices.size(); ++d) {
      if (indices[d].dtype().lanes() > 1) continue;  // vector indices come later in lowering
      auto dim = as_const_int(buffer->shape[d]);
      if (!dim) continue;
      ConstIntBound b = bound_of(indices[d]);
      if (b.min >= 0 && b.max < *dim) continue;
      failure = fmt::format("the {} '{}' at index {} ({}) may reach {}, outside [0, {})", what,
                            buffer->name, d, print(indices[d]), b.str(), *dim);
      return;
    }
  }

  Analyzer az_;
  std::vector<Expr> conditions_;
};

class VerifyInBounds : public Postproc {
 public:
  std::string name() const override { return "VerifyInBounds"; }

  bool apply(Schedule& sch, std::string& reason) override {
    PrimFunc f;
    try {
      // Before unrolling multiplies the accesses and flattening hides the shapes.
      f = lower(sch.func(), LowerOptions{.stop_after = LoweringStage::kPartitionLoops});
    } catch (const Error& e) {
      reason = fmt::format("lowering failed: {}", e.message());
      return false;
    }
    BoundsChecker checker;
    checker.visit_stmt(f->body);
    if (checker.failure.empty()) return true;
    reason = checker.failure;
    return false;
  }
};

}  // namespace

std::shared_ptr<Postproc> make_verify_in_bounds() { return std::make_shared<VerifyInBounds>(); }

TESSERA_REGISTER_COMPONENT(Postproc, VerifyInBounds,
                           "rejects programs with a load or store not provably inside its buffer",
                           "");

}  // namespace tessera
