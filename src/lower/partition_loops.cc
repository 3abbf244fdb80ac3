// partition_loops: a loop annotated pragma_loop_partition = 1 is cut into a prologue, a
// main part and an epilogue at the points where the `if`s inside it (the conditions a
// non-divisible split or padding leaves) are decided. In the main part every such
// condition is provably true for all values of the loops inside, so simplify_loops
// drops it and an inner vectorized loop becomes vector code; the prologue and epilogue
// keep the conditions. A condition is used when it is a comparison linear in the loop's
// variable (a constant coefficient) whose remaining terms have constant bounds.
#include <algorithm>
#include <optional>
#include <vector>

#include "tessera/arith/analyzer.h"
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"
#include "tessera/lower/passes.h"
#include "tessera/ir/annotation_keys.h"
#include "tessera/support/logging.h"

namespace tessera {
namespace {

int64_t floor_div(int64_t a, int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)) ? 1 : 0);
}
int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

// The range [lower, upper) of the partitioned loop's variable where every usable
// condition under the loop holds, narrowed condition by condition.
class TrueRange {
 public:
  TrueRange(const Var& v, int64_t lower, int64_t upper) : v_(v), lower_(lower), upper_(upper) {}

  void collect(const Stmt& s, Analyzer& az) {
    switch (s.kind()) {
      case StmtKind::kFor: {
        const auto* f = s.as<ForNode>();
        auto min = as_const_int(f->min), extent = as_const_int(f->extent);
        if (min && extent) az.bind(f->loop_var, *min, *extent);
        collect(f->body, az);
        az.unbind(f->loop_var);
        return;
      }
      case StmtKind::kSeqStmt:
        for (const Stmt& c : s.as<SeqStmtNode>()->seq) collect(c, az);
        return;
      case StmtKind::kIfThenElse: {
        const auto* x = s.as<IfThenElseNode>();
        use_condition(x->condition, az);
        collect(x->then_case, az);
        if (x->else_case.defined()) collect(x->else_case, az);
        return;
      }
      case StmtKind::kLetStmt: {
        const auto* l = s.as<LetStmtNode>();
        if (l->var.dtype().is_int()) az.bind(l->var, az.const_int_bound(l->value));
        collect(l->body, az);
        az.unbind(l->var);
        return;
      }
      case StmtKind::kAllocate: collect(s.as<AllocateNode>()->body, az); return;
      default: return;
    }
  }

  int64_t lower() const { return lower_; }
  int64_t upper() const { return upper_; }
  int used() const { return used_; }

 private:
  void use_condition(const Expr& c, Analyzer& az) {
    if (c.kind() == ExprKind::kAnd) {
      const auto* b = c.as<BinaryNode>();
      use_condition(b->a, az);
      use_condition(b->b, az);
      return;
    }
    if (!is_comparison(c.kind()) || c.kind() == ExprKind::kEQ || c.kind() == ExprKind::kNE) return;
    const auto* cmp = c.as<BinaryNode>();
    if (!cmp->a.dtype().is_int() || !cmp->b.dtype().is_int()) return;
    // As d <= 0 over the integers: a < b is a - b + 1 <= 0, a >= b is b - a <= 0, ...
    Expr d;
    switch (c.kind()) {
      case ExprKind::kLT: d = add(sub(cmp->a, cmp->b), make_int(1, cmp->a.dtype())); break;
      case ExprKind::kLE: d = sub(cmp->a, cmp->b); break;
      case ExprKind::kGT: d = add(sub(cmp->b, cmp->a), make_int(1, cmp->a.dtype())); break;
      default: d = sub(cmp->b, cmp->a); break;
    }
    // d = coefficient * v + rest, with rest bounded independently of v.
    const DataType t = d.dtype();
    Expr at_zero = substitute(d, VarMap{{v_.get(), make_int(0, v_.dtype())}});
    Expr at_one = substitute(d, VarMap{{v_.get(), make_int(1, v_.dtype())}});
    std::optional<int64_t> coefficient = as_const_int(az.simplify(sub(at_one, at_zero)));
    if (!coefficient || *coefficient == 0) return;
    // Linear in v only if the step is the same everywhere: d(v) - d(0) == coefficient * v.
    if (!az.can_prove_equal(sub(d, at_zero), mul(make_int(*coefficient, t),
                                                 v_.dtype() == t ? Expr(v_) : cast(t, v_))))
      return;
    ConstIntBound rest = az.const_int_bound(at_zero);
    if (rest.max == ConstIntBound::kPosInf || rest.max == ConstIntBound::kNegInf) return;
    // coefficient * v + rest.max <= 0 makes the condition true whatever the rest is.
    if (*coefficient > 0) {
      upper_ = std::min(upper_, floor_div(-rest.max, *coefficient) + 1);
    } else {
      lower_ = std::max(lower_, ceil_div(rest.max, -*coefficient));
    }
    ++used_;
  }

