// The simplifier: integer index expressions become a canonical sum of
// coefficient × atom terms plus a constant; everything else is simplified
// structurally, deciding what interval analysis of those sums can decide.
#include "canonical_sum.h"

#include "tessera/ir/deep_equal.h"
#include "tessera/ir/op.h"

namespace tessera {
namespace {

// Thrown (and caught by Simplifier::simplify) when a coefficient or constant
// would overflow: the expression is then left as it was.
struct Overflow {};

int64_t checked_mul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r)) throw Overflow{};
  return r;
}

int64_t checked_add(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_add_overflow(a, b, &r)) throw Overflow{};
  return r;
}

bool is_index_type(DataType t) { return t.is_integer() && !t.is_bool() && t.is_scalar(); }

ExprKind flip(ExprKind k) {
  switch (k) {
    case ExprKind::kLT: return ExprKind::kGE;
    case ExprKind::kLE: return ExprKind::kGT;
    case ExprKind::kGT: return ExprKind::kLE;
    case ExprKind::kGE: return ExprKind::kLT;
    case ExprKind::kEQ: return ExprKind::kNE;
    default: return ExprKind::kEQ;
  }
}

}  // namespace

void CanonicalSum::add_term(const Expr& atom, int64_t coeff) {
  if (coeff == 0) return;
  for (size_t i = 0; i < terms.size(); ++i) {
    if (deep_equal(terms[i].atom, atom)) {
      terms[i].coeff = checked_add(terms[i].coeff, coeff);
      if (terms[i].coeff == 0) terms.erase(terms.begin() + static_cast<std::ptrdiff_t>(i));
      return;
    }
  }
  terms.push_back({atom, coeff});
}

void CanonicalSum::add(const CanonicalSum& other, int64_t scale) {
  for (const SumTerm& t : other.terms) add_term(t.atom, checked_mul(t.coeff, scale));
  constant = checked_add(constant, checked_mul(other.constant, scale));
}

Simplifier::Simplifier(const Analyzer& analyzer) : analyzer_(analyzer) {
  ctx_.var_bound = [this](const VarNode* v) { return analyzer_.var_bound(v); };
}

ConstIntBound Simplifier::atom_bound(const Expr& atom) { return structural_bound(atom, ctx_); }

ConstIntBound Simplifier::exact_sum_bound(const CanonicalSum& s) {
  ConstIntBound b = ConstIntBound::point(s.constant);
  for (const SumTerm& t : s.terms)
    b = bound_add(b, bound_mul(atom_bound(t.atom), ConstIntBound::point(t.coeff)));
  return b;
}

ConstIntBound Simplifier::sum_bound(const CanonicalSum& s) {
  return bound_intersect(exact_sum_bound(s), type_bound(s.dtype));
}

Expr Simplifier::from_sum(const CanonicalSum& s) {
  auto constant = [&](int64_t v) {
    ConstIntBound range = type_bound(s.dtype);
    if (v < range.min || v > range.max) throw Overflow{};
    return make_int(v, s.dtype);
  };
  Expr result;
  for (const SumTerm& t : s.terms) {
    const int64_t magnitude = t.coeff < 0 ? -t.coeff : t.coeff;
    if (!result.defined()) {
      result = t.coeff == 1 ? t.atom : make_binary(ExprKind::kMul, t.atom, constant(t.coeff));
      continue;
    }
    Expr term = magnitude == 1 ? t.atom : make_binary(ExprKind::kMul, t.atom, constant(magnitude));
    result = make_binary(t.coeff > 0 ? ExprKind::kAdd : ExprKind::kSub, result, term);
  }
  if (!result.defined()) return constant(s.constant);
  if (s.constant > 0) return make_binary(ExprKind::kAdd, result, constant(s.constant));
  if (s.constant < 0) return make_binary(ExprKind::kSub, result, constant(-s.constant));
  return result;
}

