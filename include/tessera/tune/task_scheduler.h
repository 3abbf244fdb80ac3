// TaskScheduler: tunes many tasks under one trial budget (DESIGN.md §6): the distinct
// subgraphs of a model (`tessera tune-model`) or several workloads (`tessera tune -w A -w
// B`). Each task has its own TaskTuner (task_tuner.h); the scheduler decides whose round
// runs next, so that trials go where the weighted end-to-end latency
// Σ weight_i · best_i gains most:
//
//   round-robin  every active task in turn;
//   gradient     Ansor's task scheduler: a warm-up round per task, then the task with the
//                most negative estimated gradient of the end-to-end latency
//                (task_selection.h has the formula);
//   family       FamilySeer: tasks grouped into families (by anchor operator and dtype, or
//                by the structure of their program with sizes abstracted) that share one
//                cost model; rounds are chosen as by gradient, and a round that improves
//                a task's best gives each sibling a foresee round, a small batch picked by
//                the family's model.
//
// A task stops getting rounds when it has converged (no improvement over a window of
// trials), its space is exhausted or every candidate of a round failed (it is reported and
// skipped; the others go on). Every round is logged (which task, why, how many trials).
//
//   TaskScheduler scheduler(tasks, target, db, builder, runner, components, options);
//   SchedulerSummary s = scheduler.run();   // rounds, then each task's re-measurement
//   fmt::print("{}", s.to_text());
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "tessera/support/target.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/cost_model.h"
#include "tessera/tune/database.h"
#include "tessera/tune/measure.h"
#include "tessera/tune/search_strategy.h"
#include "tessera/tune/task_selection.h"
#include "tessera/tune/tuner.h"

namespace tessera {

/// One task to tune.
struct SchedulerTask {
  Workload workload;
  int weight = 1;      // occurrences in the model: its share of the end-to-end latency
  std::string anchor;  // the anchor operator ("Conv", "gemm"); "" for an elementwise task
  std::string shape;   // for listings
  std::string name;    // for listings; "": the workload's spec
};

enum class SchedulerKind { kRoundRobin, kGradient, kFamily };
SchedulerKind parse_scheduler_kind(const std::string& name);  // round-robin, gradient, family
std::string to_string(SchedulerKind kind);

struct TaskSchedulerOptions {
  SchedulerKind kind = SchedulerKind::kGradient;
  FamilyGrouping family_by = FamilyGrouping::kOperator;
  /// Records of all tasks together to reach in the database (earlier runs count).
  int64_t trials = 0;
  int trials_per_round = 64;
  int foresee_trials = 8;          // candidates of a foresee round (family)
  double time_budget_seconds = 0;  // no round starts after this much time; 0: none
  GradientOptions gradient;        // α, β, the backward window
  /// A task converges when its best improved by less than `convergence_improvement`
  /// (relative) over its last `convergence_trials` trials; 0 never converges.
  int64_t convergence_trials = 256;
  double convergence_improvement = 0.01;
  uint64_t seed = 0;    // each task's search gets seed + its index; ties of the gradient too
  int num_threads = 0;  // threads that sample and compile; 0: every hardware thread
  /// Per task: remeasure_top, remeasure_rounds, scratch_directory, callbacks (trials,
  /// trials_per_round, time budget and progress are the scheduler's).
  TuneOptions task_options;
  /// After every round, with the state so far.
  std::function<void(const struct SchedulerSummary&)> on_progress;
  /// A CSV of every round (appended as it ends); "" for none.
  std::string log_path;
};

/// How each task's pieces are made: its space (postprocessors and mutators included), its
/// search strategy, and the cost models (one shared by every task, or one per family).
struct SchedulerComponents {
  std::function<void(TuneContext&)> configure;                     // default: fill_defaults
  std::function<std::shared_ptr<SearchStrategy>()> make_strategy;  // default: evolutionary
  std::function<std::shared_ptr<CostModel>()> make_cost_model;     // default: mlp
};

/// One round the scheduler ran.
struct ScheduledRound {
  int index = 0;
  int task = 0;
  std::string reason;  // "warm-up", "round-robin", "gradient", "foresee"
  int64_t trials = 0;  // measured in the round
  double task_best_seconds = std::numeric_limits<double>::infinity();  // after the round
  double estimated_seconds = 0;  // Σ weight · best over the tasks with a measured best
  int unmeasured_tasks = 0;      // tasks without one (the estimate leaves them out)
  int64_t total_trials = 0;      // every task's
  double elapsed_seconds = 0;
};

struct TaskReport {
  SchedulerTask task;
  std::string workload_hash;
  std::string family;  // the family's key (family scheduler), else ""
  int64_t trials_before = 0, trials_run = 0;
  int rounds = 0, foresee_rounds = 0;
  double best_seconds = std::numeric_limits<double>::infinity();  // measured, pooled median
  std::string state = "tuning";  // "tuning", "converged", "space exhausted", "failed"
  std::string failure;           // why it failed
  TuneSummary summary;           // after finish(): the re-measurement
};

struct SchedulerSummary {
  std::string scheduler, target;
  std::vector<TaskReport> tasks;
  std::vector<ScheduledRound> rounds;
  int64_t total_trials = 0, target_trials = 0;
  double elapsed_seconds = 0;
  std::string stop_reason;

  /// Σ weight · best over the tasks with a measured best (the estimated end-to-end latency).
  double estimated_seconds() const;
  /// The tasks without a measured best: not warmed up yet, or failed.
  int unmeasured_tasks() const;
  /// "12.3456 ms" or "12.3456 ms (3 tasks not measured yet)".
  static std::string estimate_text(double seconds, int unmeasured);
  /// The table: task, anchor, shape, weight, trials, best latency, share of the estimate.
  std::string table() const;
  /// The table, the estimate, the stop reason and the trials per scheduling reason.
  std::string to_text() const;
};

class TaskScheduler {
 public:
  /// Reads what the database holds of every task (a task whose space cannot be generated
  /// is reported failed, not thrown).
  TaskScheduler(std::vector<SchedulerTask> tasks, const Target& target, Database& database,
                Builder& builder, Runner& runner, SchedulerComponents components,
                TaskSchedulerOptions options);
  ~TaskScheduler();
  TaskScheduler(const TaskScheduler&) = delete;
  TaskScheduler& operator=(const TaskScheduler&) = delete;

  /// Rounds until the budget is spent or no task is active, then each tuned task's
  /// re-measurement. Throws Error only when no task could be tuned at all.
  SchedulerSummary run();
  /// The records the tasks had in the database before this run.
  int64_t trials_before() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tessera
