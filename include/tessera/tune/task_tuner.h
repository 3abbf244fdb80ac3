// TaskTuner: the state of tuning one task (a workload on a target), advanced one round at
// a time: search → build → measure → record. tune() drives one task to the end; a task
// scheduler drives many, choosing whose round runs next, each with its own TaskTuner.
//
// What happens to each measurement is a list of measure callbacks: the database writer
// (every record appended and synced before the next measurement starts), the progress
// report, the cost model's update and the tuning curve after each round, and any the
// caller adds (TuneOptions::callbacks).
//
//   TaskTuner task(ctx, db, strategy, model, builder, runner, options);
//   while (!task.finished()) task.run_round();
//   TuneSummary summary = task.finish();   // the re-measurement of the best few
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/support/file_system.h"
#include "tessera/tune/tuner.h"

namespace tessera {

class TaskTuner;

/// One measured (or failed) candidate of a round.
struct MeasuredCandidate {
  const MeasureCandidate* candidate = nullptr;
  PrimFunc program;
  const TuningRecord* record = nullptr;  // what the database writer appends
  double seconds = 0;                    // its median; +infinity when it failed
  bool last_of_round = false;
};

/// Reacts to measurements. on_measured runs after each candidate, before the next one is
/// measured; on_round after the last candidate of a round.
class MeasureCallback {
 public:
  virtual ~MeasureCallback() = default;
  virtual void on_measured(TaskTuner& task, const MeasuredCandidate& measured) {
    (void)task;
    (void)measured;
  }
  virtual void on_round(TaskTuner& task, const std::vector<MeasuredCandidate>& round) {
    (void)task;
    (void)round;
  }
};

/// The built-in callbacks, in the order a TaskTuner runs them (the caller's after these).
std::shared_ptr<MeasureCallback>
make_database_writer();  // appends every record to the task's database
std::shared_ptr<MeasureCallback> make_progress_reporter(
    std::function<void(const TuneProgress&)> report);
std::shared_ptr<MeasureCallback>
make_cost_model_updater();  // trains the task's cost model on the round
std::shared_ptr<MeasureCallback>
make_tuning_curve_writer();  // rewrites the task's curve CSV atomically

class TaskTuner {
 public:
  /// Reads what the database holds of the task, generates the design space and warms the
  /// cost model and the strategy with the task's earlier measurements.
  TaskTuner(TuneContext& ctx, Database& database, SearchStrategy& strategy, CostModel& cost_model,
            Builder& builder, Runner& runner, TuneOptions options);
  ~TaskTuner();
  TaskTuner(const TaskTuner&) = delete;
  TaskTuner& operator=(const TaskTuner&) = delete;

  /// True when no round should run: the trials are reached, the time budget is spent or
  /// the space has no unmeasured programs left (summary().stop_reason says which).
  bool finished();
  /// One round of up to trials_per_round candidates. Throws Error when none of them could
  /// be measured (their records are written first).
  void run_round();
  /// A round of up to `count` candidates (a task scheduler's foresee round measures fewer
  /// than trials_per_round), still capped by the task's trials.
  void run_round(int count);
  /// The re-measurement of the best few in a fresh worker (or, with 0 trials, the cost
  /// model's pick recorded unmeasured) and the summary. Call once, after the last round.
  TuneSummary finish();

  TuneContext& context() { return ctx_; }
  Database& database() { return database_; }
  CostModel& cost_model() { return cost_model_; }
  const TuneOptions& options() const { return options_; }
  const TuneSummary& summary() const { return summary_; }
  int64_t trials() const { return trials_; }  // the task's records, earlier runs' included
  double best_seconds() const { return best_; }
  double elapsed_seconds() const;
  /// The phase counters callbacks add their time to.
  TuneSummary& mutable_summary() { return summary_; }

 private:
  const std::string& scratch_directory();
  void predict_without_measuring();
  void remeasure_finalists();

  TuneContext& ctx_;
  Database& database_;
  SearchStrategy& strategy_;
  CostModel& cost_model_;
  Builder& builder_;
  Runner& runner_;
  TuneOptions options_;
  std::vector<std::shared_ptr<MeasureCallback>> callbacks_;
  TuneSummary summary_;
  std::chrono::steady_clock::time_point start_;
  int64_t trials_ = 0;
  double best_;
  bool stopped_ = false;
  std::string scratch_;                          // where libraries are built
  std::optional<TemporaryDirectory> temporary_;  // when no scratch directory was named
};

}  // namespace tessera