// floordiv(X, c) * (k*c) + floormod(X, c) * k  ->  X * k: the inverse of a split.
void Simplifier::merge_split_pairs(CanonicalSum& s) {
  for (bool changed = true; changed;) {
    changed = false;
    for (size_t i = 0; i < s.terms.size() && !changed; ++i) {
      const auto* mod = s.terms[i].atom.as<BinaryNode>();
      if (mod == nullptr || mod->kind != ExprKind::kFloorMod) continue;
      auto c = as_const_int(mod->b);
      if (!c || *c <= 0) continue;
      const int64_t k = s.terms[i].coeff;
      for (size_t j = 0; j < s.terms.size(); ++j) {
        const auto* div = s.terms[j].atom.as<BinaryNode>();
        if (div == nullptr || div->kind != ExprKind::kFloorDiv || !is_const_int(div->b, *c))
          continue;
        if (s.terms[j].coeff != checked_mul(k, *c) || !deep_equal(div->a, mod->a)) continue;
        CanonicalSum inner = to_sum(mod->a);
        s.terms.erase(s.terms.begin() + static_cast<std::ptrdiff_t>(std::max(i, j)));
        s.terms.erase(s.terms.begin() + static_cast<std::ptrdiff_t>(std::min(i, j)));
        s.add(inner, k);
        changed = true;
        break;
      }
    }
  }
}

CanonicalSum Simplifier::divide(const CanonicalSum& s, int64_t c) {
  CanonicalSum quotient{{}, 0, s.dtype}, rest{{}, 0, s.dtype};
  for (const SumTerm& t : s.terms) {
    if (t.coeff % c == 0) {
      quotient.add_term(t.atom, t.coeff / c);
    } else {
      rest.add_term(t.atom, t.coeff);
    }
  }
  quotient.constant = floor_div(s.constant, c);
  rest.constant = floor_mod(s.constant, c);
  ConstIntBound b = sum_bound(rest);
  if (b.min != ConstIntBound::kNegInf && b.max != ConstIntBound::kPosInf &&
      floor_div(b.min, c) == floor_div(b.max, c)) {
    quotient.constant = checked_add(quotient.constant, floor_div(b.min, c));
    return quotient;
  }
  // floordiv(floordiv(X, a), c) -> floordiv(X, a * c)
  if (rest.constant == 0 && rest.terms.size() == 1 && rest.terms[0].coeff == 1) {
    const auto* inner = rest.terms[0].atom.as<BinaryNode>();
    if (inner != nullptr && inner->kind == ExprKind::kFloorDiv) {
      if (auto a = as_const_int(inner->b); a && *a > 0) {
        quotient.add(to_sum(make_binary(ExprKind::kFloorDiv, inner->a,
                                        make_int(checked_mul(*a, c), s.dtype))),
                     1);
        return quotient;
      }
    }
  }
  quotient.add_term(make_binary(ExprKind::kFloorDiv, from_sum(rest), make_int(c, s.dtype)), 1);
  return quotient;
}

CanonicalSum Simplifier::modulo(const CanonicalSum& s, int64_t c) {
  // Terms whose coefficient c divides vanish; the others keep their coefficient
  // (reducing it modulo c would be equal in value but would hide the fused
  // iterator that iteration-map detection needs to see, e.g. floormod(i * 8 + j, 6)).
  CanonicalSum rest{{}, floor_mod(s.constant, c), s.dtype};
  for (const SumTerm& t : s.terms) {
    if (t.coeff % c != 0) rest.add_term(t.atom, t.coeff);
  }
  ConstIntBound b = sum_bound(rest);
  if (b.min != ConstIntBound::kNegInf && b.max != ConstIntBound::kPosInf &&
      floor_div(b.min, c) == floor_div(b.max, c)) {
    rest.constant = checked_add(rest.constant, -checked_mul(floor_div(b.min, c), c));
    return rest;
  }
  // floormod(floormod(X, a), c) -> floormod(X, c) when c divides a
  if (rest.constant == 0 && rest.terms.size() == 1 && rest.terms[0].coeff == 1) {
    const auto* inner = rest.terms[0].atom.as<BinaryNode>();
    if (inner != nullptr && inner->kind == ExprKind::kFloorMod) {
      if (auto a = as_const_int(inner->b); a && *a > 0 && *a % c == 0) {
        return to_sum(make_binary(ExprKind::kFloorMod, inner->a, make_int(c, s.dtype)));
      }
    }
  }
  CanonicalSum out{{}, 0, s.dtype};
  out.add_term(make_binary(ExprKind::kFloorMod, from_sum(rest), make_int(c, s.dtype)), 1);
  return out;
}

CanonicalSum Simplifier::atom_sum(const Expr& atom) {
  CanonicalSum s{{}, 0, atom.dtype()};
  if (auto c = as_const_int(atom)) {
    s.constant = *c;
  } else {
    s.add_term(atom, 1);
  }
  return s;
}

