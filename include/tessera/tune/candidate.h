// Candidates: how a sketch becomes a program the search can build. Sampling replays the
// sketch's trace with every decision redrawn; replaying keeps the trace's decisions (a
// mutated or stored trace). Either way the postprocessors then run after an
// EnterPostproc marker. A replay error or a postprocessor's rejection is an outcome
// with the reason, counted in SampleStatistics, never an exception.
//
//   CandidateResult c = sample_candidate(sketch, func, seed, ctx.postprocs);
//   if (c.schedule) build(c.schedule->func()); else stats.rejected[c.rejected_by]++;
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/schedule/schedule.h"
#include "tessera/tune/postproc.h"

namespace tessera {

struct CandidateResult {
  std::optional<Schedule> schedule;  // the postprocessed program (traced), when accepted
  std::string rejected_by;           // "replay" or the postprocessor's name
  std::string reason;
};

/// The sketch's trace replayed on `func` with every decision drawn afresh from `seed`,
/// then postprocessed.
CandidateResult sample_candidate(const Trace& sketch, const PrimFunc& func, uint64_t seed,
                                 const std::vector<std::shared_ptr<Postproc>>& postprocs);
/// The trace replayed with its own decisions (strictly), then postprocessed.
CandidateResult replay_candidate(const Trace& trace, const PrimFunc& func,
                                 const std::vector<std::shared_ptr<Postproc>>& postprocs);

/// Counts of sampled candidates: accepted, and rejected by each step.
struct SampleStatistics {
  int64_t attempts = 0;
  int64_t accepted = 0;
  std::map<std::string, int64_t> rejected;  // by "replay" or postprocessor name
  std::map<std::string, std::string> example_reason;

  void record(const CandidateResult& result);
  /// "N sampled, M accepted; rejected: VerifyInBounds 3 (the load from 'A' ...), ..."
  std::string summary() const;
};

}  // namespace tessera
