// Analyzer: the arithmetic questions schedule primitives ask about index
// expressions, answered from known variable ranges.
//
//   Analyzer az;
//   az.bind(i, 0, 4);                          // i in [0, 4)
//   az.bind(j, 0, 16);
//   az.simplify(floordiv(i * 16 + j, 16))      -> i
//   az.const_int_bound(i * 16 + j)             -> [0, 63]
//   az.can_prove(lt(i * 16 + j, make_int(64))) -> true
//
// Strength (see docs/arith.md): simplification puts integer index expressions
// into a canonical sum of terms (coefficient × atom) with floordiv/floormod by
// positive constants understood, and decides comparisons, min/max, selects and
// divisions by interval analysis of that sum. It is sound and incomplete:
// can_prove may say false for a true condition (it could not prove it), never
// true for a false one. Index arithmetic is assumed not to overflow its type.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <unordered_map>

#include "tessera/ir/expr.h"

namespace tessera {

/// An inclusive integer interval [min, max]; kNegInf / kPosInf mean unbounded.
struct ConstIntBound {
  static constexpr int64_t kNegInf = std::numeric_limits<int64_t>::min();
  static constexpr int64_t kPosInf = std::numeric_limits<int64_t>::max();
  int64_t min = kNegInf;
  int64_t max = kPosInf;

  static ConstIntBound point(int64_t v) { return {v, v}; }
  static ConstIntBound everything() { return {}; }
  bool is_point() const { return min == max && min != kNegInf && min != kPosInf; }
  bool contains(int64_t v) const { return v >= min && v <= max; }
  bool operator==(const ConstIntBound&) const = default;
  std::string str() const;
};

class Analyzer {
 public:
  /// Declares `var` to range over [min, min + extent). A later bind replaces an earlier one.
  void bind(const Var& var, int64_t min, int64_t extent);
  /// Declares `var`'s range from constant Range bounds (throws Error if not constant).
  void bind(const Var& var, const Range& range);
  void bind(const Var& var, ConstIntBound bound);
  void bind(const VarNode* var, ConstIntBound bound);
  void unbind(const Var& var);
  /// Narrows variable bounds with a known-true condition: conjunctions of
  /// comparisons between a variable and a constant (`i < 7`, `3 <= j`, `k == 0`).
  /// Other conditions are ignored, which loses precision but never soundness.
  void assume(const Expr& condition);
  /// The declared bound of a variable, or its type's full range.
  ConstIntBound var_bound(const VarNode* var) const;

  ConstIntBound const_int_bound(const Expr& e);
  Expr simplify(const Expr& e);
  bool can_prove(const Expr& condition);
  bool can_prove_equal(const Expr& a, const Expr& b);

 private:
  std::unordered_map<const VarNode*, ConstIntBound> bounds_;
};

/// Interval arithmetic helpers (saturating at the infinities).
ConstIntBound bound_add(ConstIntBound a, ConstIntBound b);
ConstIntBound bound_mul(ConstIntBound a, ConstIntBound b);
ConstIntBound bound_union(ConstIntBound a, ConstIntBound b);
ConstIntBound bound_intersect(ConstIntBound a, ConstIntBound b);
/// The full range of an integer type.
ConstIntBound type_bound(DataType t);

}  // namespace tessera
