// SampleComputeLocation: where to compute a block, drawn uniformly from the legal
// locations: the loops of its first consumer where compute_at succeeds, the root
// (leave it), and inline when compute_inline succeeds. Decision: the consumer-loop
// index, -1 for root, -2 for inline.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct SampleComputeLocationTraits : InstructionTraitsBase {
  static constexpr const char* kName = "SampleComputeLocation";
  static constexpr const char* kMethod = "sample_compute_location";
  static constexpr bool kPure = true;
  static constexpr bool kSampler = true;
  static constexpr std::array<const char*, 2> kArguments = {"block", "decision"};
  static LoopRV apply(Schedule& sch, const BlockRV& block, const Decision<int64_t>& decision) {
    return sch.sample_compute_location(block, decision.value);
  }
};
const InstructionRegistration registration = register_instruction<SampleComputeLocationTraits>();
}  // namespace

LoopRV Schedule::sample_compute_location(const BlockRV& block_rv, std::optional<int64_t> decision) {
  const BlockNode* b = get(block_rv);
  std::vector<Var> loop_vars;
  std::vector<const BlockNode*> consumers = state().consumers(b);
  if (!consumers.empty()) {
    for (const ForNode* loop : state_.find_block(consumers[0]->name)->loops)
      loop_vars.push_back(loop->loop_var);
  }
  // Legality is tested on untraced copies: a failed attempt changes nothing here. Each
  // test rewrites the program, so as few are made as the answer needs.
  auto legal = [&](int64_t location) {
    if (location == -1) return true;
    if (location < -2 || location >= static_cast<int64_t>(loop_vars.size())) return false;
    Schedule trial = *this;
    trial.trace_.reset();
    try {
      if (location == -2) {
        trial.compute_inline(block_rv);
      } else {
        LoopRV l = ScheduleAccess::new_loop_rv(trial, loop_vars[static_cast<size_t>(location)]);
        move_block_under_loop(trial, "compute_at", block_rv, l, false, false);
      }
      return true;
    } catch (const ScheduleError&) {
      return false;
    }
  };
  std::vector<int64_t> locations{-2, -1};  // inline, root, then the consumer's loops
  for (size_t k = 0; k < loop_vars.size(); ++k) locations.push_back(static_cast<int64_t>(k));
  int64_t choice;
  if (decision && legal(*decision)) {
    choice = *decision;
  } else if (decision) {
    std::vector<int64_t> valid;
    for (int64_t location : locations) {
      if (legal(location)) valid.push_back(location);
    }
    if (mode_ == ReplayMode::kStrict) {
      schedule_fail(*this, "sample_compute_location",
                    fmt::format("decision {} is not a legal location of block '{}' (legal: {})",
                                *decision, b->name, fmt::join(valid, ", ")),
                    b);
    }
    // The nearest earlier legal loop, else the root.
    choice = -1;
    for (int64_t v : valid) {
      if (v >= 0 && v < *decision) choice = v;
    }
  } else {
    // Uniform over the legal locations: the first legal one of a uniformly random order.
    // The root is always legal, so this ends, usually after a few tests.
    for (size_t i = 0;; ++i) {
      const size_t j =
          i + static_cast<size_t>(rng_.uniform_int(0, static_cast<int64_t>(locations.size() - i)));
      std::swap(locations[i], locations[j]);
      if (legal(locations[i])) {
        choice = locations[i];
        break;
      }
    }
  }
  LoopRV out;
  if (choice >= 0) {
    out = new_loop_rv(loop_vars[static_cast<size_t>(choice)]);
  } else {
    out = LoopRV{next_id_++};
    locations_[out.id] = choice == -1 ? Location::kRoot : Location::kInline;
  }
  record_instruction<SampleComputeLocationTraits>(*this, out, block_rv, Decision<int64_t>{choice});
  return out;
}

}  // namespace tessera
