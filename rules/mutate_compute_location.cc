// MutateComputeLocation: moves one sampled compute location to another legal one. The
// trace is replayed up to the sampling instruction and every location is tried there,
// so the mutated trace replays.
#include "tessera/schedule/schedule.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/support/error.h"
#include "tessera/tune/block_analysis.h"
#include "tessera/tune/builtin_mutators.h"
#include "trace_queries.h"

namespace tessera {
namespace {

using namespace trace_queries;

class MutateComputeLocation : public Mutator {
 public:
  void initialize(const TuneContext& ctx) override { func_ = ctx.workload.func; }

  std::optional<Trace> apply(const Trace& trace, Random& rng) override {
    if (!func_.defined()) fail("MutateComputeLocation: not initialized with a tuning context");
    std::vector<size_t> samples;
    for (size_t i : instructions_of(trace, "SampleComputeLocation")) {
      if (trace.decision(i) != nullptr &&
          block_name(trace, std::get<BlockRV>(trace.insts()[i].inputs[0])))
        samples.push_back(i);
    }
    if (samples.empty()) return std::nullopt;
    const size_t index =
        samples[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(samples.size())))];
    const std::string block = *block_name(trace, std::get<BlockRV>(trace.insts()[index].inputs[0]));
    const int64_t current = trace.decision(index)->get<int64_t>();
    Schedule sch(func_, 0, /*traced=*/false);
    try {
      trace.prefix(index).apply(sch);
    } catch (const Error&) {
      return std::nullopt;
    }
    const ScheduleState::BlockEntry* e = sch.state().find_block(block);
    if (e == nullptr) return std::nullopt;
    std::vector<const BlockNode*> consumers = sch.state().consumers(e->block);
    const int64_t loops =
        consumers.empty()
            ? 0
            : static_cast<int64_t>(sch.state().find_block(consumers[0]->name)->loops.size());
    std::vector<int64_t> legal;
    for (int64_t d = -2; d < loops; ++d) {
      if (d == current) continue;
      Schedule trial = sch.copy();
      try {
        trial.sample_compute_location(trial.get_block(block), d);
        legal.push_back(d);
      } catch (const ScheduleError&) {}
    }
    if (legal.empty()) return std::nullopt;
    return trace.with_decision(
        index, legal[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(legal.size())))]);
  }

 private:
  PrimFunc func_;
};

}  // namespace

std::shared_ptr<Mutator> make_mutate_compute_location() {
  return std::make_shared<MutateComputeLocation>();
}

TESSERA_REGISTER_COMPONENT(Mutator, MutateComputeLocation,
                           "moves one sampled compute location to another legal location", "");

}  // namespace tessera
