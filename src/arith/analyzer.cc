#include "tessera/arith/analyzer.h"

#include "canonical_sum.h"
#include "tessera/support/error.h"

namespace tessera {

void Analyzer::bind(const Var& var, int64_t min, int64_t extent) {
  if (extent <= 0) fail("cannot bind '{}' to an empty range (extent {})", var.name(), extent);
  bounds_[var.get()] = ConstIntBound{min, min + extent - 1};
}

void Analyzer::bind(const Var& var, const Range& range) {
  auto min = as_const_int(range.min), extent = as_const_int(range.extent);
  if (!min || !extent) fail("cannot bind '{}' to a range with non-constant bounds", var.name());
  bind(var, *min, *extent);
}

void Analyzer::bind(const Var& var, ConstIntBound bound) { bounds_[var.get()] = bound; }
void Analyzer::bind(const VarNode* var, ConstIntBound bound) { bounds_[var] = bound; }

void Analyzer::unbind(const Var& var) { bounds_.erase(var.get()); }

void Analyzer::assume(const Expr& condition) {
  const auto* b = condition.as<BinaryNode>();
  if (b == nullptr) return;
  if (b->kind == ExprKind::kAnd) {
    assume(b->a);
    assume(b->b);
    return;
  }
  if (!is_comparison(b->kind) || b->kind == ExprKind::kNE) return;
  // Normalise to `var OP constant`.
  const VarNode* var = b->a.as<VarNode>();
  auto constant = as_const_int(b->b);
  ExprKind op = b->kind;
  if (var == nullptr) {
    var = b->b.as<VarNode>();
    constant = as_const_int(b->a);
    switch (op) {
      case ExprKind::kLT: op = ExprKind::kGT; break;
      case ExprKind::kLE: op = ExprKind::kGE; break;
      case ExprKind::kGT: op = ExprKind::kLT; break;
      case ExprKind::kGE: op = ExprKind::kLE; break;
      default: break;
    }
  }
  if (var == nullptr || !constant) return;
  ConstIntBound narrowed = var_bound(var);
  const int64_t c = *constant;
  switch (op) {
    case ExprKind::kLT:
      if (c != ConstIntBound::kNegInf) narrowed.max = std::min(narrowed.max, c - 1);
      break;
    case ExprKind::kLE: narrowed.max = std::min(narrowed.max, c); break;
    case ExprKind::kGT:
      if (c != ConstIntBound::kPosInf) narrowed.min = std::max(narrowed.min, c + 1);
      break;
    case ExprKind::kGE: narrowed.min = std::max(narrowed.min, c); break;
    default: narrowed = bound_intersect(narrowed, ConstIntBound::point(c)); break;
  }
  bounds_[var] = narrowed;
}

ConstIntBound Analyzer::var_bound(const VarNode* var) const {
  auto it = bounds_.find(var);
  ConstIntBound type = type_bound(var->dtype);
  return it == bounds_.end() ? type : bound_intersect(it->second, type);
}

ConstIntBound Analyzer::const_int_bound(const Expr& e) {
  BoundContext ctx{[this](const VarNode* v) { return var_bound(v); }};
  ConstIntBound direct = structural_bound(e, ctx);
  if (!e.dtype().is_integer() || e.dtype().is_bool() || !e.dtype().is_scalar()) return direct;
  Simplifier s(*this);
  try {
    return bound_intersect(direct, s.sum_bound(s.to_sum(e)));
  } catch (...) {
    return direct;  // overflow while canonicalising: the structural bound still holds
  }
}

Expr Analyzer::simplify(const Expr& e) { return Simplifier(*this).simplify(e); }

bool Analyzer::can_prove(const Expr& condition) {
  if (!condition.dtype().is_bool() || !condition.dtype().is_scalar()) {
    fail("can_prove needs a scalar bool condition, got {}", condition.dtype().str());
  }
  return is_const_int(simplify(condition), 1);
}

bool Analyzer::can_prove_equal(const Expr& a, const Expr& b) {
  return can_prove(make_binary(ExprKind::kEQ, a, b));
}

}  // namespace tessera
