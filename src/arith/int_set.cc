#include "tessera/arith/int_set.h"

#include <fmt/format.h>

#include "canonical_sum.h"
#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/visitor.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

class UsesRelaxed : public IRVisitor {
 public:
  explicit UsesRelaxed(const RelaxMap& relax) : relax_(relax) {}
  bool found = false;

 protected:
  void visit_var(const VarNode* v) override { found = found || relax_.count(v) != 0; }

 private:
  const RelaxMap& relax_;
};

bool uses_relaxed(const Expr& e, const RelaxMap& relax) {
  UsesRelaxed u(relax);
  u.visit_expr(e);
  return u.found;
}

// Running [min, max] sums; an unbounded side stays undefined.
struct Bounds {
  Expr lo, hi;
  bool lo_ok = true, hi_ok = true;
  void add(const Expr& l, const Expr& h) {
    if (!l.defined()) lo_ok = false;
    if (!h.defined()) hi_ok = false;
    if (lo_ok) lo = lo.defined() ? make_binary(ExprKind::kAdd, lo, l) : l;
    if (hi_ok) hi = hi.defined() ? make_binary(ExprKind::kAdd, hi, h) : h;
  }
};

Expr scaled(const Expr& e, int64_t c) {
  if (!e.defined()) return e;
  return c == 1 ? e : make_binary(ExprKind::kMul, e, make_int(c, e.dtype()));
}

}  // namespace

IntSet IntSet::point(Expr value) { return interval(value, value); }

IntSet IntSet::interval(Expr min, Expr max) {
  IntSet s;
  s.min_ = std::move(min);
  s.max_ = std::move(max);
  return s;
}

IntSet IntSet::everything() { return IntSet(); }

IntSet IntSet::from_range(const Range& range) {
  return interval(range.min,
                  make_binary(ExprKind::kSub, make_binary(ExprKind::kAdd, range.min, range.extent),
                              make_int(1, range.min.dtype())));
}

Range IntSet::to_range(Analyzer& az) const {
  if (!min_.defined() || !max_.defined())
    fail("cannot make a range of the unbounded set {}", str());
  Expr extent = az.simplify(make_binary(ExprKind::kAdd, make_binary(ExprKind::kSub, max_, min_),
                                        make_int(1, min_.dtype())));
  return Range{az.simplify(min_), extent};
}

std::string IntSet::str() const {
  return fmt::format("[{}, {}]", min_.defined() ? print(min_) : "-inf",
                     max_.defined() ? print(max_) : "+inf");
}

