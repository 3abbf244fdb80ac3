// ParallelizeVectorizeUnroll: records how much parallelism, vector width and unrolling a
// block may get, as annotations; RewriteParallelVectorizeUnroll (a postprocessor) picks
// the loops once the tile sizes are sampled, since which loops qualify depends on them.
#include "tessera/ir/annotation_keys.h"
#include "tessera/support/error.h"
#include "tessera/tune/block_analysis.h"
#include "tessera/tune/builtin_rules.h"

namespace tessera {
namespace {

class ParallelizeVectorizeUnroll : public ScheduleRule {
 public:
  explicit ParallelizeVectorizeUnroll(ParallelizeVectorizeUnrollOptions options = {})
      : options_(std::move(options)) {
    for (int64_t step : options_.unroll_max_steps) {
      if (step < 0) fail("ParallelizeVectorizeUnroll: unroll step {} is negative", step);
    }
  }

  void initialize(const TuneContext& ctx) override {
    cores_ = std::max(1, ctx.target.canonical().num_cores);
  }

  std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {
    const ScheduleState::BlockEntry* entry = sch.state().find_block(block);
    if (entry == nullptr || entry->scope != sch.state().root_block()) return {sch};
    Schedule s = sch.copy();
    std::vector<std::string> blocks{block};
    // An rfactor block made by AddRFactor is not visited by the space generator: it goes
    // with the block it feeds.
    if (entry->block->annotations.count(annotation_key::kRandomComputeProducer) != 0) {
      for (const BlockNode* p : sch.state().producers(entry->block)) {
        if (sch.state().find_block(p->name)->scope == sch.state().root_block())
          blocks.push_back(p->name);
      }
    }
    std::optional<ExprRV> unroll;
    for (const std::string& name : blocks) {
      BlockRV b = s.get_block(name);
      if (options_.max_jobs_per_core > 0)
        s.annotate(b, annotation_key::kParallel, int64_t{cores_ * options_.max_jobs_per_core});
      if (options_.max_vectorize_extent > 0)
        s.annotate(b, annotation_key::kVectorize, options_.max_vectorize_extent);
      if (options_.unroll_max_steps.empty() || is_spatial_block(s.state().find_block(name)->block))
        continue;
      if (!unroll) {
        std::vector<double> uniform(options_.unroll_max_steps.size(),
                                    1.0 / static_cast<double>(options_.unroll_max_steps.size()));
        unroll = s.sample_categorical(options_.unroll_max_steps, uniform);
      }
      s.annotate(b, annotation_key::kUnroll, *unroll);
    }
    return {s};
  }

 private:
  ParallelizeVectorizeUnrollOptions options_;
  int cores_ = 1;
};

}  // namespace

std::shared_ptr<ScheduleRule> make_parallelize_vectorize_unroll(
    const ParallelizeVectorizeUnrollOptions& options) {
  return std::make_shared<ParallelizeVectorizeUnroll>(options);
}

TESSERA_REGISTER_COMPONENT(ScheduleRule, ParallelizeVectorizeUnroll,
                           "annotates top-level blocks with parallel and vector limits and a "
                           "sampled unroll step (see RewriteParallelVectorizeUnroll)",
                           parameter_text<ParallelizeVectorizeUnrollOptions>());

}  // namespace tessera
