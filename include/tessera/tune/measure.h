// Building and running candidates for the tuner (DESIGN.md §6). A Builder lowers and
// compiles a batch of scheduled programs into shared libraries, in parallel; a Runner
// measures one library at a time. The built-in LocalBuilder uses LLVM; LocalRunner
// measures in the isolated worker process (runtime/isolated_runner.h) with the
// correctness check, so a crash or a hang costs one failed record. Tests substitute
// their own Builder and Runner (a fake runner gives run times from the program).
//
//   LocalBuilder builder(2);
//   std::vector<BuildResult> built = builder.build(programs, target, scratch_dir);
//   LocalRunner runner(RunnerOptions{...});
//   MeasureResult r = runner.run(workload, built[0]);
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/runtime/isolated_runner.h"
#include "tessera/support/target.h"
#include "tessera/te/workloads.h"

namespace tessera {

struct BuildResult {
  std::string library_path;   // the shared library (when built)
  std::string function_name;  // exported as `<function_name>_packed`
  PrimFunc lowered;           // the lowered program (when built)
  std::string error;          // why it could not be built; empty on success
  bool ok() const { return error.empty(); }
};

class Builder {
 public:
  virtual ~Builder() = default;
  /// One result per program, in order; library `i` goes to `directory/candidate_<i>.so`.
  /// Never throws for a program that fails to build: that is its result's error.
  virtual std::vector<BuildResult> build(const std::vector<PrimFunc>& scheduled,
                                         const Target& target, const std::string& directory) = 0;
};

class Runner {
 public:
  virtual ~Runner() = default;
  /// Checks and times one built candidate of `workload`; never throws for what the
  /// candidate does.
  virtual MeasureResult run(const Workload& workload, const BuildResult& built) = 0;
  /// A runner like this one with a fresh worker: the re-measurement of the best
  /// candidates uses one, so no state of the search's worker carries over.
  virtual std::unique_ptr<Runner> fresh() const = 0;
};

/// Lowers for the target and compiles with LLVM (O3) on `threads` threads.
class LocalBuilder : public Builder {
 public:
  explicit LocalBuilder(int threads) : threads_(threads) {}
  std::vector<BuildResult> build(const std::vector<PrimFunc>& scheduled, const Target& target,
                                 const std::string& directory) override;

 private:
  int threads_;
};

/// The isolated worker process, with the correctness check before timing.
class LocalRunner : public Runner {
 public:
  explicit LocalRunner(RunnerOptions options) : options_(options), runner_(options) {}
  MeasureResult run(const Workload& workload, const BuildResult& built) override;
  std::unique_ptr<Runner> fresh() const override { return std::make_unique<LocalRunner>(options_); }

 private:
  RunnerOptions options_;
  IsolatedRunner runner_;
};

}  // namespace tessera