CanonicalSum Simplifier::to_sum(const Expr& e) {
  const DataType t = e.dtype();
  CanonicalSum s{{}, 0, t};
  switch (e.kind()) {
    case ExprKind::kIntImm: s.constant = e.as<IntImmNode>()->value; return s;
    case ExprKind::kVar: {
      ConstIntBound b = analyzer_.var_bound(e.as<VarNode>());
      if (b.is_point()) {
        s.constant = b.min;
      } else {
        s.add_term(e, 1);
      }
      return s;
    }
    case ExprKind::kAdd:
    case ExprKind::kSub: {
      auto* x = e.as<BinaryNode>();
      s = to_sum(x->a);
      s.add(to_sum(x->b), e.kind() == ExprKind::kAdd ? 1 : -1);
      merge_split_pairs(s);
      return s;
    }
    case ExprKind::kMul: {
      auto* x = e.as<BinaryNode>();
      CanonicalSum a = to_sum(x->a), b = to_sum(x->b);
      if (b.terms.empty()) {
        s.add(a, b.constant);
      } else if (a.terms.empty()) {
        s.add(b, a.constant);
      } else {
        return atom_sum(make_binary(ExprKind::kMul, from_sum(a), from_sum(b)));
      }
      return s;
    }
    case ExprKind::kFloorDiv:
    case ExprKind::kFloorMod:
    case ExprKind::kDiv:
    case ExprKind::kMod: {
      auto* x = e.as<BinaryNode>();
      CanonicalSum a = to_sum(x->a), b = to_sum(x->b);
      ExprKind op = e.kind();
      if (b.terms.empty() && b.constant > 0 && (op == ExprKind::kDiv || op == ExprKind::kMod) &&
          sum_bound(a).min >= 0) {
        op = op == ExprKind::kDiv ? ExprKind::kFloorDiv
                                  : ExprKind::kFloorMod;  // same value for non-negative operands
      }
      if (b.terms.empty() && b.constant > 0 &&
          (op == ExprKind::kFloorDiv || op == ExprKind::kFloorMod)) {
        if (b.constant == 1) {
          if (op == ExprKind::kFloorMod) return s;
          return a;
        }
        return op == ExprKind::kFloorDiv ? divide(a, b.constant) : modulo(a, b.constant);
      }
      if (a.terms.empty() && b.terms.empty() && b.constant != 0) {
        int64_t q = op == ExprKind::kDiv        ? a.constant / b.constant
                    : op == ExprKind::kMod      ? a.constant % b.constant
                    : op == ExprKind::kFloorDiv ? floor_div(a.constant, b.constant)
                                                : floor_mod(a.constant, b.constant);
        s.constant = q;
        return s;
      }
      return atom_sum(make_binary(op, from_sum(a), from_sum(b)));
    }
    case ExprKind::kMin:
    case ExprKind::kMax: {
      auto* x = e.as<BinaryNode>();
      CanonicalSum a = to_sum(x->a), b = to_sum(x->b);
      CanonicalSum diff = a;
      diff.add(b, -1);
      ConstIntBound d = exact_sum_bound(diff);
      const bool is_min = e.kind() == ExprKind::kMin;
      if (d.max <= 0) return is_min ? a : b;  // a <= b
      if (d.min >= 0) return is_min ? b : a;  // a >= b
      return atom_sum(make_binary(e.kind(), from_sum(a), from_sum(b)));
    }
    case ExprKind::kSelect: {
      auto* x = e.as<SelectNode>();
      Expr c = simplify_any(x->condition);
      if (auto v = as_const_int(c)) return to_sum(*v ? x->true_value : x->false_value);
      return atom_sum(make_select(c, simplify_any(x->true_value), simplify_any(x->false_value)));
    }
    case ExprKind::kCast: {
      Expr v = simplify_any(e.as<CastNode>()->value);
      if (auto c = as_const_int(v)) {
        ConstIntBound range = type_bound(t);
        if (range.contains(*c)) {
          s.constant = *c;
          return s;
        }
      }
      return atom_sum(make_cast(t, v));
    }
    default: return atom_sum(simplify_structure(e));
  }
}

