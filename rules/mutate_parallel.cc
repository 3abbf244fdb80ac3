// MutateParallel: how many outer loops are fused into the parallel loop is decided by
// the tessera.parallel limit and the sampled tile sizes together; this mutator replays
// the trace, finds the limits that would fuse a different number of loops of the block,
// and writes one of them into the annotation.
#include <set>

#include "tessera/ir/annotation_keys.h"
#include "tessera/schedule/schedule.h"
#include "tessera/support/error.h"
#include "tessera/tune/block_analysis.h"
#include "tessera/tune/builtin_mutators.h"
#include "trace_queries.h"

namespace tessera {
namespace {

using namespace trace_queries;

class MutateParallel : public Mutator {
 public:
  explicit MutateParallel(int max_jobs_per_core = MutateParallelOptions{}.max_jobs_per_core)
      : max_jobs_per_core_(max_jobs_per_core) {}

  void initialize(const TuneContext& ctx) override {
    func_ = ctx.workload.func;
    max_parallel_ =
        static_cast<int64_t>(std::max(1, ctx.target.canonical().num_cores)) * max_jobs_per_core_;
  }

  std::optional<Trace> apply(const Trace& trace, Random& rng) override {
    if (!func_.defined()) fail("MutateParallel: not initialized with a tuning context");
    std::vector<size_t> annotations;
    for (size_t i : instructions_of(trace, "Annotate")) {
      const Instruction& inst = trace.insts()[i];
      if (inst.attrs[0] == annotation_key::kParallel && inst.inputs.size() == 2 &&
          std::holds_alternative<int64_t>(inst.inputs[1]) &&
          std::holds_alternative<BlockRV>(inst.inputs[0])) {
        annotations.push_back(i);
      }
    }
    if (annotations.empty()) return std::nullopt;
    const size_t index = annotations[static_cast<size_t>(
        rng.uniform_int(0, static_cast<int64_t>(annotations.size())))];
    const Instruction& inst = trace.insts()[index];
    std::optional<std::string> block = block_name(trace, std::get<BlockRV>(inst.inputs[0]));
    if (!block) return std::nullopt;
    Schedule sch(func_, 0, /*traced=*/false);
    try {
      trace.apply(sch, /*remove_postproc=*/true);
    } catch (const Error&) {
      return std::nullopt;
    }
    const ScheduleState::BlockEntry* e = sch.state().find_block(*block);
    if (e == nullptr) return std::nullopt;
    const int64_t current = std::get<int64_t>(inst.inputs[1]);
    const size_t fused_now = parallelizable_loops(sch.state(), *e, current);
    // Each prefix product is a limit that fuses exactly that prefix.
    std::vector<int64_t> limits;
    std::set<size_t> seen{fused_now};
    int64_t product = 1;
    for (size_t k = 0; k < e->loops.size(); ++k) {
      std::optional<int64_t> extent = constant_extent(e->loops[k]);
      if (!extent) break;
      product *= *extent;
      if (product > max_parallel_) break;
      const size_t fused = parallelizable_loops(sch.state(), *e, product);
      if (seen.insert(fused).second) limits.push_back(product);
    }
    if (limits.empty()) return std::nullopt;
    std::vector<InstInput> inputs = inst.inputs;
    inputs[1] =
        limits[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(limits.size())))];
    return trace.with_inputs(index, std::move(inputs));
  }

 private:
  int max_jobs_per_core_;
  int64_t max_parallel_ = 16;
  PrimFunc func_;
};

}  // namespace

std::shared_ptr<Mutator> make_mutate_parallel(const MutateParallelOptions& options) {
  return std::make_shared<MutateParallel>(options.max_jobs_per_core);
}

TESSERA_REGISTER_COMPONENT(Mutator, MutateParallel,
                           "changes a block's parallel limit so that a different number of outer "
                           "loops is fused and parallelized",
                           parameter_text<MutateParallelOptions>());

}  // namespace tessera
