// The tuning loop (DESIGN.md §6): rounds of search → build → measure → record, until
// the task has its trials or its time budget is spent, then a re-measurement of the
// best few candidates in a fresh worker over several rounds, because on a noisy
// machine a winner picked from single measurements is partly picked by noise.
//
// Every measurement, failed or not, is a record in the database before the next one
// starts, so an interrupted run loses nothing and a new run on the same database
// resumes: `trials` counts the task's records already there, and programs measured
// before are never measured again.
//
//   TuneContext ctx(workloads::get("gemm:m=512,n=512,k=512"), target);
//   ctx.space_generator = std::make_shared<PostOrderApply>();
//   fill_defaults(ctx);
//   Database db("tuning/");
//   LocalBuilder builder(2);
//   LocalRunner runner(runner_options);
//   TuneOptions options;
//   options.trials = 256;
//   TuneSummary s = tune(ctx, db, *make_evolutionary_search(),
//   *make_component<CostModel>("Random"),
//                        builder, runner, options);
//   fmt::print("{}", s.to_text());
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/tune/candidate.h"
#include "tessera/tune/cost_model.h"
#include "tessera/tune/database.h"
#include "tessera/tune/measure.h"
#include "tessera/tune/search_strategy.h"
#include "tessera/tune/tune_context.h"

namespace tessera {

class MeasureCallback;  // task_tuner.h

/// Where the tuner is, reported after every measured candidate.
struct TuneProgress {
  int64_t trials = 0;         // the task's records, this run's and earlier ones
  int64_t target_trials = 0;  // TuneOptions::trials
  int round = 0;
  double best_seconds = std::numeric_limits<double>::infinity();
  double elapsed_seconds = 0;  // this run
  int64_t flops = 0;
  bool round_finished = false;  // the last report of a round
};

struct TuneOptions {
  int64_t trials = 64;  // records of the task in the database to reach (earlier runs count)
  int trials_per_round = 64;
  double time_budget_seconds = 0;  // no new round starts after this much time; 0: no budget
  int remeasure_top = 3;           // candidates re-measured at the end
  int remeasure_rounds = 3;        // rounds of that re-measurement
  std::string scratch_directory;   // where libraries are built; empty: a temporary directory
  std::function<void(const TuneProgress&)> on_progress;
  /// Called with every measurement and after every round, after the built-in ones
  /// (database, progress, cost model, tuning curve; task_tuner.h).
  std::vector<std::shared_ptr<MeasureCallback>> callbacks;

  // The pieces tune(func, target, options) makes by name; the overload that takes the
  // pieces themselves refuses them. Empty: the default in brackets.
  std::string database;         // the tuning database's directory (required there)
  std::string space;            // [rules] or a registered space's name
  std::string strategy;         // [evolutionary], replay-trace, replay-func or a plugin's
  std::string cost_model;       // [mlp] or random
  std::string cost_model_file;  // a trained MLP model to start from
  uint64_t seed = 0;
  int num_threads = 0;  // threads that sample and compile; 0: every hardware thread
};

/// A re-measured candidate: the median of each round and their spread.
struct Finalist {
  std::string program;
  std::vector<double> round_medians;
  double median_seconds = std::numeric_limits<double>::infinity();
  double min_seconds = 0, max_seconds = 0;
  std::string failure;  // the re-measurement failed (it then ranks last)
};

struct TuneSummary {
  std::string workload_spec, workload_hash, target, curve_path;
  int64_t flops = 0;
  int64_t trials_before = 0;  // the task's records when the run started
  int64_t trials_run = 0;     // measured (or failed) in this run
  int rounds = 0;
  std::string stop_reason;  // "reached N trials", "time budget", "the space has no unmeasured
                            // programs left"
  std::map<std::string, int64_t> failures;  // this run's, by status
  std::map<std::string, std::string> failure_example;
  std::vector<Finalist> finalists;  // fastest first
  std::string best_program;  // the task's best in the database after the run (pooled medians)
  double best_measured_seconds = std::numeric_limits<double>::infinity();  // its pooled median
  SampleStatistics sampling;
  double search_seconds = 0, build_seconds = 0, measure_seconds = 0, model_seconds = 0,
         bookkeeping_seconds = 0, remeasure_seconds = 0, total_seconds = 0;

  /// The best finalist's median (without a re-measurement, the database's best);
  /// +infinity when nothing was measured successfully.
  double best_seconds() const;
  /// The summary table: workload, shape, FLOPs, best latency and GFLOP/s with the spread
  /// of the re-measurement, trials, failures by reason, where the time went.
  std::string to_text() const;
};

/// Tunes ctx's workload on ctx's target (canonical). ctx needs its space generator,
/// postprocessors and mutators (fill_defaults). Throws Error when a round measures
/// nothing successfully (its records are written first) or the space never validates.
/// (A TaskTuner driven to its end.)
TuneSummary tune(TuneContext& ctx, Database& database, SearchStrategy& strategy,
                 CostModel& cost_model, Builder& builder, Runner& runner,
                 const TuneOptions& options);

struct TuneResult {
  TuneSummary summary;
  std::optional<Trace> best_trace;  // the best program's trace; none when nothing was measured
  PrimFunc best_program;            // what it builds (undefined when none)
};

/// The one call (DESIGN.md §9): tunes `func` on `target` with the pieces TuneOptions names
/// (database required), measuring in an isolated worker, and returns the best program.
///
///   TuneResult r = tune(gemm, Target::parse("llvm -mcpu=native"),
///                       TuneOptions{.trials = 256, .database = "./db"});
///   r.best_trace->apply(...);   // replays anywhere
TuneResult tune(const PrimFunc& func, const Target& target, TuneOptions options);

/// A search strategy by name: evolutionary, replay-trace, replay-func, or a plugin's.
std::shared_ptr<SearchStrategy> make_search_strategy(const std::string& name);
/// A cost model by name (mlp or random), the MLP started from `model_file` if given.
std::shared_ptr<CostModel> make_cost_model(const std::string& name,
                                           const std::string& model_file = "");

/// The task's tuning curve (trial, best latency so far) from the database, as CSV.
std::string tuning_curve_csv(const Database& database, const std::string& workload_hash,
                             const std::string& target, int64_t flops);
/// Where tune() writes it: DIR/curve_<workload hash>_<target hash>.csv.
std::string tuning_curve_path(const Database& database, const std::string& workload_hash,
                              const std::string& target);

/// Rebuilds a stored trace on the workload: strict replay of every instruction, the
/// postprocessing included, so the program is exactly the one measured. Errors name the record.
Schedule replay_record(const TuningRecord& record, const Workload& workload, bool debug = false);

}  // namespace tessera
