// GraphRunner: executes an imported model end to end with compiled kernels. Each task of
// the partition (tasks.h) gets its kernel, in this order of preference: the fastest program
// of a tuning database (--db), the cost model's recorded pick there (the no-tuning mode of
// `tessera tune --trials 0`), the pick of a trained cost model made now (when a model file
// is given), else a deterministic sample of the default design space — never the
// unscheduled program. Kernels are built in parallel and kept in a cache on disk, so a
// second run of the model loads them. Steps whose inputs are all weights
// run once when the runner is made; intermediate buffers are reused as soon as their last
// reader has run; views share their input's storage.
//
//   GraphRunner runner(import_onnx("model.onnx"), {.database = "tuning"});
//   std::map<std::string, NDArray> out = runner.run({{"input", image}});
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tessera/frontend/graph.h"
#include "tessera/frontend/tasks.h"
#include "tessera/runtime/ndarray.h"
#include "tessera/support/target.h"

namespace tessera::frontend {

struct RunnerOptions {
  std::string database = "";         // a tuning database to take kernels from ("" for none)
  std::string cost_model_file = "";  // a trained model for tasks the database lacks ("" for none)
  int cost_model_samples = 128;      // default-space samples the cost model ranks
  std::string target =
      "";               // what the kernels are compiled for (and looked up by); "": this machine
  int num_threads = 0;  // threads of the kernels and of the build; 0: every core
  uint64_t seed = 0;    // of the default-space samples
  /// Compile the unscheduled programs instead (the reference of --check; slow).
  bool unscheduled = false;
  /// Kernels are kept in a cache on disk, named by what they compute and how they were
  /// chosen, so a second run loads them. "" : $TESSERA_CACHE_DIR, else ~/.cache/tessera/kernels.
  std::string cache_directory = "";
  bool use_cache = true;
};

/// Where a task's kernel came from.
struct KernelSource {
  std::string kind;     // "database", "predicted", "cost model", "default space", "unscheduled"
  std::string detail;   // the program hash, the sample's seed, ...
  bool cached = false;  // loaded from the kernel cache
};

class GraphRunner {
 public:
  GraphRunner(Graph graph, RunnerOptions options = {});
  ~GraphRunner();
  GraphRunner(GraphRunner&&) noexcept;

  /// Runs the model; `inputs` by graph input name (each must match its shape and type).
  std::map<std::string, NDArray> run(const std::map<std::string, NDArray>& inputs);

  const Graph& graph() const;
  const Partition& partition() const;
  const std::vector<KernelSource>& kernel_sources() const;  // per task
  double build_seconds() const;
  /// Per task: the seconds its steps took in the last run (all its occurrences together).
  std::vector<double> task_seconds() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace tessera::frontend
