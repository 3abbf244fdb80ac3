// lower(): scheduled block IR to plain loop IR, the input of the code generators.
// The passes (passes.h) run in this order: place_allocations, compact_buffers,
// lower_init, remove_blocks, partition_loops, unroll_loops, flatten_buffers, simplify_loops, vectorize_loops. With a dump stream, the
// program is printed after each pass under a header naming it (`--dump-after-each`).
//
//   PrimFunc loops = lower(sch.func());
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/support/target.h"

namespace tessera {

struct LoweringPass {
  std::string name;
  std::function<PrimFunc(const PrimFunc&)> run;
};

/// The passes lower() runs, in order.
const std::vector<LoweringPass>& lowering_passes();

struct LowerOptions {
  std::ostream* dump_after_each = nullptr;  // print the program after every pass
  /// Off for the C backend, which leaves vectorized loops (`#pragma omp simd`) to the C compiler.
  bool vectorize = true;
};

PrimFunc lower(const PrimFunc& func, const LowerOptions& options = {});
/// For `target`: vector code for llvm, vectorized loops left to the C compiler for c.
PrimFunc lower(const PrimFunc& func, const Target& target, LowerOptions options = {});

}  // namespace tessera
