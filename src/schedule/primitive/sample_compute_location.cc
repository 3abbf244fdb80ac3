// SampleComputeLocation: where to compute a block, drawn uniformly from the legal
// locations: the loops of its first consumer where compute_at succeeds, the root
// (leave it), and inline when compute_inline succeeds. Decision: the consumer-loop
// index, -1 for root, -2 for inline.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

LoopRV Schedule::sample_compute_location(const BlockRV& block_rv, std::optional<int64_t> decision) {
  const BlockNode* b = get(block_rv);
  std::vector<int64_t> valid;
  std::vector<Var> loop_vars;
  // Legality is tested on untraced copies: a failed attempt changes nothing here.
  auto legal = [&](const std::function<void(Schedule&, const BlockRV&)>& attempt) {
    Schedule trial = *this;
    trial.trace_.reset();
    try {
      attempt(trial, block_rv);
      return true;
    } catch (const ScheduleError&) {
      return false;
    }
  };
  if (legal([](Schedule& s, const BlockRV& rv) { s.compute_inline(rv); })) valid.push_back(-2);
  valid.push_back(-1);
  std::vector<const BlockNode*> consumers = producers_or_consumers(*this, b, /*producers=*/false);
  if (!consumers.empty()) {
    const std::vector<const ForNode*>& loops = state_.find_block(consumers[0]->name)->loops;
    for (size_t k = 0; k < loops.size(); ++k) {
      loop_vars.push_back(loops[k]->loop_var);
      Var v = loops[k]->loop_var;
      bool ok = legal([&](Schedule& s, const BlockRV& rv) {
        LoopRV l = s.new_loop_rv(v);
        move_block_under_loop(s, "compute_at", rv, l, false, false);
      });
      if (ok) valid.push_back(static_cast<int64_t>(k));
    }
  }
  int64_t choice;
  if (decision) {
    choice = *decision;
    if (std::find(valid.begin(), valid.end(), choice) == valid.end()) {
      if (mode_ == ReplayMode::kStrict) {
        schedule_fail(*this, "sample_compute_location", fmt::format("decision {} is not a legal location of block '{}' (legal: {})",
                                                                     choice, b->name, fmt::join(valid, ", ")), b);
      }
      // The nearest earlier legal loop, else the root.
      int64_t repaired = -1;
      for (int64_t v : valid) {
        if (v >= 0 && v < choice) repaired = v;
      }
      choice = repaired;
    }
  } else {
    choice = valid[static_cast<size_t>(rng_.uniform_int(0, static_cast<int64_t>(valid.size())))];
  }
  LoopRV out;
  if (choice >= 0) {
    out = new_loop_rv(loop_vars[static_cast<size_t>(choice)]);
  } else {
    out = LoopRV{next_id_++};
    locations_[out.id] = choice == -1 ? Location::kRoot : Location::kInline;
  }
  nlohmann::json d = choice;
  record("SampleComputeLocation", {block_rv}, nlohmann::json::array(), {out}, &d);
  return out;
}

namespace {
InstructionRegistration registration(InstructionKind{
    "SampleComputeLocation", /*pure=*/true, /*sampler=*/true,
    [](Schedule& sch, const std::vector<InstInput>& in, const nlohmann::json&, const nlohmann::json* decision) -> std::vector<AnyRV> {
      std::optional<int64_t> d;
      if (decision != nullptr) {
        if (!decision->is_number_integer()) fail("SampleComputeLocation: the decision must be an integer, got {}", decision->dump());
        d = decision->get<int64_t>();
      }
      return {sch.sample_compute_location(input_block(in, 0), d)};
    },
    [](const std::vector<std::string>& in, const nlohmann::json&, const nlohmann::json* decision, const std::vector<std::string>& out) {
      std::string d = decision != nullptr ? ", " + decision->dump() : "";
      return fmt::format("LoopRV {} = sch.sample_compute_location({}{});", out[0], in[0], d);
    }});
}  // namespace

}  // namespace tessera
