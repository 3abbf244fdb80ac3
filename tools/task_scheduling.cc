// A multi-task tuning run from the command line (task_scheduling.h).
#include "task_scheduling.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <thread>

#include <fmt/format.h>

#include "driver_common.h"
#include "tessera/tune/measure.h"
#include "tessera/tune/tuner.h"

namespace tessera::cli {
namespace {

std::string milliseconds(double seconds) {
  return std::isfinite(seconds) ? fmt::format("{:.4f} ms", seconds * 1e3) : "none yet";
}

// The progress of a run: on a terminal one table redrawn after every round, otherwise one
// line per round (a log).
class ProgressDisplay {
 public:
  ProgressDisplay() : terminal_(isatty(fileno(stdout)) != 0) {}

  void show(const SchedulerSummary& s) {
    if (s.rounds.empty()) return;
    const ScheduledRound& r = s.rounds.back();
    const TaskReport& task = s.tasks[static_cast<size_t>(r.task)];
    const std::string line = fmt::format(
        "round {} ({}): task {} {} +{} trials, best {}; {}/{} trials, estimated end-to-end {}, "
        "{:.0f} s",
        r.index + 1, r.reason, r.task, task.task.workload.spec, r.trials,
        milliseconds(r.task_best_seconds), s.total_trials, s.target_trials,
        SchedulerSummary::estimate_text(r.estimated_seconds, r.unmeasured_tasks),
        r.elapsed_seconds);
    if (!terminal_) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
      return;
    }
    const std::string text = s.table() + line + "\n";
    if (lines_ > 0) fmt::print("\033[{}F\033[J", lines_);
    fmt::print("{}", text);
    std::fflush(stdout);
    lines_ = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
  }

 private:
  bool terminal_;
  int lines_ = 0;
};

}  // namespace

void add_scheduling_options(CLI::App* app, SchedulingOptions& o, const std::string& trials_help) {
  add_integer(app, "--trials", o.trials, int64_t{0}, trials_help)->required();
  app->add_option("--db", o.db, "the tuning database (created if needed)")
      ->required()
      ->type_name("DIR");
  add_target_option(app, o.target);
  app->add_option("--strategy", o.strategy,
                  "evolutionary (default), replay-trace, replay-func or a plugin's")
      ->type_name("NAME");
  o.trials_per_round_option =
      add_integer(app, "--trials-per-round", o.trials_per_round, 1,
                  "candidates per round (default 64; with several tasks: the budget over 4 rounds "
                  "per task, from 8 to 64)");
  o.time_budget_option = add_seconds(app, "--time-budget", o.time_budget,
                                     "stop starting rounds after this many seconds");
  add_integer(app, "--seed", o.seed, uint64_t{0}, "seed of the search (default 0)");
  o.threads_option =
      add_integer(app, "--threads", o.threads, 1,
                  "threads that sample and compile (default: every hardware thread)", 4096);
  add_seconds(app, "--timeout", o.timeout, "wall clock per candidate (default 10)");
  add_integer(app, "--remeasure", o.remeasure, 0,
              "finalists re-measured at the end, per task (default 3)");
  add_choice(app, "--cost-model", o.cost_model, {"mlp", "random"},
             "the cost model guiding the search (default mlp)");
  o.cost_model_file_option = app->add_option("--cost-model-file", o.cost_model_file,
                                             "start the MLP from this trained model")
                                 ->type_name("MODEL");
  o.scheduler_option =
      add_choice(app, "--scheduler", o.scheduler, {"gradient", "round-robin", "family"},
                 "which task gets the next round (default gradient)");
  o.family_by_option = add_choice(app, "--family-by", o.family_by, {"op", "hash"},
                                  "families of --scheduler family: by anchor operator and "
                                  "dtype, or by program structure (default op)");
  o.foresee_option = add_integer(app, "--foresee-trials", o.foresee_trials, 1,
                                 "candidates of a family's foresee round (default 8)");
  o.convergence_option =
      add_integer(app, "--converge-after", o.convergence_trials, int64_t{0},
                  "a task stops after this many trials without a 1% gain (default 256; 0: never)");
  o.log_option = app->add_option("--log", o.log,
                                 "append every round to this CSV (default DIR/task_rounds.csv)")
                     ->type_name("FILE");
}