IntSet eval_set(const Expr& e, const RelaxMap& relax, Analyzer& az) {
  if (!uses_relaxed(e, relax)) return IntSet::point(az.simplify(e));
  if (!e.dtype().is_integer() || e.dtype().is_bool() || !e.dtype().is_scalar())
    return IntSet::everything();
  Simplifier simplifier(az);
  CanonicalSum sum;
  try {
    sum = simplifier.to_sum(e);
  } catch (...) {
    return IntSet::everything();
  }
  Bounds b;
  CanonicalSum fixed{{}, sum.constant, sum.dtype};
  for (const SumTerm& t : sum.terms) {
    if (!uses_relaxed(t.atom, relax)) {
      fixed.add_term(t.atom, t.coeff);
      continue;
    }
    IntSet atom = IntSet::everything();
    if (const auto* v = t.atom.as<VarNode>()) {
      atom = relax.at(v);
    } else if (const auto* bin = t.atom.as<BinaryNode>()) {
      auto c = as_const_int(bin->b);
      if ((bin->kind == ExprKind::kFloorDiv || bin->kind == ExprKind::kFloorMod) && c && *c > 0) {
        IntSet inner = eval_set(bin->a, relax, az);
        Expr divisor = bin->b;
        if (bin->kind == ExprKind::kFloorDiv) {
          atom = IntSet::interval(
              inner.min().defined() ? make_binary(ExprKind::kFloorDiv, inner.min(), divisor)
                                    : Expr(),
              inner.max().defined() ? make_binary(ExprKind::kFloorDiv, inner.max(), divisor)
                                    : Expr());
        } else if (inner.min().defined() && inner.max().defined() &&
                   az.can_prove(make_binary(
                       ExprKind::kEQ, make_binary(ExprKind::kFloorDiv, inner.min(), divisor),
                       make_binary(ExprKind::kFloorDiv, inner.max(), divisor)))) {
          atom = IntSet::interval(make_binary(ExprKind::kFloorMod, inner.min(), divisor),
                                  make_binary(ExprKind::kFloorMod, inner.max(), divisor));
        } else {
          atom = IntSet::interval(make_int(0, sum.dtype), make_int(*c - 1, sum.dtype));
        }
      } else if (bin->kind == ExprKind::kMin || bin->kind == ExprKind::kMax) {
        IntSet x = eval_set(bin->a, relax, az), y = eval_set(bin->b, relax, az);
        auto both = [&](const Expr& p, const Expr& q) {
          return p.defined() && q.defined() ? make_binary(bin->kind, p, q) : Expr();
        };
        // min and max are monotone in both operands; an unbounded side stays unbounded
        // except min's upper / max's lower side, which one bounded operand suffices for.
        Expr lo = both(x.min(), y.min()), hi = both(x.max(), y.max());
        if (bin->kind == ExprKind::kMin && !hi.defined())
          hi = x.max().defined() ? x.max() : y.max();
        if (bin->kind == ExprKind::kMax && !lo.defined())
          lo = x.min().defined() ? x.min() : y.min();
        atom = IntSet::interval(lo, hi);
      }
    }
    if (atom.is_everything() || (!atom.min().defined() && !atom.max().defined())) {
      // Fall back to constant bounds with every relaxed variable bounded by its set.
      Analyzer relaxed = az;
      for (const auto& [var, set] : relax) {
        ConstIntBound lo =
            set.min().defined() ? az.const_int_bound(set.min()) : ConstIntBound::everything();
        ConstIntBound hi =
            set.max().defined() ? az.const_int_bound(set.max()) : ConstIntBound::everything();
        relaxed.bind(var, ConstIntBound{lo.min, hi.max});
      }
      ConstIntBound cb = relaxed.const_int_bound(t.atom);
      atom =
          IntSet::interval(cb.min == ConstIntBound::kNegInf ? Expr() : make_int(cb.min, sum.dtype),
                           cb.max == ConstIntBound::kPosInf ? Expr() : make_int(cb.max, sum.dtype));
    }
    if (t.coeff > 0) {
      b.add(scaled(atom.min(), t.coeff), scaled(atom.max(), t.coeff));
    } else {
      b.add(scaled(atom.max(), t.coeff), scaled(atom.min(), t.coeff));
    }
  }
  Expr base = simplifier.from_sum(fixed);
  Expr lo = b.lo_ok ? az.simplify(b.lo.defined() ? make_binary(ExprKind::kAdd, b.lo, base) : base)
                    : Expr();
  Expr hi = b.hi_ok ? az.simplify(b.hi.defined() ? make_binary(ExprKind::kAdd, b.hi, base) : base)
                    : Expr();
  return IntSet::interval(lo, hi);
}

IntSet union_set(const IntSet& a, const IntSet& b, Analyzer& az) {
  auto pick = [&](const Expr& x, const Expr& y, ExprKind op) -> Expr {
    if (!x.defined() || !y.defined()) return Expr();
    return az.simplify(make_binary(op, x, y));
  };
  return IntSet::interval(pick(a.min(), b.min(), ExprKind::kMin),
                          pick(a.max(), b.max(), ExprKind::kMax));
}

IntSet intersect_set(const IntSet& a, const IntSet& b, Analyzer& az) {
  auto pick = [&](const Expr& x, const Expr& y, ExprKind op) -> Expr {
    if (!x.defined()) return y;
    if (!y.defined()) return x;
    return az.simplify(make_binary(op, x, y));
  };
  return IntSet::interval(pick(a.min(), b.min(), ExprKind::kMax),
                          pick(a.max(), b.max(), ExprKind::kMin));
}

bool set_covers(const IntSet& outer, const IntSet& inner, Analyzer& az) {
  if (outer.min().defined()) {
    if (!inner.min().defined() ||
        !az.can_prove(make_binary(ExprKind::kLE, outer.min(), inner.min())))
      return false;
  }
  if (outer.max().defined()) {
    if (!inner.max().defined() ||
        !az.can_prove(make_binary(ExprKind::kGE, outer.max(), inner.max())))
      return false;
  }
  return true;
}

bool region_covers(const std::vector<IntSet>& outer, const std::vector<IntSet>& inner,
                   Analyzer& az) {
  if (outer.size() != inner.size()) return false;
  for (size_t d = 0; d < outer.size(); ++d) {
    if (!set_covers(outer[d], inner[d], az)) return false;
  }
  return true;
}

bool regions_disjoint(const std::vector<IntSet>& a, const std::vector<IntSet>& b, Analyzer& az) {
  for (size_t d = 0; d < a.size() && d < b.size(); ++d) {
    if (a[d].has_upper_bound() && b[d].has_lower_bound() &&
        az.can_prove(make_binary(ExprKind::kLT, a[d].max(), b[d].min())))
      return true;
    if (b[d].has_upper_bound() && a[d].has_lower_bound() &&
        az.can_prove(make_binary(ExprKind::kLT, b[d].max(), a[d].min())))
      return true;
  }
  return false;
}

}  // namespace tessera
