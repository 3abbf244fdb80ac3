// SampleCategorical: one of the candidates, drawn with the given probabilities;
// the decision is the chosen index.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct SampleCategoricalTraits : InstructionTraitsBase {
  static constexpr const char* kName = "SampleCategorical";
  static constexpr const char* kMethod = "sample_categorical";
  static constexpr bool kPure = true;
  static constexpr bool kSampler = true;
  static constexpr std::array<const char*, 3> kArguments = {"candidates", "probabilities",
                                                            "decision"};
  static ExprRV apply(Schedule& sch, const std::vector<int64_t>& candidates,
                      const std::vector<double>& probabilities, const Decision<int64_t>& decision) {
    return sch.sample_categorical(candidates, probabilities, decision.value);
  }
};
const InstructionRegistration registration = register_instruction<SampleCategoricalTraits>();
}  // namespace

ExprRV Schedule::sample_categorical(const std::vector<int64_t>& candidates,
                                    const std::vector<double>& probabilities,
                                    std::optional<int64_t> decision) {
  if (candidates.empty() || candidates.size() != probabilities.size()) {
    schedule_fail(*this, "sample_categorical",
                  fmt::format("{} candidates but {} probabilities (need the same, at least one)",
                              candidates.size(), probabilities.size()));
  }
  double total = 0;
  for (double p : probabilities) {
    if (!(p >= 0))
      schedule_fail(*this, "sample_categorical",
                    fmt::format("probability {} is negative or NaN", p));
    total += p;
  }
  if (total <= 0) schedule_fail(*this, "sample_categorical", "the probabilities sum to 0");
  int64_t index;
  if (decision) {
    index = *decision;
    if (index < 0 || index >= static_cast<int64_t>(candidates.size())) {
      if (mode_ == ReplayMode::kStrict) {
        schedule_fail(*this, "sample_categorical",
                      fmt::format("decision {} is not an index into the {} candidates", index,
                                  candidates.size()));
      }
      index = std::clamp<int64_t>(index, 0, static_cast<int64_t>(candidates.size()) - 1);
    }
  } else {
    index = static_cast<int64_t>(rng_.categorical(probabilities));
  }
  ExprRV rv = new_expr_rv(candidates[static_cast<size_t>(index)]);
  record_instruction<SampleCategoricalTraits>(*this, rv, candidates, probabilities,
                                              Decision<int64_t>{index});
  return rv;
}

}  // namespace tessera
