// lower(): scheduled block IR to plain loop IR, the input of the code generators.
// The passes (passes.h) run in this order: place_allocations, compact_buffers,
// lower_init, remove_blocks, partition_loops, unroll_loops, flatten_buffers, simplify_loops,
// vectorize_loops. With a dump stream, the program is printed after each pass under a header naming
// it (`--dump-after-each`). Analyses that need the program part-way (bounds checks before
// unrolling, features before partitioning) stop after a named stage instead of running passes
// themselves.
//
//   PrimFunc loops = lower(sch.func());
//   PrimFunc blocks_gone = lower(sch.func(), {.stop_after = LoweringStage::kRemoveBlocks});
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/support/target.h"

namespace tessera {

/// The stages of lowering, in the order their passes run; each is named after its pass.
/// A new pass (tensor intrinsics, GPU thread binding) is a new stage here.
enum class LoweringStage {
  kPlaceAllocations,
  kCompactBuffers,
  kLowerInit,
  kRemoveBlocks,
  kPartitionLoops,
  kUnrollLoops,
  kFlattenBuffers,
  kSimplifyLoops,
  kVectorizeLoops,  // the last: lower() runs everything by default
};

struct LoweringPass {
  LoweringStage stage;
  std::string name;  // "remove_blocks": what --dump-after-each prints
  std::function<PrimFunc(const PrimFunc&)> run;
};

/// The passes lower() runs, in order.
const std::vector<LoweringPass>& lowering_passes();

struct LowerOptions {
  LoweringStage stop_after = LoweringStage::kVectorizeLoops;
  std::ostream* dump_after_each = nullptr;  // print the program after every pass
  /// Off for the C backend, which leaves vectorized loops (`#pragma omp simd`) to the C compiler.
  bool vectorize = true;
};

PrimFunc lower(const PrimFunc& func, const LowerOptions& options = {});
/// For `target`: vector code for llvm, vectorized loops left to the C compiler for c.
PrimFunc lower(const PrimFunc& func, const Target& target, LowerOptions options = {});

}  // namespace tessera
