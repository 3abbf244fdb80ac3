// Test helper: brute-force evaluation of integer/bool index expressions at a point.
#pragma once

#include <map>
#include <optional>

#include "tessera/ir/expr.h"

namespace tessera {

struct Point {
  std::map<const VarNode*, int64_t> values;
};

// Evaluates an integer/bool expression; nullopt when undefined (division by zero).
inline std::optional<int64_t> evaluate(const Expr& e, const Point& p) {
  auto eval2 = [&](const BinaryNode* b) -> std::optional<std::pair<int64_t, int64_t>> {
    auto x = evaluate(b->a, p), y = evaluate(b->b, p);
    if (!x || !y) return std::nullopt;
    return std::pair{*x, *y};
  };
  auto fdiv = [](int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
  };
  switch (e.kind()) {
    case ExprKind::kIntImm: return e.as<IntImmNode>()->value;
    case ExprKind::kVar: return p.values.at(e.as<VarNode>());
    case ExprKind::kNot: {
      auto v = evaluate(e.as<NotNode>()->a, p);
      if (!v) return std::nullopt;
      return *v == 0;
    }
    case ExprKind::kSelect: {
      auto* s = e.as<SelectNode>();
      auto c = evaluate(s->condition, p), t = evaluate(s->true_value, p),
           f = evaluate(s->false_value, p);
      if (!c || !t || !f) return std::nullopt;
      return *c ? *t : *f;
    }
    case ExprKind::kCast: return evaluate(e.as<CastNode>()->value, p);
    default: break;
  }
  auto* b = e.as<BinaryNode>();
  if (b == nullptr) return std::nullopt;
  auto v = eval2(b);
  if (!v) return std::nullopt;
  auto [x, y] = *v;
  switch (e.kind()) {
    case ExprKind::kAdd: return x + y;
    case ExprKind::kSub: return x - y;
    case ExprKind::kMul: return x * y;
    case ExprKind::kDiv:
      if (y == 0) return std::nullopt;
      return x / y;
    case ExprKind::kMod:
      if (y == 0) return std::nullopt;
      return x % y;
    case ExprKind::kFloorDiv:
      if (y == 0) return std::nullopt;
      return fdiv(x, y);
    case ExprKind::kFloorMod:
      if (y == 0) return std::nullopt;
      return x - fdiv(x, y) * y;
    case ExprKind::kMin: return std::min(x, y);
    case ExprKind::kMax: return std::max(x, y);
    case ExprKind::kEQ: return x == y;
    case ExprKind::kNE: return x != y;
    case ExprKind::kLT: return x < y;
    case ExprKind::kLE: return x <= y;
    case ExprKind::kGT: return x > y;
    case ExprKind::kGE: return x >= y;
    case ExprKind::kAnd: return x && y;
    case ExprKind::kOr: return x || y;
    default: return std::nullopt;
  }
}

}  // namespace tessera
