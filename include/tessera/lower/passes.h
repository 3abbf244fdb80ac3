// The passes that take scheduled block IR to plain loop IR, one file each under
// src/lower/. Each is a function PrimFunc -> PrimFunc that keeps what the program
// computes; lower() (lower.h) runs them in order.
//
//   PrimFunc loops = remove_blocks(lower_init(scheduled));
#pragma once

#include <string>
#include <vector>

#include "tessera/ir/function.h"

namespace tessera {

/// A block's `init` becomes `if (every reduction variable == its domain's minimum) init`
/// at the start of its body; the block keeps no init.
PrimFunc lower_init(const PrimFunc& func);

/// Blocks become the statements they hold: iteration variables are replaced by their
/// bindings, a predicate becomes an `if`, and the buffers a block allocates become
/// Allocate statements around what it holds. Needs lower_init first; refuses blocks
/// with matched sub-buffers.
PrimFunc remove_blocks(const PrimFunc& func);

/// An Allocate moves down to the innermost statement that holds every use of its
/// buffer (through loops, sequences and lets), so that a buffer used inside a parallel
/// loop is private to each iteration and small tiles live next to their use.
PrimFunc place_allocations(const PrimFunc& func);

/// An allocated buffer shrinks to the box its uses touch per execution of its
/// Allocate (constant extents, a minimum that may depend on outer loops); accesses are
/// shifted by that minimum. Buffers with explicit strides (storage_align) keep them.
PrimFunc compact_buffers(const PrimFunc& func);

/// Loops annotated `pragma_loop_partition` 1 are cut into prologue, main part and
/// epilogue where the `if`s inside them (left by non-divisible splits) are decided: in
/// the main part each is provably true, so simplify_loops drops it and inner vectorized
/// loops vectorize; the prologue and epilogue keep the conditions. Runs on loop IR.
PrimFunc partition_loops(const PrimFunc& func);

/// Loops of kind unrolled (and, under `pragma_auto_unroll_max_step` N with
/// `pragma_unroll_explicit` 1, loop nests of at most N steps in all) are replaced by
/// copies of their body, one per iteration.
PrimFunc unroll_loops(const PrimFunc& func);

/// Every buffer, parameters included, becomes one-dimensional: accesses index
/// sum(index[d] * stride[d]) + elem_offset (storage_align's strides or row-major).
/// Runs on loop IR.
PrimFunc flatten_buffers(const PrimFunc& func);

/// Simplifies every expression with the bounds of the loops around it, drops `if`s
/// whose condition is decided, and replaces loops of extent 1 by their body.
PrimFunc simplify_loops(const PrimFunc& func);

/// Vectorized loops with a constant extent become vector expressions (Ramp, Broadcast,
/// vector loads and stores; extents above 64 lanes are cut into a serial loop over
/// vectors). A loop that cannot be (it holds a loop, a condition on its variable, a
/// store every lane would make to one element, a read of what it writes at another
/// index, ...) stays serial with a `scalarized` annotation giving the reason, which is
/// also logged at info level and, when `scalarized` is given, appended to it.
PrimFunc vectorize_loops(const PrimFunc& func, std::vector<std::string>* scalarized = nullptr);

}  // namespace tessera
