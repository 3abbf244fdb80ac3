// simplify_loops: every index expression and condition simplified with the ranges of
// the loops around it; decided ifs keep only the branch that runs; a loop of extent 1
// becomes its body with the loop variable replaced by its start; no-ops left behind go.
#include "tessera/arith/analyzer.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"
#include "tessera/lower/passes.h"

namespace tessera {

namespace {

class Simplify : public IRMutator {
 public:
  Expr mutate_expr(const Expr& e) override {
    Expr m = IRMutator::mutate_expr(e);
    return m.dtype().is_integer() || m.dtype().is_bool() ? az_.simplify(m) : m;
  }

 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& s) override {
    Expr min = mutate_expr(op->min), extent = mutate_expr(op->extent);
    auto cmin = as_const_int(min), cextent = as_const_int(extent);
    if (cextent && *cextent == 1)
      return mutate_stmt(substitute(op->body, VarMap{{op->loop_var.get(), min}}));
    if (cextent && *cextent <= 0) return make_evaluate(make_int(0));
    if (cmin && cextent) az_.bind(op->loop_var, *cmin, *cextent);
    Stmt body = mutate_stmt(op->body);
    if (min.same_as(op->min) && extent.same_as(op->extent) && body.same_as(op->body)) return s;
    return make_for(op->loop_var, min, extent, op->for_kind, body, op->thread_tag, op->annotations);
  }
  Stmt mutate_seq(const SeqStmtNode* op, const Stmt&) override {
    std::vector<Stmt> kept;
    for (const Stmt& c : op->seq) {
      Stmt m = mutate_stmt(c);
      if (const auto* ev = m.as<EvaluateNode>(); ev != nullptr && as_const_int(ev->value))
        continue;  // a no-op left by a decided if
      kept.push_back(m);
    }
    return kept.empty() ? make_evaluate(make_int(0)) : make_seq(kept);
  }
  Stmt mutate_if(const IfThenElseNode* op, const Stmt& s) override {
    Expr c = mutate_expr(op->condition);
    if (is_const_int(c, 1)) return mutate_stmt(op->then_case);
    if (is_const_int(c, 0))
      return op->else_case.defined() ? mutate_stmt(op->else_case) : make_evaluate(make_int(0));
    return IRMutator::mutate_if(op, s);
  }

 private:
  Analyzer az_;
};

}  // namespace

PrimFunc simplify_loops(const PrimFunc& func) {
  Simplify pass;
  return pass.mutate_func(func);
}

}  // namespace tessera