  Var v_;
  int64_t lower_, upper_;
  int used_ = 0;
};

// Gives every loop of a statement a new variable of the same name and type.
class FreshLoopVariables : public IRMutator {
 public:
  Stmt mutate_for(const ForNode* op, const Stmt&) override {
    Var fresh(op->loop_var->name, op->loop_var.dtype());
    Stmt body = mutate_stmt(substitute(op->body, VarMap{{op->loop_var.get(), fresh}}));
    return make_for(fresh, mutate_expr(op->min), mutate_expr(op->extent), op->for_kind, body,
                    op->thread_tag, op->annotations);
  }
};

class PartitionLoops : public IRMutator {
 protected:
  Stmt mutate_for(const ForNode* op, const Stmt& s) override {
    auto min = as_const_int(op->min), extent = as_const_int(op->extent);
    if (min && extent) analyzer_.bind(op->loop_var, *min, *extent);
    Stmt body = mutate_stmt(op->body);
    Annotations annotations = op->annotations;
    auto key = annotations.find(std::string(annotation_key::kLoopPartition));
    const bool marked = key != annotations.end();
    const bool asked = marked && std::holds_alternative<int64_t>(key->second) &&
                       std::get<int64_t>(key->second) != 0;
    if (marked) annotations.erase(key);  // consumed here, whatever its value
    Stmt result = body.same_as(op->body) && !marked
                      ? s
                      : make_for(op->loop_var, op->min, op->extent, op->for_kind, body,
                                 op->thread_tag, annotations);
    if (asked) result = partition(result.as<ForNode>(), result);
    analyzer_.unbind(op->loop_var);
    return result;
  }

 private:
  Stmt partition(const ForNode* op, const Stmt& s) {
    auto min = as_const_int(op->min), extent = as_const_int(op->extent);
    if (!min || !extent) {
      log_info("partition_loops: loop '{}' has a non-constant range; not partitioned",
               op->loop_var->name);
      return s;
    }
    TrueRange range(op->loop_var, *min, *min + *extent);
    Analyzer az = analyzer_;
    az.unbind(op->loop_var);
    range.collect(op->body, az);
    const int64_t end = *min + *extent;
    const int64_t lower = std::clamp(range.lower(), *min, end),
                  upper = std::clamp(range.upper(), lower, end);
    if (range.used() == 0) {
      log_info("partition_loops: loop '{}' holds no condition linear in it; not partitioned",
               op->loop_var->name);
      return s;
    }
    if (lower == upper) {
      log_info(
          "partition_loops: the conditions in loop '{}' hold together nowhere; not partitioned",
          op->loop_var->name);
      return s;
    }
    std::vector<Stmt> parts;
    auto part = [&](int64_t from, int64_t to, const std::string& suffix) {
      if (from >= to) return;
      Var v =
          suffix.empty() ? op->loop_var : Var(op->loop_var->name + suffix, op->loop_var.dtype());
      // A copy's inner loops get variables of their own: each loop of a program binds a
      // variable no other loop binds, so the program prints and parses back as itself.
      Stmt body = suffix.empty() ? op->body
                                 : FreshLoopVariables().mutate_stmt(
                                       substitute(op->body, VarMap{{op->loop_var.get(), v}}));
      parts.push_back(make_for(v, make_int(from, v.dtype()), make_int(to - from, v.dtype()),
                               op->for_kind, body, op->thread_tag, op->annotations));
    };
    part(*min, lower, "_prologue");
    part(lower, upper, "");
    part(upper, end, "_epilogue");
    return parts.size() == 1 ? parts[0] : make_seq(parts);
  }

  Analyzer analyzer_;
};

}  // namespace

PrimFunc partition_loops(const PrimFunc& func) {
  PartitionLoops pass;
  return pass.mutate_func(func);
}

}  // namespace tessera
