// The design space a target gets when the user names nothing else: Ansor's CPU sketch
// rules, the postprocessors that finish and check a sample, and the mutators with their
// probabilities. `tessera rules` lists each component with its parameters.
//
//   TuneContext ctx(workloads::get("C2D:1"), Target::host());
//   fill_defaults(ctx);                       // PostOrderApply + the lists below
//   std::vector<Schedule> sketches = ctx.generate_design_space();
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "tessera/support/target.h"
#include "tessera/tune/mutator.h"
#include "tessera/tune/postproc.h"
#include "tessera/tune/schedule_rule.h"
#include "tessera/tune/tune_context.h"

namespace tessera {

/// AutoInline, AddRFactor, MultiLevelTiling, ParallelizeVectorizeUnroll,
/// LoopPartition, RandomComputeLocation (each with its registered defaults), in this order
/// (a block the sampled compute location inlines must not be needed by a later rule).
std::vector<std::shared_ptr<ScheduleRule>> default_schedule_rules(const Target& target);
/// DisallowDynamicLoop, RewriteParallelVectorizeUnroll, RewriteReductionBlock, VerifyInBounds.
std::vector<std::shared_ptr<Postproc>> default_postprocs(const Target& target);
/// MutateTileSize 0.9, MutateComputeLocation 0.05, MutateUnroll 0.03, MutateParallel 0.02.
std::vector<std::pair<std::shared_ptr<Mutator>, double>> default_mutators(const Target& target);
/// Fills what `ctx` leaves unset: the space generator (PostOrderApply with the default
/// rules), the postprocessors and the mutators; then initializes the postprocessors and
/// mutators with the context.
void fill_defaults(TuneContext& ctx);

}  // namespace tessera
