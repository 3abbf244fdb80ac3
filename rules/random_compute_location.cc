// RandomComputeLocation: where a producer is computed (under which loop of its consumer,
// at the top, or inlined) trades locality against recomputation; the rule leaves it to
// sampling. Tiled blocks keep their place: their consumers come to them instead.
#include "tessera/ir/annotation_keys.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/tune/block_analysis.h"
#include "tessera/tune/builtin_rules.h"

namespace tessera {
namespace {

class RandomComputeLocation : public ScheduleRule {
 public:
  std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {
    const ScheduleState::BlockEntry* entry = sch.state().find_block(block);
    if (entry == nullptr) return {sch};
    const bool takes_producer =
        entry->block->annotations.count(annotation_key::kRandomComputeProducer) != 0;
    if (!movable(sch, *entry) && !takes_producer) return {sch};
    Schedule s = sch.copy();
    std::vector<std::string> producers;
    if (takes_producer) {
      s.unannotate(s.get_block(block), annotation_key::kRandomComputeProducer);
      for (const BlockNode* p : s.state().producers(entry->block)) producers.push_back(p->name);
    }
    if (movable(s, *s.state().find_block(block))) place(s, block);
    for (const std::string& p : producers) {
      const ScheduleState::BlockEntry* pe = s.state().find_block(p);
      if (pe != nullptr && movable(s, *pe)) place(s, p);
    }
    return {s};
  }

 private:
  // At the top of the function, in a loop nest of its own, untiled, with a consumer.
  static bool movable(const Schedule& sch, const ScheduleState::BlockEntry& e) {
    if (e.scope != sch.state().root_block() || e.loops.empty() || is_tiled(e.block)) return false;
    if (sch.state().child_blocks(e.loops.front()).size() != 1) return false;
    return !sch.state().consumers(e.block).empty();
  }

  static void place(Schedule& s, const std::string& block) {
    BlockRV b = s.get_block(block);
    LoopRV location = s.sample_compute_location(b);
    s.compute_at(b, location, /*preserve_unit_loops=*/true);
  }
};

}  // namespace

std::shared_ptr<ScheduleRule> make_random_compute_location() {
  return std::make_shared<RandomComputeLocation>();
}

TESSERA_REGISTER_COMPONENT(ScheduleRule, RandomComputeLocation,
                           "computes untiled producers at a sampled location: a loop of their "
                           "consumer, where they are, or inlined",
                           "");

}  // namespace tessera
