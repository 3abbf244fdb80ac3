// LoopPartition: a loop whose extent is not a multiple of the vector length cannot be
// vectorized as a whole without a condition in every iteration. Splitting it by a
// multiple of the vector length and marking the outer loop pragma_loop_partition lets
// lowering peel the tail off, so the main part vectorizes without conditions.
#include "tessera/ir/annotation_keys.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/support/error.h"
#include "tessera/tune/block_analysis.h"
#include "tessera/tune/builtin_rules.h"

namespace tessera {
namespace {

class LoopPartition : public ScheduleRule {
 public:
  explicit LoopPartition(LoopPartitionOptions options = {}) : options_(std::move(options)) {
    if (options_.vector_multiples.empty()) fail("LoopPartition: vector_multiples is empty");
    for (int64_t m : options_.vector_multiples) {
      if (m < 1) fail("LoopPartition: vector multiple {} is not positive", m);
    }
  }

  void initialize(const TuneContext& ctx) override {
    vector_bytes_ = ctx.target.facts().vector_register_bytes;
  }

  std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {
    const ScheduleState::BlockEntry* entry = sch.state().find_block(block);
    if (entry == nullptr || entry->loops.empty() || is_tiled(entry->block) ||
        !is_spatial_block(entry->block))
      return {sch};
    if (entry->block->writes.size() != 1) return {sch};
    const ForNode* inner = entry->loops.back();
    if (inner->body.get() != entry->realize) return {sch};  // the block alone in it
    std::optional<int64_t> extent = constant_extent(inner);
    const int64_t element_bytes =
        std::max<int64_t>(1, entry->block->writes[0].buffer->dtype.bytes());
    const int64_t lanes = std::max<int64_t>(1, vector_bytes_ / element_bytes);
    if (!extent || *extent <= lanes || *extent % lanes == 0) return {sch};
    for (const std::optional<int64_t>& step : access_steps(sch.state(), inner)) {
      if (!step || (*step != 0 && *step != 1)) return {sch};
    }
    std::vector<int64_t> candidates;
    for (int64_t m : options_.vector_multiples) {
      if (lanes * m < *extent) candidates.push_back(lanes * m);
    }
    Schedule s = sch.copy();
    try {
      std::vector<LoopRV> loops = s.get_loops(s.get_block(block));
      FactorArg factor = candidates.front();
      if (candidates.size() > 1) {
        std::vector<double> uniform(candidates.size(),
                                    1.0 / static_cast<double>(candidates.size()));
        factor = s.sample_categorical(candidates, uniform);
      }
      std::vector<LoopRV> parts = s.split(loops.back(), {std::nullopt, factor});
      s.annotate(parts[0], annotation_key::kLoopPartition, int64_t{1});
    } catch (const ScheduleError&) {
      return {sch};
    }
    return {s};
  }

 private:
  LoopPartitionOptions options_;
  int vector_bytes_ = 32;
};

}  // namespace

std::shared_ptr<ScheduleRule> make_loop_partition(const LoopPartitionOptions& options) {
  return std::make_shared<LoopPartition>(options);
}

TESSERA_REGISTER_COMPONENT(
    ScheduleRule, LoopPartition,
    "splits a spatial block's innermost loop by a sampled multiple of the vector length and marks "
    "it for partitioning, so the main part vectorizes",
    parameter_text<LoopPartitionOptions>());

}  // namespace tessera
