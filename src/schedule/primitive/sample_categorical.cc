// SampleCategorical: one of the candidates, drawn with the given probabilities;
// the decision is the chosen index.
#include "../schedule_internal.h"

namespace tessera {

using namespace schedule_detail;

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
  nlohmann::json d = index;
  record("SampleCategorical", {}, nlohmann::json::array({candidates, probabilities}), {rv}, &d);
  return rv;
}

namespace {
InstructionRegistration registration(InstructionKind{
    "SampleCategorical", /*pure=*/true, /*sampler=*/true,
    [](Schedule& sch, const std::vector<InstInput>&, const nlohmann::json& attrs,
       const nlohmann::json* decision) -> std::vector<AnyRV> {
      if (!attrs.is_array() || attrs.size() != 2 || !attrs[0].is_array() || !attrs[1].is_array()) {
        fail("SampleCategorical: attributes must be [[candidates...], [probabilities...]]");
      }
      std::vector<int64_t> candidates;
      std::vector<double> probabilities;
      for (const auto& c : attrs[0]) {
        if (!c.is_number_integer())
          fail("SampleCategorical: candidate {} is not an integer", c.dump());
        candidates.push_back(c.get<int64_t>());
      }
      for (const auto& p : attrs[1]) {
        if (!p.is_number()) fail("SampleCategorical: probability {} is not a number", p.dump());
        probabilities.push_back(p.get<double>());
      }
      std::optional<int64_t> d;
      if (decision != nullptr) {
        if (!decision->is_number_integer())
          fail("SampleCategorical: the decision must be an index, got {}", decision->dump());
        d = decision->get<int64_t>();
      }
      return {sch.sample_categorical(candidates, probabilities, d)};
    },
    [](const std::vector<std::string>&, const nlohmann::json& attrs, const nlohmann::json* decision,
       const std::vector<std::string>& out) {
      std::vector<std::string> candidates, probabilities;
      for (const auto& c : attrs[0]) candidates.push_back(c.dump());
      for (const auto& p : attrs[1]) probabilities.push_back(p.dump());
      std::string d = decision != nullptr ? ", " + decision->dump() : "";
      return fmt::format(
          "ExprRV {} = sch.sample_categorical(std::vector<int64_t>{}, std::vector<double>{}{});",
          out[0], cpp_list(candidates), cpp_list(probabilities), d);
    }});
}  // namespace

}  // namespace tessera
