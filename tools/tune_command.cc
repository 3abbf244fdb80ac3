// `tessera tune`: the tuning loop from the command line.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "commands.h"
#include "driver_common.h"
#include "task_scheduling.h"
#include "tessera/ir/printer.h"
#include "tessera/support/target.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/cost_model.h"
#include "tessera/tune/database.h"
#include "tessera/tune/measure.h"
#include "tessera/tune/mlp_cost_model.h"
#include "tessera/tune/search_strategy.h"
#include "tessera/tune/tuner.h"

namespace tessera::cli {
namespace {

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  if (seconds < 60) return fmt::format("{:.0f} s", seconds);
  if (seconds < 3600)
    return fmt::format("{:.0f} min {:02.0f} s", std::floor(seconds / 60), std::fmod(seconds, 60));
  return fmt::format("{:.0f} h {:02.0f} min", std::floor(seconds / 3600),
                     std::fmod(seconds, 3600) / 60);
}

std::string latency_text(double seconds, int64_t flops) {
  if (!std::isfinite(seconds)) return "none yet";
  return fmt::format("{:.4f} ms ({:.2f} GFLOP/s)", seconds * 1e3,
                     static_cast<double>(flops) / seconds * 1e-9);
}

struct TuneCommandOptions {
  std::vector<std::string> workloads, plugins;
  std::string space = "rules", rules;
  SchedulingOptions common;
  CLI::Option* rules_option = nullptr;
};

int tune_workload(const TuneCommandOptions& command) {
  const SchedulingOptions& o = command.common;
  refuse_scheduler_options(o, "schedules the tasks of several -w; this run has one");
  Workload w = workloads::get(command.workloads.front());
  const Target target = checked_tuning_target(o);
  TuneContext ctx(w, target);
  configure_space(ctx, command.space,
                  given(command.rules_option) ? std::optional(command.rules) : std::nullopt);
  ctx.seed = o.seed;
  ctx.num_threads = compile_threads(o);
  TuneOptions options;
  options.trials = o.trials;
  options.trials_per_round = o.trials_per_round;
  if (given(o.time_budget_option)) options.time_budget_seconds = o.time_budget;
  options.remeasure_top = o.remeasure;
  std::shared_ptr<SearchStrategy> strategy = make_search_strategy(o.strategy);
  std::shared_ptr<CostModel> model = make_cost_model(o.cost_model, o.cost_model_file);
  Database db(o.db);
  LocalBuilder builder(ctx.num_threads);
  LocalRunner runner(measurement_options(o, target));

  const bool terminal = isatty(fileno(stdout)) != 0;
  int64_t trials_at_start = -1;
  options.on_progress = [&](const TuneProgress& p) {
    if (trials_at_start < 0) trials_at_start = p.trials - 1;
    const double done = static_cast<double>(p.trials - trials_at_start);
    const double remaining =
        done > 0 ? p.elapsed_seconds / done * static_cast<double>(p.target_trials - p.trials) : NAN;
    std::string line =
        fmt::format("round {}: {}/{} trials, best {}, elapsed {}, remaining ~{}", p.round, p.trials,
                    p.target_trials, latency_text(p.best_seconds, p.flops),
                    duration_text(p.elapsed_seconds), duration_text(remaining));
    if (terminal) {
      fmt::print("\r\033[K{}", line);
      if (p.round_finished) fmt::print("\n");
      std::fflush(stdout);
    } else if (p.round_finished) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    }
  };
  fmt::print("tuning {} for {} on {} ({} candidates per round, {} search, database {})\n", w.spec,
             given(o.time_budget_option)
                 ? fmt::format("{} trials or {} s", options.trials, options.time_budget_seconds)
                 : fmt::format("{} trials", options.trials),
             ctx.target.str(), options.trials_per_round, o.strategy, db.directory());
  std::fflush(stdout);
  TuneSummary summary = tune(ctx, db, *strategy, *model, builder, runner, options);
  if (summary.trials_before > 0)
    fmt::print("resumed: the database already held {} trials of this task\n",
               summary.trials_before);
  fmt::print("{}", summary.to_text());
  if (options.trials == 0) return summary.best_program.empty() ? 1 : 0;
  if (!std::isfinite(summary.best_seconds())) {
    fmt::print(stderr, "tessera: error: no program of {} was measured successfully on {}\n", w.spec,
               ctx.target.str());
    return 1;
  }
  return 0;
}

