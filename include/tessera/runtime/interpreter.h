// The reference interpreter: executes any PrimFunc (block-level or loop-level IR)
// on host arrays, in plain C++ with no cleverness. It is the correctness oracle
// for every transformation, so it checks as it goes: every buffer access is
// bounds-checked, every block binding must lie in its iteration domain, integer
// division by zero is an error, and buffers a program allocates start as NaN
// (floats) so a read before a write shows up in the result.
//
// Semantics worth knowing: float arithmetic rounds to the operand type after
// every operation (as compiled code does without fast-math); integers wrap to
// their width; min/max return the first operand unless the second is strictly
// smaller/greater; a block's `init` runs when every reduction variable is at its
// domain's minimum; Select evaluates both branches, if_then_else only one.
//
//   std::vector<NDArray> args = make_random_arguments(func, /*seed=*/0);
//   run_reference(func, args);   // outputs now hold the result
#pragma once

#include <vector>

#include "tessera/ir/function.h"
#include "tessera/runtime/ndarray.h"

namespace tessera {

/// Runs `func` on `args` (one per parameter, matching shape and type). Throws
/// Error naming the block, buffer and indices on any violation.
void run_reference(const PrimFunc& func, std::vector<NDArray>& args);

/// One array per parameter: inputs filled from `seed` (uniform in [-1, 1) for
/// floats, the full range for 8-bit integers, [-64, 64] for wider integers),
/// outputs (parameters the function stores to) filled with NaN, or a fixed
/// poison value for integers.
std::vector<NDArray> make_random_arguments(const PrimFunc& func, uint64_t seed);

/// Parameters the function stores to.
std::vector<bool> written_params(const PrimFunc& func);

}  // namespace tessera
