#include "tessera/lower/lower.h"

#include <fmt/format.h>

#include "tessera/ir/printer.h"
#include "tessera/lower/passes.h"
#include "tessera/support/error.h"

namespace tessera {

const std::vector<LoweringPass>& lowering_passes() {
  // Allocation placement and compaction read the blocks' regions and reduction loops,
  // so they run before the blocks go.
  using S = LoweringStage;
  static const std::vector<LoweringPass> kPasses = {
      {S::kPlaceAllocations, "place_allocations", place_allocations},
      {S::kCompactBuffers, "compact_buffers", compact_buffers},
      {S::kLowerInit, "lower_init", lower_init},
      {S::kRemoveBlocks, "remove_blocks", remove_blocks},
      {S::kPartitionLoops, "partition_loops", partition_loops},
      {S::kUnrollLoops, "unroll_loops", unroll_loops},
      {S::kFlattenBuffers, "flatten_buffers", flatten_buffers},
      {S::kSimplifyLoops, "simplify_loops", simplify_loops},
      {S::kVectorizeLoops, "vectorize_loops", [](const PrimFunc& f) { return vectorize_loops(f); }},
  };
  return kPasses;
}

PrimFunc lower(const PrimFunc& func, const LowerOptions& options) {
  PrimFunc f = func;
  for (const LoweringPass& pass : lowering_passes()) {
    if (pass.stage > options.stop_after) break;
    if (pass.stage == LoweringStage::kVectorizeLoops && !options.vectorize) continue;
    try {
      f = pass.run(f);
    } catch (const Error& e) {
      fail("while lowering '{}', pass {}: {}", func->name, pass.name, e.message());
    }
    if (options.dump_after_each != nullptr)
      *options.dump_after_each << fmt::format("// after {}\n{}\n", pass.name, print(f));
  }
  return f;
}

PrimFunc lower(const PrimFunc& func, const Target& target, LowerOptions options) {
  options.vectorize = target.kind == "llvm";
  return lower(func, options);
}

}  // namespace tessera
