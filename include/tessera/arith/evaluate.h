// Evaluating integer and boolean index expressions at a point: the loop variables given
// values, the result an integer (booleans as 0 or 1). Used where a property is counted
// or checked by enumeration (FLOPs under a predicate, index maps over a box).
//
//   std::optional<int64_t> v = evaluate_index(i * 4 + j < 10, [&](const VarNode* x) { return
//   value_of(x); });
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "tessera/ir/expr.h"

namespace tessera {

/// The value of `e` (integer arithmetic, min/max, floor and truncating division and
/// modulo, comparisons, and/or/not, select, casts) with each variable's value from
/// `value_of`; nullopt when a variable has none, on a division by zero, or for anything
/// else (a buffer load, a float, a call).
std::optional<int64_t> evaluate_index(
    const Expr& e, const std::function<std::optional<int64_t>(const VarNode*)>& value_of);

}  // namespace tessera
