#include "tessera/arith/evaluate.h"

#include <algorithm>

namespace tessera {

std::optional<int64_t> evaluate_index(
    const Expr& e, const std::function<std::optional<int64_t>(const VarNode*)>& value_of) {
  switch (e.kind()) {
    case ExprKind::kIntImm: return e.as<IntImmNode>()->value;
    case ExprKind::kVar: return value_of(e.as<VarNode>());
    case ExprKind::kCast: return evaluate_index(e.as<CastNode>()->value, value_of);
    case ExprKind::kNot: {
      auto a = evaluate_index(e.as<NotNode>()->a, value_of);
      if (!a) return std::nullopt;
      return *a == 0 ? 1 : 0;
    }
    case ExprKind::kSelect: {
      auto* s = e.as<SelectNode>();
      auto c = evaluate_index(s->condition, value_of);
      if (!c) return std::nullopt;
      return evaluate_index(*c != 0 ? s->true_value : s->false_value, value_of);
    }
    default: break;
  }
  if (!is_binary(e.kind())) return std::nullopt;
  auto* b = e.as<BinaryNode>();
  auto x = evaluate_index(b->a, value_of);
  auto y = evaluate_index(b->b, value_of);
  if (!x || !y) return std::nullopt;
  const int64_t l = *x, r = *y;
  switch (e.kind()) {
    case ExprKind::kAdd: return l + r;
    case ExprKind::kSub: return l - r;
    case ExprKind::kMul: return l * r;
    case ExprKind::kDiv: return r == 0 ? std::nullopt : std::optional<int64_t>(l / r);
    case ExprKind::kMod: return r == 0 ? std::nullopt : std::optional<int64_t>(l % r);
    case ExprKind::kFloorDiv: {
      if (r == 0) return std::nullopt;
      const int64_t q = l / r;
      return (l % r != 0 && ((l < 0) != (r < 0))) ? q - 1 : q;
    }
    case ExprKind::kFloorMod: {
      if (r == 0) return std::nullopt;
      const int64_t m = l % r;
      return (m != 0 && ((m < 0) != (r < 0))) ? m + r : m;
    }
    case ExprKind::kMin: return std::min(l, r);
    case ExprKind::kMax: return std::max(l, r);
    case ExprKind::kEQ: return l == r;
    case ExprKind::kNE: return l != r;
    case ExprKind::kLT: return l < r;
    case ExprKind::kLE: return l <= r;
    case ExprKind::kGT: return l > r;
    case ExprKind::kGE: return l >= r;
    case ExprKind::kAnd: return (l != 0) && (r != 0);
    case ExprKind::kOr: return (l != 0) || (r != 0);
    default: return std::nullopt;
  }
}

}  // namespace tessera
