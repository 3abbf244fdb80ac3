#include "tessera/tune/defaults.h"

#include "tessera/support/error.h"
#include "tessera/tune/space_generator.h"

namespace tessera {

namespace {

void check_cpu(const Target& target) {
  if (target.kind != "llvm" && target.kind != "c")
    fail("no default design space for target '{}' (llvm and c have one)", target.str());
}

}  // namespace

std::vector<std::shared_ptr<ScheduleRule>> default_schedule_rules(const Target& target) {
  check_cpu(target);
  std::vector<std::shared_ptr<ScheduleRule>> rules;
  for (const char* name :
       {"AutoInline", "AddRFactor", "MultiLevelTiling", "ParallelizeVectorizeUnroll",
        "LoopPartition", "RandomComputeLocation"}) {
    rules.push_back(make_component<ScheduleRule>(name));
  }
  return rules;
}

std::vector<std::shared_ptr<Postproc>> default_postprocs(const Target& target) {
  check_cpu(target);
  std::vector<std::shared_ptr<Postproc>> postprocs;
  for (const char* name : {"DisallowDynamicLoop", "RewriteParallelVectorizeUnroll",
                           "RewriteReductionBlock", "VerifyInBounds"}) {
    postprocs.push_back(make_component<Postproc>(name));
  }
  return postprocs;
}

std::vector<std::pair<std::shared_ptr<Mutator>, double>> default_mutators(const Target& target) {
  check_cpu(target);
  return {{make_component<Mutator>("MutateTileSize"), 0.9},
          {make_component<Mutator>("MutateComputeLocation"), 0.05},
          {make_component<Mutator>("MutateUnroll"), 0.03},
          {make_component<Mutator>("MutateParallel"), 0.02}};
}

void fill_defaults(TuneContext& ctx) {
  if (!ctx.space_generator) ctx.space_generator = std::make_shared<PostOrderApply>();
  if (ctx.postprocs.empty()) ctx.postprocs = default_postprocs(ctx.target);
  if (ctx.mutators.empty()) ctx.mutators = default_mutators(ctx.target);
  for (const auto& p : ctx.postprocs) p->initialize(ctx);
  for (const auto& [m, probability] : ctx.mutators) m->initialize(ctx);
}

}  // namespace tessera
