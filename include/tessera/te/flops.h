// FLOP counting: the number of arithmetic operations a program performs.
//
// Every arithmetic operation on values (add, sub, mul, div, min, max, a math
// call) counts one, multiplied by the trip count of the loops around it; index
// arithmetic (inside buffer indices and conditions), casts, selects and
// reduction initialisation count nothing. A store under a block predicate or an `if`
// counts only the iterations where the conditions hold (the loops they mention are
// enumerated, up to 2^26 points; a condition on data, or more points, counts the whole
// domain). For matmul and convolution this gives
// the conventional 2·M·N·K and 2·N·OH·OW·CO·CI·KH·KW/groups.
#pragma once

#include <cstdint>

#include "tessera/ir/function.h"

namespace tessera {

/// Throws Error if a loop around a store has a non-constant extent.
int64_t count_flops(const PrimFunc& func);

}  // namespace tessera
