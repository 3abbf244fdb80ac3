// Exact expression equality: same shape, same constants, and the *same*
// variables and buffers (by identity). Unlike structural_equal, which matches
// variables up to renaming, this is what an analysis needs to recognise a
// repeated subterm (x - x, floordiv(f, 4) * 4 + floormod(f, 4)).
#pragma once

#include "tessera/ir/expr.h"

namespace tessera {

bool deep_equal(const Expr& a, const Expr& b);

/// A hash consistent with deep_equal (variables hashed by identity, so it is
/// stable within a process only: never store it).
uint64_t deep_hash(const Expr& e);

}  // namespace tessera
