// IntSet: a symbolic integer interval [min, max] (inclusive), and evaluation of
// an expression over sets of variable values: the region analysis behind
// compute_at, cache placement and region-cover checks.
//
//   RelaxMap relax{{j.get(), IntSet::interval(make_int(0), make_int(15))}};
//   IntSet s = eval_set(i * 16 + j, relax, az);   // [i * 16, i * 16 + 15]
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/arith/analyzer.h"
#include "tessera/ir/buffer.h"

namespace tessera {

class IntSet {
 public:
  static IntSet point(Expr value);
  static IntSet interval(Expr min, Expr max);
  /// Unbounded on both sides: all that is known is "some value".
  static IntSet everything();
  /// [min, min + extent - 1].
  static IntSet from_range(const Range& range);

  bool is_everything() const { return !min_.defined() && !max_.defined(); }
  bool has_lower_bound() const { return min_.defined(); }
  bool has_upper_bound() const { return max_.defined(); }
  const Expr& min() const { return min_; }
  const Expr& max() const { return max_; }
  /// [min, max] as a Range (extent simplified); throws Error if unbounded.
  Range to_range(Analyzer& az) const;
  std::string str() const;

 private:
  Expr min_, max_;
};

using RelaxMap = std::unordered_map<const VarNode*, IntSet>;

/// The set of values of `e` when each variable in `relax` ranges over its set
/// (other variables stay symbolic). Sound: the true set is always inside.
IntSet eval_set(const Expr& e, const RelaxMap& relax, Analyzer& az);
/// The smallest interval containing both (symbolic min/max when not comparable).
IntSet union_set(const IntSet& a, const IntSet& b, Analyzer& az);
IntSet intersect_set(const IntSet& a, const IntSet& b, Analyzer& az);
/// True if `outer` provably contains `inner`.
bool set_covers(const IntSet& outer, const IntSet& inner, Analyzer& az);
/// Per-dimension set_covers.
bool region_covers(const std::vector<IntSet>& outer, const std::vector<IntSet>& inner,
                   Analyzer& az);
/// True if the regions provably share no point (in some dimension their intervals lie apart).
bool regions_disjoint(const std::vector<IntSet>& a, const std::vector<IntSet>& b, Analyzer& az);

}  // namespace tessera
