// `tessera run-model`: runs an ONNX model with compiled kernels, checks and times it.
#include <filesystem>

#include <fmt/format.h>

#include "commands.h"
#include "model_inputs.h"
#include "tessera/frontend/graph_runner.h"
#include "tessera/frontend/onnx_import.h"
#include "tessera/support/file_system.h"

namespace tessera::cli {
namespace {

struct RunModelOptions {
  std::string model, database, cost_model_file, output_dir;
  std::vector<std::string> input_shapes, inputs, expected;
  bool check = false, time = false, no_cache = false, profile = false;
  int threads = 0;
  int samples = 128;
  uint64_t seed = 0;
  int64_t repeats = 10;
};

int run_model(const RunModelOptions& options) {
  frontend::ImportOptions import_options;
  for (const std::string& s : options.input_shapes) frontend::parse_input_shape(s, import_options);
  frontend::Graph graph = frontend::import_onnx(options.model, import_options);
  std::map<std::string, NDArray> feed = model_inputs(graph, options.inputs, options.seed);
  frontend::RunnerOptions runner_options;
  runner_options.database = options.database;
  runner_options.cost_model_file = options.cost_model_file;
  runner_options.num_threads = options.threads;
  runner_options.seed = options.seed;
  runner_options.use_cache = !options.no_cache;
  runner_options.cost_model_samples = options.samples;
  frontend::GraphRunner runner(graph, runner_options);
  std::map<std::string, int> by_source;
  int cached = 0;
  for (const frontend::KernelSource& s : runner.kernel_sources()) {
    ++by_source[s.kind];
    cached += s.cached ? 1 : 0;
  }
  std::string sources;
  for (const auto& [kind, count] : by_source)
    sources += fmt::format("{}{} from {}", sources.empty() ? "" : ", ", count, kind);
  if (cached > 0) sources += fmt::format("; {} loaded from the kernel cache", cached);
  fmt::print("{} tasks built in {:.2f} s ({})\n", runner.partition().tasks.size(),
             runner.build_seconds(), sources);
  std::map<std::string, NDArray> outputs = runner.run(feed);
  int status = 0;
  if (options.check) {
    std::map<std::string, NDArray> reference;
    if (!options.expected.empty()) {
      for (const std::string& text : options.expected) {
        auto [name, file] = name_and_file(text, "--expected");
        reference[name] = frontend::read_tensor_file(file);
      }
    } else {
      frontend::RunnerOptions unscheduled = runner_options;
      unscheduled.unscheduled = true;
      reference = frontend::GraphRunner(graph, unscheduled).run(feed);
    }
    for (const auto& [name, expected] : reference) {
      auto it = outputs.find(name);
      if (it == outputs.end())
        fail("--expected names '{}', which is not an output of the model", name);
      Comparison c = compare(it->second, expected, 1e-3, 1e-4, /*nan_equal=*/true);
      fmt::print("check {}: {}\n", name, c.match ? "ok" : c.summary);
      if (!c.match) status = 1;
    }
  }
  if (options.time) {
    std::vector<double> seconds;
    for (int64_t r = 0; r < options.repeats; ++r) seconds.push_back(seconds_of_run(runner, feed));
    std::sort(seconds.begin(), seconds.end());
    fmt::print("latency: median {:.3f} ms, min {:.3f} ms over {} runs\n",
               1e3 * seconds[seconds.size() / 2], 1e3 * seconds.front(), seconds.size());
  }
  if (options.profile) {
    runner.run(feed);
    std::vector<double> seconds = runner.task_seconds();
    double total = 0;
    for (double t : seconds) total += t;
    std::vector<size_t> order(seconds.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](size_t a, size_t b) { return seconds[a] > seconds[b]; });
    fmt::print("{:>4}  {:<36} {:<22} {:>6} {:>10} {:>7} {:>9}  {}\n", "#", "task", "shape",
               "weight", "ms", "share", "GFLOP/s", "kernel");
    for (size_t i : order) {
      const frontend::Task& t = runner.partition().tasks[i];
      const frontend::KernelSource& src = runner.kernel_sources()[i];
      double rate = seconds[i] > 0 ? static_cast<double>(t.flops * t.weight) / seconds[i] / 1e9 : 0;
      fmt::print("{:>4}  {:<36} {:<22} {:>6} {:>10.3f} {:>6.1f}% {:>9.1f}  {}\n", i, t.name,
                 t.shape, t.weight, 1e3 * seconds[i], total > 0 ? 100 * seconds[i] / total : 0,
                 rate, src.kind);
    }
  }
  if (!options.output_dir.empty()) {
    if (!std::filesystem::is_directory(options.output_dir))
      fail("--output-dir: {} is not a directory", options.output_dir);
    for (const auto& [name, array] : outputs) {
      std::string path = options.output_dir + "/" + name + ".pb";
      frontend::write_tensor_file(path, array, name);
      fmt::print("wrote {}\n", path);
    }
  }
  return status;
}

}  // namespace

Command add_run_model_command(CLI::App& root) {
  auto options = std::make_shared<RunModelOptions>();
  CLI::App* app = root.add_subcommand("run-model", "run an ONNX model with compiled kernels");
  app->add_option("model", options->model, "the .onnx file")->required()->type_name("MODEL.onnx");
  app->add_option("--input-shape", options->input_shapes,
                  "pin an input's symbolic dimensions (repeatable)")
      ->type_name("NAME=D0,D1,...");
  app->add_option("--input", options->inputs,
                  "an input's value, a serialized TensorProto (repeatable)")
      ->type_name("NAME=FILE.pb");
  app->add_option("--db", options->database, "take each task's kernel from this tuning database")
      ->type_name("DIR");
  app->add_option("--cost-model-file", options->cost_model_file,
                  "for tasks the database lacks, the pick of this trained cost model")
      ->type_name("MODEL");
  add_integer(app, "--samples", options->samples, 1,
              "default-space samples --cost-model-file ranks per task (default 128)", 65536)
      ->needs(app->get_option("--cost-model-file"));
  app->add_option("--output-dir", options->output_dir, "write each output to DIR/NAME.pb")
      ->type_name("DIR");
  app->add_flag("--check", options->check,
                "compare the outputs with --expected files, or else with the unscheduled model");
  app->add_option("--expected", options->expected, "an output's expected value (repeatable)")
      ->type_name("NAME=FILE.pb");
  app->add_flag("--time", options->time, "time the model end to end");
  app->add_flag("--profile", options->profile, "time each task in one run, slowest first");
  app->add_flag(
      "--no-cache", options->no_cache,
      "build every kernel (the kernel cache, $TESSERA_CACHE_DIR or ~/.cache/tessera/kernels, is "
      "neither read nor written)");
  add_integer(app, "--repeats", options->repeats, int64_t{1}, "runs timed by --time (default 10)");
  add_integer(app, "--threads", options->threads, 1, "threads of the kernels (default: every core)",
              4096);
  add_integer(app, "--seed", options->seed, uint64_t{0},
              "seed of the default-space samples and random inputs");
  app->footer(
      R"(Imports the model, builds one kernel per task — from --db when it has the task, else the
--cost-model-file pick, else a sample of the default design space — and runs it. Inputs not
given with --input are random (seed --seed). --check compares with --expected, or, without
it, with every task's unscheduled program compiled by LLVM. Kernels are kept in a cache on
disk (named by the program, or by the task and how its program was chosen, the target and
the tessera build), so a second run loads them.)");
  return {app, [options] { return run_model(*options); }};
}

}  // namespace tessera::cli
