// `tessera tune-model`: tunes an ONNX model's tasks under one budget with a task scheduler,
// then runs the model with the tuned kernels next to the untuned ones.
#include <filesystem>
#include <map>

#include <fmt/format.h>

#include "commands.h"
#include "driver_common.h"
#include "model_inputs.h"
#include "task_scheduling.h"
#include "tessera/frontend/graph_runner.h"
#include "tessera/frontend/onnx_import.h"
#include "tessera/frontend/tasks.h"
#include "tessera/runtime/correctness_check.h"
#include "tessera/runtime/evaluator.h"

namespace tessera::cli {
namespace {

struct TuneModelOptions {
  std::string model;
  std::vector<std::string> input_shapes, inputs;
  SchedulingOptions common;
  int64_t repeats = 20;
  bool no_cache = false;
};

std::string kernel_sources_text(const frontend::GraphRunner& runner) {
  std::map<std::string, int> by_source;
  for (const frontend::KernelSource& s : runner.kernel_sources()) ++by_source[s.kind];
  std::string text;
  for (const auto& [kind, count] : by_source)
    text += fmt::format("{}{} from {}", text.empty() ? "" : ", ", count, kind);
  return text;
}

int tune_model(const TuneModelOptions& options) {
  const SchedulingOptions& o = options.common;
  if (o.trials < 1) fail("--trials: tune-model needs at least 1 trial, got {}", o.trials);
  const Target target = checked_tuning_target(o);  // before the model is imported
  frontend::ImportOptions import_options;
  for (const std::string& s : options.input_shapes) frontend::parse_input_shape(s, import_options);
  frontend::Graph graph = frontend::import_onnx(options.model, import_options);
  frontend::Partition partition = frontend::partition(graph);
  if (partition.tasks.empty()) fail("{}: the model has no tasks to tune", options.model);
  const std::string model_name = std::filesystem::path(options.model).filename().string();
  std::vector<SchedulerTask> tasks;
  for (size_t i = 0; i < partition.tasks.size(); ++i) {
    const frontend::Task& t = partition.tasks[i];
    SchedulerTask task;
    // The spec names where the task comes from; the database knows it by its program's hash.
    task.workload =
        Workload{fmt::format("{} task {} ({})", model_name, i, t.name), t.func, t.flops};
    task.name = t.name;
    task.weight = t.weight;
    task.anchor = t.anchor;
    task.shape = t.shape;
    tasks.push_back(std::move(task));
  }
  fmt::print("{}: {} distinct tasks\n", options.model, tasks.size());
  SchedulerSummary summary =
      tune_tasks(std::move(tasks), o, [](TuneContext& ctx) { fill_defaults(ctx); });

  // The model with the tuned kernels, next to the untuned one (the cost model's picks with
  // --cost-model-file, else a default-space sample per task).
  std::map<std::string, NDArray> feed = model_inputs(graph, options.inputs, o.seed);
  frontend::RunnerOptions tuned_options;
  tuned_options.database = o.db;
  tuned_options.target = target.str();
  tuned_options.num_threads = target.num_cores;
  tuned_options.seed = o.seed;
  tuned_options.use_cache = !options.no_cache;
  frontend::RunnerOptions untuned_options = tuned_options;
  untuned_options.database = "";
  untuned_options.cost_model_file = o.cost_model_file;
  frontend::GraphRunner tuned(graph, tuned_options);
  frontend::GraphRunner untuned(graph, untuned_options);
  fmt::print("model built: tuned kernels {}; untuned kernels {}\n", kernel_sources_text(tuned),
             kernel_sources_text(untuned));
  std::map<std::string, NDArray> tuned_out = tuned.run(feed), untuned_out = untuned.run(feed);
  int status = 0;
  for (const auto& [name, expected] : untuned_out) {
    Comparison c = compare(tuned_out.at(name), expected, 1e-3, 1e-4, /*nan_equal=*/true);
    if (!c.match) {
      fmt::print("output {}: the tuned model differs from the untuned one: {}\n", name, c.summary);
      status = 1;
    }
  }
  // Alternating runs, so that a slow minute of the machine slows both alike.
  std::vector<double> tuned_seconds, untuned_seconds;
  for (int64_t r = 0; r < options.repeats; ++r) {
    tuned_seconds.push_back(seconds_of_run(tuned, feed));
    untuned_seconds.push_back(seconds_of_run(untuned, feed));
  }
  const double tuned_median = median_of(tuned_seconds);
  const double untuned_median = median_of(untuned_seconds);
  fmt::print(
      "end-to-end latency (median of {} runs, {} threads): tuned {:.3f} ms, untuned {:.3f} ms "
      "({:.2f}x); the tasks' best measured add up to {:.3f} ms\n",
      options.repeats, target.num_cores, tuned_median * 1e3, untuned_median * 1e3,
      untuned_median / tuned_median, summary.estimated_seconds() * 1e3);
  return status;
}

}  // namespace

Command add_tune_model_command(CLI::App& root) {
  auto options = std::make_shared<TuneModelOptions>();
  CLI::App* app = root.add_subcommand(
      "tune-model", "tune every task of an ONNX model under one budget, then run the model");
  app->add_option("model", options->model, "the .onnx file")->required()->type_name("MODEL.onnx");
  add_scheduling_options(app, options->common,
                         "records all the model's tasks together should have in the database");
  app->add_option("--input-shape", options->input_shapes,
                  "pin the shape of an input with symbolic dimensions (repeatable)")
      ->type_name("NAME=D0,D1,...")
      ->take_last();
  app->add_option("--input", options->inputs,
                  "an input's value for the end-to-end run (default random; repeatable)")
      ->type_name("NAME=FILE.pb")
      ->take_last();
  add_integer(app, "--repeats", options->repeats, int64_t{1},
              "end-to-end runs of each model timed at the end (default 20)");
  app->add_flag("--no-cache", options->no_cache, "build every kernel afresh (no kernel cache)");
  app->footer(
      R"(Imports the model (as `tessera import`), and tunes its distinct tasks together under one
budget: --trials N is the number of records all the tasks should have in the database DIR
(a run on a database that holds some resumes). --scheduler chooses whose round runs next:
gradient (default; Ansor's: after a warm-up round per task, the task where a round is
estimated to gain most end-to-end latency), round-robin, or family (FamilySeer: tasks in
families by --family-by op|hash share one cost model, and a round that improves a task
gives its siblings a foresee round of --foresee-trials candidates). A task stops when it
gained less than 1% over --converge-after trials. On a terminal the progress is one table
(task, anchor, shape, weight, trials, best latency, share of the estimated end-to-end
latency); otherwise one line per round. Every round is appended to --log (default
DIR/task_rounds.csv).
At the end the model is built with the tuned kernels and with the untuned ones (the picks
of --cost-model-file when given, else a default-space sample per task), their outputs
are compared, and both are timed end to end (median of --repeats alternating runs).)");
  return {app, [options] { return tune_model(*options); }};
}

}  // namespace tessera::cli
