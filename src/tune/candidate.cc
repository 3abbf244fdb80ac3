#include "tessera/tune/candidate.h"

#include <fmt/format.h>

#include "tessera/support/error.h"

namespace tessera {
namespace {

CandidateResult finish(Schedule sch, const std::vector<std::shared_ptr<Postproc>>& postprocs) {
  CandidateResult result;
  sch.enter_postproc();
  for (const auto& postproc : postprocs) {
    std::string reason;
    bool accepted = false;
    try {
      accepted = postproc->apply(sch, reason);
    } catch (const Error& e) {
      reason = e.message();
    }
    if (!accepted) {
      result.rejected_by = postproc->name();
      result.reason = reason.empty() ? "rejected without a reason" : reason;
      return result;
    }
  }
  result.schedule = std::move(sch);
  return result;
}

CandidateResult replay(const Trace& trace, const PrimFunc& func, uint64_t seed, bool resample,
                       const std::vector<std::shared_ptr<Postproc>>& postprocs) {
  Schedule sch(func, seed, /*traced=*/true);
  try {
    Trace::DecisionProvider fresh = [](size_t, const Instruction&,
                                       const nlohmann::json*) -> const nlohmann::json* {
      return nullptr;
    };
    trace.apply(sch, /*remove_postproc=*/true, ReplayMode::kStrict,
                resample ? fresh : Trace::DecisionProvider());
  } catch (const Error& e) {
    CandidateResult result;
    result.rejected_by = "replay";
    result.reason = e.message();
    return result;
  }
  return finish(std::move(sch), postprocs);
}

}  // namespace

CandidateResult sample_candidate(const Trace& sketch, const PrimFunc& func, uint64_t seed,
                                 const std::vector<std::shared_ptr<Postproc>>& postprocs) {
  return replay(sketch, func, seed, /*resample=*/true, postprocs);
}

CandidateResult replay_candidate(const Trace& trace, const PrimFunc& func,
                                 const std::vector<std::shared_ptr<Postproc>>& postprocs) {
  return replay(trace, func, 0, /*resample=*/false, postprocs);
}

void SampleStatistics::record(const CandidateResult& result) {
  ++attempts;
  if (result.schedule) {
    ++accepted;
    return;
  }
  ++rejected[result.rejected_by];
  example_reason.emplace(result.rejected_by, result.reason);
}

std::string SampleStatistics::summary() const {
  std::string s = fmt::format("{} sampled, {} accepted", attempts, accepted);
  if (rejected.empty()) return s;
  s += "; rejected:";
  for (const auto& [by, count] : rejected)
    s += fmt::format(" {} {} (for example: {})", by, count, example_reason.at(by));
  return s;
}

}  // namespace tessera
