#include "tessera/ir/op.h"

#include "tessera/support/error.h"

namespace tessera {
namespace {

// Folding is limited to cases that are exact in every integer width: the
// operands are small constants in practice, and make_int checks the range.
std::optional<Expr> fold_ints(ExprKind op, const Expr& a, const Expr& b) {
  auto x = as_const_int(a), y = as_const_int(b);
  if (!x || !y || a.dtype() != b.dtype()) return std::nullopt;
  DataType t = a.dtype();
  auto floor_div = [](int64_t p, int64_t q) {
    int64_t d = p / q;
    return (p % q != 0 && ((p < 0) != (q < 0))) ? d - 1 : d;
  };
  switch (op) {
    case ExprKind::kAdd: return make_int(*x + *y, t);
    case ExprKind::kSub: return make_int(*x - *y, t);
    case ExprKind::kMul: return make_int(*x * *y, t);
    case ExprKind::kFloorDiv:
      if (*y == 0) return std::nullopt;
      return make_int(floor_div(*x, *y), t);
    case ExprKind::kFloorMod:
      if (*y == 0) return std::nullopt;
      return make_int(*x - floor_div(*x, *y) * *y, t);
    case ExprKind::kMin: return make_int(std::min(*x, *y), t);
    case ExprKind::kMax: return make_int(std::max(*x, *y), t);
    default: return std::nullopt;
  }
}

Expr folded(ExprKind op, Expr a, Expr b) {
  if (auto f = fold_ints(op, a, b)) return *f;
  return make_binary(op, std::move(a), std::move(b));
}

}  // namespace

Expr add(Expr a, Expr b) {
  if (is_const_int(b, 0) && a.dtype() == b.dtype()) return a;
  if (is_const_int(a, 0) && a.dtype() == b.dtype()) return b;
  return folded(ExprKind::kAdd, std::move(a), std::move(b));
}
Expr sub(Expr a, Expr b) {
  if (is_const_int(b, 0) && a.dtype() == b.dtype()) return a;
  return folded(ExprKind::kSub, std::move(a), std::move(b));
}
Expr mul(Expr a, Expr b) {
  if (is_const_int(b, 1) && a.dtype() == b.dtype()) return a;
  if (is_const_int(a, 1) && a.dtype() == b.dtype()) return b;
  return folded(ExprKind::kMul, std::move(a), std::move(b));
}
Expr div(Expr a, Expr b) { return make_binary(ExprKind::kDiv, std::move(a), std::move(b)); }
Expr floordiv(Expr a, Expr b) {
  if (is_const_int(b, 1) && a.dtype() == b.dtype()) return a;
  return folded(ExprKind::kFloorDiv, std::move(a), std::move(b));
}
Expr floormod(Expr a, Expr b) {
  if (is_const_int(b, 1) && a.dtype() == b.dtype()) return make_int(0, a.dtype());
  return folded(ExprKind::kFloorMod, std::move(a), std::move(b));
}
Expr min(Expr a, Expr b) { return folded(ExprKind::kMin, std::move(a), std::move(b)); }
Expr max(Expr a, Expr b) { return folded(ExprKind::kMax, std::move(a), std::move(b)); }
Expr eq(Expr a, Expr b) { return make_binary(ExprKind::kEQ, std::move(a), std::move(b)); }
Expr ne(Expr a, Expr b) { return make_binary(ExprKind::kNE, std::move(a), std::move(b)); }
Expr lt(Expr a, Expr b) { return make_binary(ExprKind::kLT, std::move(a), std::move(b)); }
Expr le(Expr a, Expr b) { return make_binary(ExprKind::kLE, std::move(a), std::move(b)); }
Expr gt(Expr a, Expr b) { return make_binary(ExprKind::kGT, std::move(a), std::move(b)); }
Expr ge(Expr a, Expr b) { return make_binary(ExprKind::kGE, std::move(a), std::move(b)); }
Expr logical_and(Expr a, Expr b) {
  if (is_const_int(a, 1) && a.dtype().is_bool()) return b;
  if (is_const_int(b, 1) && b.dtype().is_bool()) return a;
  return make_binary(ExprKind::kAnd, std::move(a), std::move(b));
}
Expr logical_or(Expr a, Expr b) { return make_binary(ExprKind::kOr, std::move(a), std::move(b)); }
Expr logical_not(Expr a) { return make_not(std::move(a)); }
Expr select(Expr c, Expr t, Expr f) {
  return make_select(std::move(c), std::move(t), std::move(f));
}
Expr cast(DataType dtype, Expr value) {
  if (value.dtype() == dtype) return value;
  return make_cast(dtype, std::move(value));
}
Expr if_then_else(Expr c, Expr t, Expr f) {
  DataType type = t.dtype();
  return make_call(type, "if_then_else", {std::move(c), std::move(t), std::move(f)});
}
Expr exp(Expr x) {
  DataType t = x.dtype();
  return make_call(t, "exp", {std::move(x)});
}
Expr log(Expr x) {
  DataType t = x.dtype();
  return make_call(t, "log", {std::move(x)});
}
Expr sqrt(Expr x) {
  DataType t = x.dtype();
  return make_call(t, "sqrt", {std::move(x)});
}
Expr tanh(Expr x) {
  DataType t = x.dtype();
  return make_call(t, "tanh", {std::move(x)});
}
Expr sigmoid(Expr x) {
  DataType t = x.dtype();
  return make_call(t, "sigmoid", {std::move(x)});
}
Expr abs(Expr x) {
  DataType t = x.dtype();
  return make_call(t, "abs", {std::move(x)});
}

void conjuncts(const Expr& e, std::vector<Expr>& out) {
  if (const auto* b = e.as<BinaryNode>(); b && b->kind == ExprKind::kAnd) {
    conjuncts(b->a, out);
    conjuncts(b->b, out);
  } else {
    out.push_back(e);
  }
}

}  // namespace tessera
