// The search strategies' shared part: starting a task, sampling fresh unmeasured
// programs in parallel, and the bound on failed samples.
#include "tessera/tune/search_strategy.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "tessera/support/error.h"
#include "tessera/support/hash.h"
#include "tessera/tune/database.h"

namespace tessera {

void SearchStrategy::initialize(const TuneContext& ctx, SearchInput input) {
  if (input.sketches.empty()) fail("the design space of {} has no sketches", ctx.workload.spec);
  ctx_ = &ctx;
  sketches_.clear();
  for (const Schedule& s : input.sketches) {
    if (!s.trace()) fail("the design space of {} holds an untraced schedule", ctx.workload.spec);
    sketches_.push_back(*s.trace());
  }
  measured_ = std::move(input.measured);
  best_measured_ = std::move(input.best_measured);
  cost_model_ = input.cost_model;
  rng_.seed_with(hash_combine(ctx.seed, 0x5ea4c4));
  statistics_ = SampleStatistics{};
  failures_in_a_row_ = 0;
}

void SearchStrategy::notify_measured(const std::vector<MeasureCandidate>& batch,
                                     const std::vector<double>& seconds) {
  if (batch.size() != seconds.size())
    fail("notify_measured: {} candidates but {} run times", batch.size(), seconds.size());
  for (size_t i = 0; i < batch.size(); ++i) {
    measured_.insert(batch[i].program);
    if (!std::isfinite(seconds[i]) || !batch[i].schedule.trace()) continue;
    Trace genome = batch[i].schedule.trace()->simplified(/*remove_postproc=*/true);
    auto at = std::lower_bound(
        best_measured_.begin(), best_measured_.end(), seconds[i],
        [](const std::pair<Trace, double>& entry, double s) { return entry.second < s; });
    best_measured_.insert(at, {std::move(genome), seconds[i]});
  }
}

void SearchStrategy::count_sample(const CandidateResult& result) {
  statistics_.record(result);
  if (result.schedule) {
    failures_in_a_row_ = 0;
    return;
  }
  if (++failures_in_a_row_ >= max_failed_samples) {
    fail(
        "the search gave up on {}: {} samples in a row were rejected, none accepted ({}); the "
        "space's rules and "
        "postprocessors never agree on a valid program",
        ctx_->workload.spec, failures_in_a_row_, statistics_.summary());
  }
}

std::vector<MeasureCandidate> SearchStrategy::sample_fresh(int count,
                                                           const std::set<std::string>& exclude) {
  if (ctx_ == nullptr) fail("a search strategy was used before initialize()");
  std::vector<MeasureCandidate> out;
  std::set<std::string> taken = exclude;
  const int64_t max_draws = 16 * static_cast<int64_t>(count) + 64;
  int64_t draws = 0;
  while (static_cast<int64_t>(out.size()) < count && draws < max_draws) {
    const int64_t batch =
        std::min<int64_t>(count - static_cast<int64_t>(out.size()), max_draws - draws);
    std::vector<uint64_t> seeds(batch);
    for (uint64_t& s : seeds) s = rng_.next();
    std::vector<CandidateResult> results =
        parallel_map<CandidateResult>(batch, ctx_->num_threads, [&](int64_t i) {
          const Trace& sketch = sketches_[seeds[i] % sketches_.size()];
          return sample_candidate(sketch, ctx_->workload.func, seeds[i], ctx_->postprocs);
        });
    std::vector<std::string> hashes =
        parallel_map<std::string>(batch, ctx_->num_threads, [&](int64_t i) {
          return results[i].schedule ? program_hash(results[i].schedule->func()) : std::string();
        });
    draws += batch;
    for (int64_t i = 0; i < batch; ++i) {
      count_sample(results[i]);
      if (!results[i].schedule || is_measured(hashes[i]) || !taken.insert(hashes[i]).second)
        continue;
      out.push_back(MeasureCandidate{std::move(*results[i].schedule), hashes[i]});
    }
  }
  return out;
}

}  // namespace tessera
