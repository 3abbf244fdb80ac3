// What `tessera tune` with several -w and `tessera tune-model` share: the options of a
// multi-task run (budget, scheduler, families, cost model, timing), the run itself with a
// TaskScheduler, and its live table on a terminal (plain lines otherwise).
//
//   auto options = std::make_shared<SchedulingOptions>();
//   add_scheduling_options(app, *options);
//   SchedulerSummary s = tune_tasks(tasks, *options, configure);
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "cli.h"
#include "tessera/tune/task_scheduler.h"
#include "tessera/tune/tune_context.h"

namespace tessera::cli {

struct SchedulingOptions {
  std::string target, db, scheduler = "gradient", family_by = "op", strategy = "evolutionary",
                          cost_model = "mlp", cost_model_file, log;
  int64_t trials = 0, convergence_trials = TaskSchedulerOptions{}.convergence_trials;
  int trials_per_round = TaskSchedulerOptions{}.trials_per_round,
      foresee_trials = TaskSchedulerOptions{}.foresee_trials,
      remeasure = TuneOptions{}.remeasure_top, threads = 1;
  uint64_t seed = 0;
  double time_budget = 0, timeout = RunnerOptions{}.timeout_seconds;
  CLI::Option* trials_per_round_option = nullptr;
  CLI::Option* threads_option = nullptr;
  CLI::Option* time_budget_option = nullptr;
  CLI::Option* cost_model_file_option = nullptr;
  CLI::Option* scheduler_option = nullptr;
  CLI::Option* family_by_option = nullptr;
  CLI::Option* foresee_option = nullptr;
  CLI::Option* log_option = nullptr;
  CLI::Option* convergence_option = nullptr;
};

/// --trials, --db, -t and the options every tuning run has (the search strategy, the cost
/// model, --threads, --timeout, --remeasure, --seed, --time-budget, --trials-per-round) and
/// those of the task scheduler (--scheduler, --family-by, --foresee-trials, --converge-after,
/// --log). `trials_help` says what --trials counts.
void add_scheduling_options(CLI::App* app, SchedulingOptions& options,
                            const std::string& trials_help);
/// The scheduler's own options given with a single task: an error naming them.
void refuse_scheduler_options(const SchedulingOptions& options, const std::string& why);

/// The target of a tuning run (-t, canonical), after the checks every run makes: LLVM
/// measures it, and --cost-model-file goes with the MLP only.
Target checked_tuning_target(const SchedulingOptions& options);
/// --threads, else every hardware thread: the threads that sample and compile.
int compile_threads(const SchedulingOptions& options);
/// How candidates are measured: on the target's cores, a warm-up and 3 repeats of at least
/// 20 ms, --timeout per candidate.
RunnerOptions measurement_options(const SchedulingOptions& options, const Target& target);

/// Tunes the tasks on the target under the options, showing progress; prints the summary.
/// `configure` sets each task's space (fill_defaults included).
SchedulerSummary tune_tasks(std::vector<SchedulerTask> tasks, const SchedulingOptions& options,
                            std::function<void(TuneContext&)> configure);

}  // namespace tessera::cli
