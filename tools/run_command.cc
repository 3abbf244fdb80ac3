// `tessera run`: a workload in the reference interpreter on random inputs.
#include <memory>

#include <fmt/format.h>

#include "commands.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/runtime/ndarray.h"
#include "tessera/te/workloads.h"

namespace tessera::cli {
namespace {

struct RunOptions {
  std::string workload;
  uint64_t seed = 0;
};

int run(const RunOptions& options) {
  Workload w = workloads::get(options.workload);
  std::vector<NDArray> arrays = make_random_arguments(w.func, options.seed);
  run_reference(w.func, arrays);
  const auto& params = w.func->params;
  for (size_t i = 0; i < params.size(); ++i) {
    fmt::print("{:<10} {:<24} sum {:.6g}  first {:.6g}\n", params[i]->name, shape_string(arrays[i]),
               arrays[i].sum(), arrays[i].get(0));
  }
  return 0;
}

}  // namespace

Command add_run_command(CLI::App& root) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* app =
      root.add_subcommand("run", "run a workload in the reference interpreter on random inputs");
  add_workload_option(app, options->workload)->required();
  add_integer(app, "--seed", options->seed, uint64_t{0}, "seed of the random inputs (default 0)");
  app->footer(
      "Runs the workload in the reference interpreter on random inputs and prints the sum and "
      "the\nfirst element of each parameter afterwards.");
  return {app, [options] { return run(*options); }};
}

}  // namespace tessera::cli
