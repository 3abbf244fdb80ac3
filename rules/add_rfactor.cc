// AddRFactor: a reduction with little spatial parallelism (a norm, a row sum of a short
// matrix) keeps the cores idle however it is tiled; factoring the reduction (rfactor)
// makes part of it spatial. The rule branches: rfactor over the outer or the inner part
// of the split reduction, or nothing.
#include <fmt/format.h>

#include "tessera/ir/annotation_keys.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/tune/block_analysis.h"
#include "tessera/tune/builtin_rules.h"

namespace tessera {
namespace {

class AddRFactor : public ScheduleRule {
 public:
  explicit AddRFactor(AddRFactorOptions options = {}) : options_(options) {}

  void initialize(const TuneContext& ctx) override {
    cores_ = std::max(1, ctx.target.canonical().num_cores);
  }

  std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {
    const ScheduleState::BlockEntry* entry = sch.state().find_block(block);
    if (entry == nullptr || is_tiled(entry->block) || !sch.state().is_reduction(*entry) ||
        !has_trivial_binding(*entry) || !is_perfect_nest(*entry)) {
      return {sch};
    }
    std::vector<IterKind> kinds = loop_iter_kinds(*entry);
    int64_t spatial = 1, reduce = 1;
    size_t num_spatial = 0;
    for (size_t k = 0; k < kinds.size(); ++k) {
      int64_t extent = *constant_extent(entry->loops[k]);  // trivial binding: constant
      if (kinds[k] == IterKind::kSpatial) {
        spatial *= extent;
        ++num_spatial;
      } else {
        reduce *= extent;
      }
    }
    if (num_spatial == kinds.size() || reduce <= 1) return {sch};
    const int64_t max_parallel = static_cast<int64_t>(cores_) * options_.max_jobs_per_core;
    if (needs_multi_level_tiling(sch.state(), *entry) &&
        (spatial >= reduce || spatial > max_parallel))
      return {sch};

    Schedule s = sch.copy();
    BlockRV b = s.get_block(block);
    // rfactor takes a loop feeding one reduction variable: with several, the block's
    // iteration space is first remapped to the spatial variables and one fused reduction.
    if (num_spatial + 1 != kinds.size() || kinds.back() != IterKind::kReduce) {
      std::vector<std::string> inputs, spatial_outputs;
      std::string fused_reduction;
      for (size_t k = 0; k < kinds.size(); ++k) {
        std::string v = fmt::format("v{}", k);
        inputs.push_back(v);
        if (kinds[k] == IterKind::kSpatial) {
          spatial_outputs.push_back(v);
        } else {
          const int64_t extent = *constant_extent(entry->loops[k]);
          fused_reduction = fused_reduction.empty()
                                ? v
                                : fmt::format("({}) * {} + {}", fused_reduction, extent, v);
        }
      }
      spatial_outputs.push_back(fused_reduction);
      try {
        s.transform_block_layout(
            b, IndexMap::parse(fmt::format("({}) -> ({})", fmt::join(inputs, ", "),
                                           fmt::join(spatial_outputs, ", "))));
      } catch (const ScheduleError&) {
        return {sch};
      }
    }
    LoopRV fused = s.get_loops(b).back();
    std::vector<ExprRV> factors = s.sample_perfect_tile(fused, 2, options_.max_innermost_factor);
    std::vector<LoopRV> parts = s.split(fused, factors);

    std::vector<Schedule> sketches;
    const int64_t factor_axis =
        std::min<int64_t>(static_cast<int64_t>(num_spatial),
                          static_cast<int64_t>(entry->block->writes[0].buffer->shape.size()));
    for (const LoopRV& part : parts) {
      Schedule r = s.copy();
      try {
        r.rfactor(part, factor_axis);
        r.annotate(r.get_block(block), annotation_key::kRandomComputeProducer, int64_t{1});
        sketches.push_back(std::move(r));
      } catch (const ScheduleError&) {
        // This part cannot be factored out (the other may).
      }
    }
    sketches.push_back(sch);
    return sketches;
  }

 private:
  AddRFactorOptions options_;
  int cores_ = 1;
};

}  // namespace

std::shared_ptr<ScheduleRule> make_add_rfactor(const AddRFactorOptions& options) {
  return std::make_shared<AddRFactor>(options);
}

TESSERA_REGISTER_COMPONENT(ScheduleRule, AddRFactor,
                           "factors reductions with little spatial parallelism (rfactor over "
                           "either part of the split reduction, or not)",
                           parameter_text<AddRFactorOptions>());

}  // namespace tessera
