// MultiLevelTiling: Ansor's tiling sketch. A reduction block with data reuse is tiled
// into the levels of a structure string; each sketch then differs in where the output
// tile is written back (nowhere special, or at one of the write-cache levels).
#include <fmt/format.h>

#include "tessera/ir/annotation_keys.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/support/error.h"
#include "tessera/tune/block_analysis.h"
#include "tessera/tune/builtin_rules.h"

namespace tessera {
namespace {

class MultiLevelTiling : public ScheduleRule {
 public:
  explicit MultiLevelTiling(MultiLevelTilingOptions options = {}) : options_(std::move(options)) {
    const std::string& s = options_.structure;
    if (s.empty() || s.find_first_not_of("SR") != std::string::npos ||
        s.find('S') == std::string::npos) {
      fail("MultiLevelTiling: structure '{}' must be a string of 'S' and 'R' with at least one 'S'",
           s);
    }
    for (int level : options_.write_cache_levels) {
      if (level < 1 || level > static_cast<int>(s.size())) {
        fail("MultiLevelTiling: write cache level {} is outside 1..{} (the levels of '{}')", level,
             s.size(), s);
      }
    }
  }

  std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {
    const ScheduleState::BlockEntry* entry = sch.state().find_block(block);
    if (entry == nullptr || !needs_multi_level_tiling(sch.state(), *entry)) return {sch};
    Schedule s = sch.copy();
    BlockRV b = s.get_block(block);
    std::vector<IterKind> kinds = loop_iter_kinds(*entry);
    std::vector<LoopRV> loops = s.get_loops(b);
    s.annotate(b, annotation_key::kTilingStructure, options_.structure);

    // Which levels each kind of loop is split across.
    std::vector<size_t> spatial_levels, reduce_levels;
    for (size_t k = 0; k < options_.structure.size(); ++k)
      (options_.structure[k] == 'S' ? spatial_levels : reduce_levels).push_back(k);
    std::vector<std::vector<LoopRV>> tiles(options_.structure.size());
    std::vector<LoopRV> untiled;  // reductions when the structure has no 'R' level
    for (size_t k = 0; k < loops.size(); ++k) {
      const std::vector<size_t>& levels =
          kinds[k] == IterKind::kSpatial ? spatial_levels : reduce_levels;
      if (levels.empty()) {
        untiled.push_back(loops[k]);
        continue;
      }
      std::vector<ExprRV> factors = s.sample_perfect_tile(loops[k], static_cast<int>(levels.size()),
                                                          options_.max_innermost_factor);
      std::vector<LoopRV> parts = s.split(loops[k], factors);
      for (size_t p = 0; p < parts.size(); ++p) tiles[levels[p]].push_back(parts[p]);
    }
    std::vector<LoopRV> order;
    for (const auto& level : tiles) order.insert(order.end(), level.begin(), level.end());
    order.insert(order.end(), untiled.begin(), untiled.end());
    s.reorder(order);

    std::vector<Schedule> sketches{s};
    if (!options_.write_cache) return sketches;
    // The output tile written back at each level: by the elementwise consumer fused there,
    // or by a write cache.
    const ScheduleState::BlockEntry* tiled = s.state().find_block(block);
    std::vector<const BlockNode*> consumers = s.state().consumers(tiled->block);
    Schedule base = s.copy();
    BlockRV writer;
    if (consumers.size() == 1 && is_elementwise_consumer(s.state(), consumers[0], tiled->block)) {
      writer = base.get_block(consumers[0]->name);
    } else {
      try {
        writer = base.cache_write(base.get_block(block), 0, "global");
      } catch (const ScheduleError&) {
        return sketches;
      }
    }
    for (int level : options_.write_cache_levels) {
      const std::vector<LoopRV>& at = tiles[static_cast<size_t>(level - 1)];
      if (at.empty()) continue;
      Schedule fused = base.copy();
      try {
        fused.reverse_compute_at(writer, at.back(), /*preserve_unit_loops=*/true);
        sketches.push_back(std::move(fused));
      } catch (const ScheduleError&) {
        // Not a legal place for it: that sketch does not exist.
      }
    }
    return sketches;
  }

 private:
  // A spatial block reading `producer`'s output only at its own iteration point.
  static bool is_elementwise_consumer(const ScheduleState& state, const BlockNode* consumer,
                                      const BlockNode* producer) {
    if (!is_spatial_block(consumer)) return false;
    const ScheduleState::BlockEntry* e = state.find_block(consumer->name);
    if (e == nullptr || !has_trivial_binding(*e)) return false;
    const Buffer& out = producer->writes[0].buffer;
    for (const BufferRegion& r : consumer->reads) {
      if (r.buffer.get() != out.get()) continue;
      if (r.region.size() != consumer->iter_vars.size()) return false;
      for (size_t d = 0; d < r.region.size(); ++d) {
        if (r.region[d].min.as<VarNode>() != consumer->iter_vars[d].var.get()) return false;
      }
    }
    return true;
  }

  MultiLevelTilingOptions options_;
};

}  // namespace

std::shared_ptr<ScheduleRule> make_multi_level_tiling(const MultiLevelTilingOptions& options) {
  return std::make_shared<MultiLevelTiling>(options);
}

TESSERA_REGISTER_COMPONENT(ScheduleRule, MultiLevelTiling,
                           "tiles reductions with data reuse into a structure of spatial/reduction "
                           "levels; branches on where the output tile is written back",
                           parameter_text<MultiLevelTilingOptions>());

}  // namespace tessera
