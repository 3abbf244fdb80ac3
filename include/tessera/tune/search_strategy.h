// SearchStrategy: decides which programs of a design space get measured next
// (DESIGN.md §6). The tuner (tuner.h) asks for a batch, builds and measures it, and
// reports the run times back; the strategy never proposes a program whose hash was
// measured before (in this run or in the database). Built in:
//
//   ReplayTrace          every candidate is a sketch with its decisions sampled afresh
//   ReplayFunc           every candidate re-runs the space generator (a template) with a new seed
//   EvolutionarySearch   a population of fresh samples and the best measured programs,
//                        mutated for a few generations under the cost model; the batch is
//                        the best-scored programs plus an ε share of fresh samples
//
// A space whose samples never pass (a rule and postprocessor that never agree) ends the
// search with an Error after `max_failed_samples` rejections in a row without one accepted.
//
//   auto strategy = make_component<SearchStrategy>("EvolutionarySearch");
//   strategy->initialize(ctx, {sketches, measured_hashes, best_measured, model.get()});
//   while (auto batch = strategy->generate_candidates(64); !batch.empty()) { ...measure...;
//   strategy->notify_measured(batch, seconds); }
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tessera/schedule/schedule.h"
#include "tessera/support/random.h"
#include "tessera/support/task_pool.h"
#include "tessera/tune/candidate.h"
#include "tessera/tune/cost_model.h"
#include "tessera/tune/registry.h"
#include "tessera/tune/tune_context.h"

namespace tessera {

/// A program the search proposes: the postprocessed schedule and its program hash.
struct MeasureCandidate {
  Schedule schedule;
  std::string program;  // program_hash(schedule.func())
};

/// What a strategy starts from.
struct SearchInput {
  std::vector<Schedule> sketches;  // the design space
  std::set<std::string> measured;  // program hashes measured before
  std::vector<std::pair<Trace, double>>
      best_measured;                // traces of the fastest measured programs, fastest first
  CostModel* cost_model = nullptr;  // needed by EvolutionarySearch
};

class SearchStrategy {
 public:
  static constexpr ComponentKind kKind = ComponentKind::kSearchStrategy;
  virtual ~SearchStrategy() = default;

  /// Starts a task; ctx must outlive the strategy's use. Throws Error when the space is empty.
  virtual void initialize(const TuneContext& ctx, SearchInput input);
  /// Up to `count` new programs, none measured before; fewer (or none) when the space has
  /// no more. Throws Error when sampling fails `max_failed_samples` times in a row.
  virtual std::vector<MeasureCandidate> generate_candidates(int count) = 0;
  /// The run times of a batch (+infinity for a failure), in the batch's order.
  virtual void notify_measured(const std::vector<MeasureCandidate>& batch,
                               const std::vector<double>& seconds);

  /// Every sample drawn so far: accepted, and rejected by what.
  const SampleStatistics& statistics() const { return statistics_; }
  /// Rejections in a row (with nothing accepted in between) that end the search.
  int64_t max_failed_samples = 1000;

 protected:
  /// `count` distinct, unmeasured programs sampled from the sketches (fewer when 16×count
  /// + 64 draws give no more); samples in parallel on ctx.num_threads threads, with the
  /// result independent of the thread count.
  std::vector<MeasureCandidate> sample_fresh(int count, const std::set<std::string>& exclude = {});
  /// Counts a candidate outcome; throws Error once the failures in a row reach the limit.
  void count_sample(const CandidateResult& result);
  bool is_measured(const std::string& program) const { return measured_.count(program) != 0; }

  const TuneContext* ctx_ = nullptr;
  std::vector<Trace> sketches_;
  std::set<std::string> measured_;
  std::vector<std::pair<Trace, double>> best_measured_;  // fastest first
  CostModel* cost_model_ = nullptr;
  Random rng_;
  SampleStatistics statistics_;
  int64_t failures_in_a_row_ = 0;
};

struct EvolutionarySearchOptions {
  int population_size = 512;
  double init_measured_ratio = 0.2;  // share of the initial population taken from the best measured
  int init_min_unmeasured = 50;      // fresh samples in the initial population, at least
  int genetic_num_iters = 4;
  double genetic_mutate_prob = 0.85;
  int genetic_max_fail_count = 10;  // mutation attempts per child before it stays its parent
  double eps_greedy = 0.05;         // share of each batch that is fresh random samples
};

/// The built-in strategies (also registered by name, with default options).
std::shared_ptr<SearchStrategy> make_replay_trace();
std::shared_ptr<SearchStrategy> make_replay_func();
std::shared_ptr<SearchStrategy> make_evolutionary_search(EvolutionarySearchOptions options = {});

}  // namespace tessera