// Several -w: one task each, weight 1, under the task scheduler.
int tune_several(const TuneCommandOptions& command) {
  const SchedulingOptions& o = command.common;
  if (o.trials == 0)
    fail("--trials 0 (the no-tuning mode) takes one -w; this run has {}", command.workloads.size());
  std::vector<SchedulerTask> tasks;
  std::set<std::string> seen;
  for (const std::string& spec : command.workloads) {
    SchedulerTask t;
    t.workload = workloads::get(spec);
    if (!seen.insert(t.workload.spec).second) fail("-w {} is given twice", t.workload.spec);
    const size_t colon = t.workload.spec.find(':');
    t.anchor = t.workload.spec.substr(0, colon);
    t.shape = colon == std::string::npos ? "" : t.workload.spec.substr(colon + 1);
    tasks.push_back(std::move(t));
  }
  const std::optional<std::string> rules =
      given(command.rules_option) ? std::optional(command.rules) : std::nullopt;
  const std::string space = command.space;
  SchedulerSummary summary = tune_tasks(std::move(tasks), o, [space, rules](TuneContext& ctx) {
    configure_space(ctx, space, rules);
  });
  return summary.unmeasured_tasks() < static_cast<int>(summary.tasks.size()) ? 0 : 1;
}

}  // namespace

Command add_tune_command(CLI::App& root) {
  auto o = std::make_shared<TuneCommandOptions>();
  CLI::App* app = root.add_subcommand(
      "tune", "tune a workload: rounds of candidates searched, built and measured into a database");
  app->add_option("-w,--workload", o->workloads,
                  "a library spec (gemm:m=512,n=512,k=512, C2D:1) or an IR text file; several "
                  "-w tune them together under one budget")
      ->required()
      ->type_name("WORKLOAD");
  add_scheduling_options(
      app, o->common,
      "records the task should have in the database (with several -w: all tasks together)");
  app->add_option("--space", o->space, "rules (the default) or a registered space's NAME")
      ->type_name("rules|NAME");
  o->rules_option =
      app->add_option("--rules", o->rules, "these schedule rules instead of the target's")
          ->type_name("R1,R2,...");
  add_plugin_option(app, o->plugins);
  app->footer(
      R"(Tunes the workload for the target (default this machine, `llvm -mcpu=native`): rounds of K
candidates (default 64) drawn from the design space by the search strategy (default
evolutionary, guided by the cost model), compiled in parallel and measured one at a
time in an isolated worker, which checks each against the unscheduled program before timing
it. Every measurement, failed or not, is appended to the tuning database DIR (created if
needed; docs/database-format.md) before the next one starts.
--trials N is the number of records the task (workload and target) should have in DIR: a
run on a database that already holds some resumes, and programs measured before are never
measured again. --time-budget stops starting new rounds after that many seconds.
--space and --rules choose the design space as for `tessera space`; --plugin loads a
plugin first. --threads T: threads that sample and compile candidates (default every
hardware thread); the kernels run on the target's -num-cores threads. --timeout: wall
clock per candidate (default 10 s). At the end the best M (default 3) are re-measured in a
fresh worker over 3 rounds and the summary shows their medians and spread; the tuning curve
(trial, best latency so far) is written as CSV next to the database.
--cost-model: mlp (default; the per-store MLP of docs/features.md, trained after every
round on what the task has measured, and at the start on what DIR already holds) or
random (the baseline). --cost-model-file MODEL starts the MLP from a trained model
(`tessera costmodel train`; models/ ships one for this machine type).
--trials 0 with a trained model is the no-tuning mode: the search ranks candidates with the
model alone and the best one is written to DIR as a "predicted" record, measured never;
`tessera replay --db DIR` builds it.
Progress goes to the terminal (one updating line) or, when stdout is not one, one line per round.
Several -w tune the workloads together (docs/tuning.md, "Many tasks"): --trials is then the
budget of all of them, --scheduler gradient (default), round-robin or family chooses whose
round runs next, and the progress is a table of the tasks (a line per round when stdout is
not a terminal).)");
  return {app, [o] {
            load_plugins(o->plugins);
            return o->workloads.size() == 1 ? tune_workload(*o) : tune_several(*o);
          }};
}

}  // namespace tessera::cli
