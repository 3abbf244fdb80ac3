// Internal pieces of the arith layer shared between its files.
#pragma once

#include <functional>

#include "tessera/arith/analyzer.h"

namespace tessera {

int64_t floor_div(int64_t a, int64_t b);
int64_t floor_mod(int64_t a, int64_t b);

/// Where variable bounds come from during an analysis.
struct BoundContext {
  std::function<ConstIntBound(const VarNode*)> var_bound;
};

/// Interval analysis of `e` as written (no canonicalisation).
ConstIntBound structural_bound(const Expr& e, const BoundContext& ctx);
ConstIntBound bound_floordiv(ConstIntBound a, ConstIntBound d);
ConstIntBound bound_floormod(ConstIntBound a, ConstIntBound d);

}  // namespace tessera