void refuse_scheduler_options(const SchedulingOptions& o, const std::string& why) {
  for (const CLI::Option* option : {o.scheduler_option, o.family_by_option, o.foresee_option,
                                    o.convergence_option, o.log_option}) {
    if (given(option)) fail("{} {}", option->get_name(), why);
  }
}

Target checked_tuning_target(const SchedulingOptions& o) {
  const Target target = target_from(o.target);
  if (target.kind != "llvm") fail("tessera measures with LLVM; the target is '{}'", target.str());
  if (given(o.cost_model_file_option) && o.cost_model != "mlp") {
    fail("--cost-model-file loads a trained MLP model; it does not go with --cost-model {}",
         o.cost_model);
  }
  return target;
}

int compile_threads(const SchedulingOptions& o) {
  return given(o.threads_option)
             ? o.threads
             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

RunnerOptions measurement_options(const SchedulingOptions& o, const Target& target) {
  RunnerOptions runner_options;
  runner_options.threads = target.num_cores;
  runner_options.timing = TimingOptions{1, 3, 20, false};
  runner_options.timeout_seconds = o.timeout;
  return runner_options;
}

SchedulerSummary tune_tasks(std::vector<SchedulerTask> tasks, const SchedulingOptions& o,
                            std::function<void(TuneContext&)> configure) {
  const Target target = checked_tuning_target(o);
  if (given(o.family_by_option) && o.scheduler != "family")
    fail("--family-by groups the tasks of --scheduler family, not of --scheduler {}", o.scheduler);
  if (given(o.foresee_option) && o.scheduler != "family")
    fail("--foresee-trials sizes the foresee rounds of --scheduler family, not of --scheduler {}",
         o.scheduler);
  TaskSchedulerOptions options;
  options.kind = parse_scheduler_kind(o.scheduler);
  options.family_by = parse_family_grouping(o.family_by);
  options.trials = o.trials;
  // Without --trials-per-round, rounds are sized so that each task gets about four: the
  // warm-up and three the scheduler chooses (with 64 per round, a budget of 64 trials per
  // task would be all warm-up).
  options.trials_per_round =
      given(o.trials_per_round_option)
          ? o.trials_per_round
          : static_cast<int>(std::clamp<int64_t>(
                o.trials / (4 * static_cast<int64_t>(std::max<size_t>(1, tasks.size()))), 8, 64));
  options.foresee_trials = o.foresee_trials;
  options.convergence_trials = o.convergence_trials;
  if (given(o.time_budget_option)) options.time_budget_seconds = o.time_budget;
  options.seed = o.seed;
  options.num_threads = compile_threads(o);
  options.task_options.remeasure_top = o.remeasure;
  Database db(o.db);
  options.log_path = given(o.log_option) ? o.log : db.directory() + "/task_rounds.csv";
  ProgressDisplay display;
  options.on_progress = [&display](const SchedulerSummary& s) { display.show(s); };

  SchedulerComponents components;
  components.configure = std::move(configure);
  const std::string strategy = o.strategy;
  components.make_strategy = [strategy] { return make_search_strategy(strategy); };
  const std::string model = o.cost_model, model_file = o.cost_model_file;
  components.make_cost_model = [model, model_file] { return make_cost_model(model, model_file); };
  LocalBuilder builder(options.num_threads);
  LocalRunner runner(measurement_options(o, target));

  const size_t count = tasks.size();
  fmt::print(
      "tuning {} tasks for {} trials{} on {} ({} scheduler{}, {} candidates per round, database "
      "{}; rounds logged to {})\n",
      count, o.trials,
      given(o.time_budget_option) ? fmt::format(" or {} s", o.time_budget) : std::string(),
      target.canonical().str(), o.scheduler,
      o.scheduler == "family" ? fmt::format(" by {}", o.family_by) : std::string(),
      options.trials_per_round, db.directory(), options.log_path);
  std::fflush(stdout);
  TaskScheduler scheduler(std::move(tasks), target, db, builder, runner, std::move(components),
                          options);
  if (scheduler.trials_before() > 0)
    fmt::print("resumed: the database already holds {} trials of these tasks\n",
               scheduler.trials_before());
  SchedulerSummary summary = scheduler.run();
  fmt::print("\n{}", summary.to_text());
  return summary;
}

}  // namespace tessera::cli
