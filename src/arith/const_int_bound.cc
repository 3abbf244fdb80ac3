// Interval arithmetic on integer expressions (the structural bound of an expression).
#include "bound_internal.h"

#include <fmt/format.h>

namespace tessera {
namespace {

using I128 = __int128;
constexpr int64_t kNegInf = ConstIntBound::kNegInf;
constexpr int64_t kPosInf = ConstIntBound::kPosInf;

I128 widen(int64_t v) {
  if (v == kNegInf) return -(static_cast<I128>(1) << 100);
  if (v == kPosInf) return static_cast<I128>(1) << 100;
  return v;
}

int64_t narrow(I128 v) {
  if (v <= static_cast<I128>(kNegInf)) return kNegInf;
  if (v >= static_cast<I128>(kPosInf)) return kPosInf;
  return static_cast<int64_t>(v);
}

int64_t floor_div_bound(int64_t a, int64_t c) {
  if (a == kNegInf || a == kPosInf) return a;
  return floor_div(a, c);
}

}  // namespace

std::string ConstIntBound::str() const {
  auto side = [](int64_t v) {
    return v == kNegInf   ? std::string("-inf")
           : v == kPosInf ? std::string("+inf")
                          : std::to_string(v);
  };
  return fmt::format("[{}, {}]", side(min), side(max));
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

int64_t floor_mod(int64_t a, int64_t b) { return a - floor_div(a, b) * b; }

ConstIntBound bound_add(ConstIntBound a, ConstIntBound b) {
  ConstIntBound r;
  r.min = (a.min == kNegInf || b.min == kNegInf) ? kNegInf : narrow(widen(a.min) + widen(b.min));
  r.max = (a.max == kPosInf || b.max == kPosInf) ? kPosInf : narrow(widen(a.max) + widen(b.max));
  return r;
}

ConstIntBound bound_mul(ConstIntBound a, ConstIntBound b) {
  I128 c[4] = {widen(a.min) * widen(b.min), widen(a.min) * widen(b.max),
               widen(a.max) * widen(b.min), widen(a.max) * widen(b.max)};
  I128 lo = c[0], hi = c[0];
  for (I128 v : c) {
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  return {narrow(lo), narrow(hi)};
}

ConstIntBound bound_union(ConstIntBound a, ConstIntBound b) {
  return {std::min(a.min, b.min), std::max(a.max, b.max)};
}
ConstIntBound bound_intersect(ConstIntBound a, ConstIntBound b) {
  return {std::max(a.min, b.min), std::min(a.max, b.max)};
}

ConstIntBound type_bound(DataType t) {
  if (t.is_bool()) return {0, 1};
  if (!t.is_integer()) return ConstIntBound::everything();
  if (t.bits() >= 64) return t.is_int() ? ConstIntBound::everything() : ConstIntBound{0, kPosInf};
  if (t.is_int()) return {-(int64_t{1} << (t.bits() - 1)), (int64_t{1} << (t.bits() - 1)) - 1};
  return {0, (int64_t{1} << t.bits()) - 1};
}

ConstIntBound bound_floordiv(ConstIntBound a, ConstIntBound d) {
  if (d.is_point() && d.min > 0)
    return {floor_div_bound(a.min, d.min), floor_div_bound(a.max, d.min)};
  if (d.min > 0 && d.max != kPosInf && a.min != kNegInf && a.max != kPosInf) {
    int64_t c[4] = {floor_div(a.min, d.min), floor_div(a.min, d.max), floor_div(a.max, d.min),
                    floor_div(a.max, d.max)};
    return {*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
  }
  return ConstIntBound::everything();
}

ConstIntBound bound_floormod(ConstIntBound a, ConstIntBound d) {
  if (d.min <= 0) return ConstIntBound::everything();
  if (d.is_point()) {
    const int64_t c = d.min;
    if (a.min >= 0 && a.max < c) return a;
    if (a.min != kNegInf && a.max != kPosInf && floor_div(a.min, c) == floor_div(a.max, c)) {
      return {floor_mod(a.min, c), floor_mod(a.max, c)};
    }
    return {0, c - 1};
  }
  if (a.min >= 0 && a.max < d.min) return a;
  return {0, d.max == kPosInf ? kPosInf : d.max - 1};
}

ConstIntBound structural_bound(const Expr& e, const BoundContext& ctx) {
  const DataType t = e.dtype();
  if (t.is_bool() || (t.is_integer() && e.kind() != ExprKind::kIntImm && is_comparison(e.kind())))
    return {0, 1};
  if (!t.is_integer()) return ConstIntBound::everything();
  ConstIntBound result = type_bound(t);
  auto sub = [&](const Expr& x) { return structural_bound(x, ctx); };
  switch (e.kind()) {
    case ExprKind::kIntImm: return ConstIntBound::point(e.as<IntImmNode>()->value);
    case ExprKind::kVar: return bound_intersect(result, ctx.var_bound(e.as<VarNode>()));
    case ExprKind::kAdd:
      return bound_intersect(result,
                             bound_add(sub(e.as<BinaryNode>()->a), sub(e.as<BinaryNode>()->b)));
    case ExprKind::kSub: {
      ConstIntBound b = sub(e.as<BinaryNode>()->b);
      ConstIntBound neg{b.max == kPosInf ? kNegInf : -b.max, b.min == kNegInf ? kPosInf : -b.min};
      return bound_intersect(result, bound_add(sub(e.as<BinaryNode>()->a), neg));
    }
    case ExprKind::kMul:
      return bound_intersect(result,
                             bound_mul(sub(e.as<BinaryNode>()->a), sub(e.as<BinaryNode>()->b)));
    case ExprKind::kFloorDiv:
      return bound_intersect(
          result, bound_floordiv(sub(e.as<BinaryNode>()->a), sub(e.as<BinaryNode>()->b)));
    case ExprKind::kFloorMod:
      return bound_intersect(
          result, bound_floormod(sub(e.as<BinaryNode>()->a), sub(e.as<BinaryNode>()->b)));
    case ExprKind::kDiv: {
      ConstIntBound a = sub(e.as<BinaryNode>()->a), d = sub(e.as<BinaryNode>()->b);
      if (a.min >= 0 && d.min > 0) return bound_intersect(result, bound_floordiv(a, d));
      if (d.is_point() && d.min > 0 && a.min != kNegInf && a.max != kPosInf)
        return {a.min / d.min, a.max / d.min};
      return result;
    }
    case ExprKind::kMod: {
      ConstIntBound a = sub(e.as<BinaryNode>()->a), d = sub(e.as<BinaryNode>()->b);
      if (a.min >= 0 && d.min > 0) return bound_intersect(result, bound_floormod(a, d));
      if (d.is_point() && d.min != 0 && d.min != kNegInf) {
        int64_t m = d.min < 0 ? -d.min : d.min;
        return bound_intersect(result, {a.min >= 0 ? 0 : -(m - 1), a.max <= 0 ? 0 : m - 1});
      }
      return result;
    }
    case ExprKind::kMin: {
      ConstIntBound a = sub(e.as<BinaryNode>()->a), b = sub(e.as<BinaryNode>()->b);
      return {std::min(a.min, b.min), std::min(a.max, b.max)};
    }
    case ExprKind::kMax: {
      ConstIntBound a = sub(e.as<BinaryNode>()->a), b = sub(e.as<BinaryNode>()->b);
      return {std::max(a.min, b.min), std::max(a.max, b.max)};
    }
    case ExprKind::kSelect: {
      auto* s = e.as<SelectNode>();
      return bound_union(sub(s->true_value), sub(s->false_value));
    }
    case ExprKind::kCall: {
      auto* c = e.as<CallNode>();
      if (c->op == "if_then_else") return bound_union(sub(c->args[1]), sub(c->args[2]));
      return result;
    }
    case ExprKind::kCast: {
      const Expr& v = e.as<CastNode>()->value;
      if (!v.dtype().is_integer()) return result;
      ConstIntBound inner = sub(v);
      return (inner.min >= result.min && inner.max <= result.max) ? inner : result;
    }
    case ExprKind::kBroadcast: return sub(e.as<BroadcastNode>()->value);
    case ExprKind::kRamp: {
      auto* r = e.as<RampNode>();
      ConstIntBound lanes{0, r->lanes - 1};
      return bound_intersect(result, bound_add(sub(r->base), bound_mul(sub(r->stride), lanes)));
    }
    case ExprKind::kLet: return sub(e.as<LetNode>()->body);
    default: return result;
  }
}

}  // namespace tessera
