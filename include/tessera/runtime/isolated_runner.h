// The isolated runner: measures compiled candidates (shared libraries, the artefact
// `tessera replay --emit so` writes) in a separate, long-lived worker process, so a
// candidate that crashes (SIGSEGV, SIGFPE, ...) or never finishes costs one failed
// measurement, never the caller (DESIGN.md §5).
//
// The worker (`tessera-worker`, measure_worker.h) is spawned with posix_spawn, never a
// fork() of the caller, which runs LLVM and thread pools. For each candidate it
// computes the reference (cached per workload and seed while it lives), loads the
// library, runs the correctness check (correctness_check.h) and times the kernel
// (evaluator.h). The caller waits on the answer under a wall-clock timeout; after a
// crash or a timeout the worker is killed and a fresh one is started for the next
// candidate. While measure() runs, code generation in this process waits (the
// measurement gate, measurement_gate.h): nothing is compiled while something is timed.
//
//   IsolatedRunner runner({.timeout_seconds = 10, .threads = 2});
//   MeasureResult r = runner.measure(workload.func, "/tmp/cand/k.so", "gemm");
//   if (r.ok()) fmt::print("{} s\n", r.median());
//   else fmt::print("failed ({}): {}\n", to_string(r.status), r.reason);
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/runtime/evaluator.h"

namespace tessera {

enum class MeasureStatus {
  kOk,           // checked (when asked) and timed
  kWrongResult,  // ran, but an output differs from the reference beyond the bound
  kCrash,        // the worker died while running the candidate (the signal is in the reason)
  kTimeout,      // no answer within the timeout; the worker was killed
  kLoadError,    // the library could not be loaded or lacks `<function>_packed`
  kRunnerError,  // the worker could not be started, or the reference could not be computed
};

/// "ok", "wrong result", "crash", "timeout", "load error", "runner error".
const char* to_string(MeasureStatus status);

struct MeasureResult {
  MeasureStatus status = MeasureStatus::kRunnerError;
  std::string reason;           // why it failed; for kOk empty
  std::vector<double> seconds;  // per run, one per repeat (kOk only)
  int number = 0;               // runs per repeat the evaluator used
  std::string check_summary;    // the correctness check's lines (when it ran)
  bool ok() const { return status == MeasureStatus::kOk; }
  /// The median of `seconds`; throws Error when there is none.
  double median() const;
};

struct RunnerOptions {
  /// The worker executable; empty: $TESSERA_WORKER, else the one built or installed
  /// with this libtessera.
  std::string worker_path;
  /// Wall clock for one candidate: loading, checking and timing it.
  double timeout_seconds = 10;
  /// Wall clock for computing a workload's reference outputs (once per worker).
  double reference_timeout_seconds = 600;
  TimingOptions timing{1, 3, 50, false};
  int threads = 1;    // threads the kernel's parallel loops run on
  bool check = true;  // run the correctness check before timing
  uint64_t seed = 0;  // input seed, for the check and the timing
};

class IsolatedRunner {
 public:
  explicit IsolatedRunner(RunnerOptions options = {});
  ~IsolatedRunner();  // asks the worker to exit; kills it if it does not within a second
  IsolatedRunner(const IsolatedRunner&) = delete;
  IsolatedRunner& operator=(const IsolatedRunner&) = delete;

  /// Measures `function` (exported as `<function>_packed`) of the shared library at
  /// `library_path`, which computes `workload` (the unscheduled program: its
  /// parameters, inputs and reference). Never throws for anything the candidate does;
  /// calls are serialised.
  MeasureResult measure(const PrimFunc& workload, const std::string& library_path,
                        const std::string& function_name);

  const RunnerOptions& options() const { return options_; }
  /// Workers started so far (1 after the first measurement, +1 per crash or timeout).
  int workers_started() const { return workers_started_; }
  /// The running worker's process id, or -1 when none runs.
  pid_t worker_pid() const { return pid_; }

 private:
  struct Reply;
  void start_worker();
  void stop_worker(bool kill_now);
  bool worker_alive();
  Reply read_reply(double timeout_seconds);
  /// Stops the worker (if it still runs) and describes the failure with its last output.
  MeasureResult failure_after_death(MeasureStatus status, const std::string& what);

  RunnerOptions options_;
  std::string worker_path_;
  pid_t pid_ = -1;
  int socket_ = -1;          // requests out, replies in (the worker's stdin and stdout)
  int stderr_fd_ = -1;       // the worker's stderr, kept for failure reasons
  std::string pending_;      // reply bytes read past the last newline
  std::string stderr_tail_;  // the worker's latest stderr output
  std::string last_exit_;    // how the last stopped worker ended ("killed by SIGSEGV (...)")
  int workers_started_ = 0;
};

/// The worker executable IsolatedRunner uses by default (see RunnerOptions::worker_path);
/// throws Error naming the places it looked when there is none.
std::string default_worker_path();

}  // namespace tessera
