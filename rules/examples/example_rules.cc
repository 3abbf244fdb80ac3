// example_rules: a complete tessera plugin. It adds one schedule rule and one design
// space; build it with the meson.build next to it (against the installed tessera) and
// load it with `--plugin libexample_rules.so` or by putting it in a directory named by
// $TESSERA_PLUGIN_PATH. docs/tutorials/03 walks through it.
#include <tessera/tessera.h>

namespace {

using namespace tessera;

// TileInnermostByVector: splits the innermost loop of every spatial block by a sampled
// multiple of 8 that divides it, and marks the inner part to be vectorized, a small
// rule that shows the three things every rule does: decide whether it applies, work on
// a copy of the schedule, and leave the numbers to sampling instructions.
class TileInnermostByVector : public ScheduleRule {
 public:
  std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {
    const ScheduleState::BlockEntry* entry = sch.state().find_block(block);
    if (entry == nullptr || entry->loops.empty() || !is_spatial_block(entry->block)) return {sch};
    std::optional<int64_t> extent = constant_extent(entry->loops.back());
    if (!extent) return {sch};
    std::vector<int64_t> factors;
    for (int64_t f : {8, 16, 32}) {
      if (*extent % f == 0) factors.push_back(f);
    }
    if (factors.empty()) return {sch};
    Schedule s = sch.copy();
    std::vector<LoopRV> loops = s.get_loops(s.get_block(block));
    ExprRV factor = s.sample_categorical(
        factors, std::vector<double>(factors.size(), 1.0 / static_cast<double>(factors.size())));
    std::vector<LoopRV> parts = s.split(loops.back(), {std::nullopt, factor});
    s.vectorize(parts[1]);
    return {s};
  }
};

// A handwritten design space for 'gemm': the j loop split by a sampled factor, vectorized.
void example_gemm_space(Schedule& sch) {
  BlockRV c = sch.get_block("C");
  std::vector<LoopRV> loops = sch.get_loops(c);
  std::vector<ExprRV> tile = sch.sample_perfect_tile(loops[1], 2, 32);
  std::vector<LoopRV> j = sch.split(loops[1], tile);
  sch.reorder({loops[0], j[0], loops[2], j[1]});
  sch.parallel(loops[0]);
  sch.vectorize(j[1]);
}

}  // namespace

TESSERA_PLUGIN(registrar) {
  registrar.add<tessera::ScheduleRule, TileInnermostByVector>(
      "TileInnermostByVector",
      "example plugin: splits a spatial block's innermost loop by a sampled multiple of 8 and "
      "vectorizes it",
      "factors=[8, 16, 32] (those dividing the extent)");
  registrar.add_space("example_gemm_space",
                      "example plugin: GEMM with a sampled, vectorized j tile", example_gemm_space);
}