Expr Simplifier::simplify_structure(const Expr& e) {
  switch (e.kind()) {
    case ExprKind::kBufferLoad: {
      auto* x = e.as<BufferLoadNode>();
      std::vector<Expr> indices;
      for (const Expr& i : x->indices) indices.push_back(simplify_any(i));
      return make_load(x->buffer, std::move(indices));
    }
    case ExprKind::kCall: {
      auto* x = e.as<CallNode>();
      std::vector<Expr> args;
      for (const Expr& a : x->args) args.push_back(simplify_any(a));
      if (x->op == "if_then_else") {
        if (auto c = as_const_int(args[0])) return *c ? args[1] : args[2];
      }
      return make_call(e.dtype(), x->op, std::move(args));
    }
    case ExprKind::kRamp: {
      auto* x = e.as<RampNode>();
      return make_ramp(simplify_any(x->base), simplify_any(x->stride), x->lanes);
    }
    case ExprKind::kBroadcast: {
      auto* x = e.as<BroadcastNode>();
      return make_broadcast(simplify_any(x->value), x->lanes);
    }
    case ExprKind::kLet: {
      auto* x = e.as<LetNode>();
      return make_let(x->var, simplify_any(x->value), simplify_any(x->body));
    }
    case ExprKind::kCast: return make_cast(e.dtype(), simplify_any(e.as<CastNode>()->value));
    case ExprKind::kSelect: {
      auto* x = e.as<SelectNode>();
      Expr c = simplify_any(x->condition);
      if (auto v = as_const_int(c); v && c.dtype().is_scalar())
        return simplify_any(*v ? x->true_value : x->false_value);
      return make_select(c, simplify_any(x->true_value), simplify_any(x->false_value));
    }
    case ExprKind::kNot: {
      Expr a = simplify_any(e.as<NotNode>()->a);
      if (auto v = as_const_int(a)) return make_bool(*v == 0);
      if (const auto* inner = a.as<NotNode>()) return inner->a;
      if (const auto* cmp = a.as<BinaryNode>();
          cmp && is_comparison(cmp->kind) && is_index_type(cmp->a.dtype())) {
        return make_binary(flip(cmp->kind), cmp->a, cmp->b);
      }
      return make_not(a);
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      auto* x = e.as<BinaryNode>();
      Expr a = simplify_any(x->a), b = simplify_any(x->b);
      const bool is_and = e.kind() == ExprKind::kAnd;
      for (const auto& [p, q] : {std::pair{a, b}, std::pair{b, a}}) {
        if (auto v = as_const_int(p); v && p.dtype().is_scalar()) {
          if (is_and) return *v ? q : make_bool(false);
          return *v ? make_bool(true) : q;
        }
      }
      return make_binary(e.kind(), a, b);
    }
    default: break;
  }
  if (is_comparison(e.kind())) {
    auto* x = e.as<BinaryNode>();
    if (is_index_type(x->a.dtype())) {
      CanonicalSum diff = to_sum(x->a);
      diff.add(to_sum(x->b), -1);
      ConstIntBound d = sum_bound(diff);
      std::optional<bool> decided;
      switch (e.kind()) {
        case ExprKind::kLT:
          if (d.max < 0)
            decided = true;
          else if (d.min >= 0)
            decided = false;
          break;
        case ExprKind::kLE:
          if (d.max <= 0)
            decided = true;
          else if (d.min > 0)
            decided = false;
          break;
        case ExprKind::kGT:
          if (d.min > 0)
            decided = true;
          else if (d.max <= 0)
            decided = false;
          break;
        case ExprKind::kGE:
          if (d.min >= 0)
            decided = true;
          else if (d.max < 0)
            decided = false;
          break;
        case ExprKind::kEQ:
          if (d.is_point() && d.min == 0)
            decided = true;
          else if (!d.contains(0))
            decided = false;
          break;
        default:
          if (d.is_point() && d.min == 0)
            decided = false;
          else if (!d.contains(0))
            decided = true;
          break;
      }
      if (decided) return make_bool(*decided);
    }
    return make_binary(e.kind(), simplify_any(x->a), simplify_any(x->b));
  }
  if (const auto* x = e.as<BinaryNode>())
    return make_binary(e.kind(), simplify_any(x->a), simplify_any(x->b));
  return e;
}

Expr Simplifier::simplify_any(const Expr& e) {
  if (is_index_type(e.dtype())) return from_sum(to_sum(e));
  return simplify_structure(e);
}

Expr Simplifier::simplify(const Expr& e) {
  try {
    return simplify_any(e);
  } catch (const Overflow&) {
    return e;
  }
}

}  // namespace tessera
