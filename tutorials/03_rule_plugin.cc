// Tutorial 3, part 1: a schedule-rule plugin.
//
// A schedule rule looks at one block of a program and returns the sketches it makes of
// it: the schedule unchanged when the rule does not apply, one changed copy, or several
// copies when there is more than one good thing to do. PostOrderApply runs every rule on
// every block, consumers first, so rules compose: this one only has to know about its
// own block.
//
// This rule, ParallelizeOutermost, handles spatial blocks (elementwise operators, copies,
// the padding of a convolution): it fuses the block's first loops into a parallel loop
// of at least `jobs` iterations, or, as a second sketch, leaves them serial (for
// programs too small to pay for threads), and asks the vector postprocessor to vectorize
// the rest, through the typed annotation tessera.vectorize (rules and postprocessors talk
// through the keys in tessera/ir/annotation_keys.h, never ad-hoc strings).
//
// It is built as a shared library (tutorials/meson.build: shared_module) and loaded at
// run time by part 2 (03_load_plugin.cc) or by `tessera space --plugin`.
#include <tessera/tessera.h>

namespace {

using namespace tessera;

class ParallelizeOutermost : public ScheduleRule {
 public:
  // Rules read what they need from the task once: here, the number of cores.
  void initialize(const TuneContext& ctx) override {
    jobs_ = 4 * std::max(1, ctx.target.canonical().num_cores);
  }

  std::vector<Schedule> apply(const Schedule& sch, const std::string& block) override {
    // 1. Does the rule apply? Ask the block analysis (tessera/tune/block_analysis.h).
    const ScheduleState::BlockEntry* entry = sch.state().find_block(block);
    if (entry == nullptr || !is_spatial_block(entry->block) || entry->loops.size() < 2)
      return {sch};
    size_t count = parallelizable_loops(sch.state(), *entry, jobs_);
    if (count == 0 || count == entry->loops.size()) return {sch};

    // 2. Work on copies: `sch` belongs to the space generator and to other sketches.
    Schedule parallel = sch.copy();
    BlockRV b = parallel.get_block(block);
    std::vector<LoopRV> loops = parallel.get_loops(b);
    std::vector<LoopRV> outer(loops.begin(), loops.begin() + static_cast<std::ptrdiff_t>(count));
    parallel.parallel(outer.size() == 1 ? outer[0] : parallel.fuse(outer));
    parallel.annotate(b, annotation_key::kVectorize, int64_t{64});

    Schedule serial = sch.copy();
    serial.annotate(serial.get_block(block), annotation_key::kVectorize, int64_t{64});

    // 3. Two sketches: the search measures samples of both and keeps what is faster.
    return {parallel, serial};
  }

 private:
  int64_t jobs_ = 4;
};

}  // namespace

// The plugin's one entry point: tessera calls it to learn the ABI version this file was
// compiled for and, if it matches, to collect the entries (tessera/tune/plugin.h).
TESSERA_PLUGIN(registrar) {
  registrar.add<ScheduleRule, ParallelizeOutermost>(
      "ParallelizeOutermost",
      "tutorial: parallel outer loops (or not) and vectorized inner loops for spatial blocks",
      "jobs=4 * cores");
}
