// Region inference: which part of a buffer the blocks under a statement read or
// write, in terms of the loops outside that statement. This is the question
// compute_at asks ("what must the producer compute per iteration of this loop?")
// and reverse_compute_at asks in the other direction ("what has been produced?").
//
//   // the region of `pad` that the blocks inside loop L's body read, per iteration of L:
//   std::vector<IntSet> need = touched_region(loop->body, pad, AccessKind::kRead, az);
#pragma once

#include <vector>

#include "tessera/arith/int_set.h"
#include "tessera/ir/stmt.h"

namespace tessera {

enum class AccessKind { kRead, kWrite };

/// Union over every block realized under `stmt` of its `kind` regions of `buffer`,
/// with block bindings substituted and every loop inside `stmt` (including `stmt`
/// itself when it is a loop) relaxed over its range. One IntSet per dimension;
/// empty if no block under `stmt` touches the buffer. `az` should know the ranges
/// of the loops outside `stmt`.
std::vector<IntSet> touched_region(const Stmt& stmt, const Buffer& buffer, AccessKind kind,
                                   Analyzer& az);

/// The regions a statement (a block body) loads from (kRead) or stores to (kWrite),
/// one per buffer in order of first access, each dimension the hull of the indices
/// used: exact when the indices are comparable (A[vi], A[vi + 2] gives A[vi:+3]),
/// else the constant hull over the ranges `az` knows. Buffers in `exclude` are skipped.
std::vector<BufferRegion> infer_access_regions(const Stmt& body, AccessKind kind, Analyzer& az,
                                               const std::vector<Buffer>& exclude = {});
std::vector<BufferRegion> infer_access_regions(const Expr& value, Analyzer& az);

/// The sets as Ranges (min, extent); throws Error naming the dimension if one is unbounded.
std::vector<Range> to_ranges(const std::vector<IntSet>& region, Analyzer& az);

}  // namespace tessera
