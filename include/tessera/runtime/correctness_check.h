// The correctness check every compiled candidate passes before it is timed or trusted
// (DESIGN.md §5): the candidate and the reference (the unscheduled program) run on the
// same random inputs from the workload's input generator; the candidate's outputs start
// as NaN (integers: a fixed pattern), so an element it never writes cannot pass;
// integers must be equal, floats within a per-element bound
//
//   |actual - expected| <= 2 (n + 2) eps (magnitude + |expected|) + the type's smallest normal
//
// where eps is the type's machine epsilon, n the longest reduction in the program (the
// worst-case growth of rounding error in a sum of n terms, for both results) and
// magnitude the reference's output on the absolute values of the inputs: the sum of
// |terms| for sums of products. Reference results are cached per workload and seed, so
// the tuner pays for the reference once.
//
//   ReferenceCache cache;                                   // the interpreter as reference
//   CheckResult r = check_correctness(func, [&](std::vector<NDArray>& args) { module.run("gemm",
//   args); }, cache); if (!r.match) log_warning("{}", r.summary());
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/runtime/ndarray.h"

namespace tessera {

/// Runs a program on arguments (one array per parameter, outputs written in place).
using KernelRunner = std::function<void(std::vector<NDArray>& args)>;

struct OutputCheck {
  std::string name;
  bool match = true;
  int64_t elements = 0, mismatches = 0;
  std::string worst_index;  // logical coordinates, "[3, 5]"; empty when every error is 0
  double worst_error = 0, worst_bound = 0, actual = 0, expected = 0;
  std::string summary;  // one line for users
};

struct CheckResult {
  bool match = true;
  std::vector<OutputCheck> outputs;  // one per parameter the program writes
  std::string summary() const;       // one line per output
};

/// Reference outputs (and their magnitudes) per workload and seed. The reference runner
/// defaults to the interpreter; a faster trusted runner (the unscheduled program
/// compiled) may be given for large workloads. Thread-safe.
class ReferenceCache {
 public:
  explicit ReferenceCache(std::function<KernelRunner(const PrimFunc&)> make_reference_runner = {});

  struct Entry {
    std::vector<NDArray> inputs;     // the arguments before the run (outputs zero)
    std::vector<NDArray> expected;   // after the reference run
    std::vector<NDArray> magnitude;  // after the reference run on |inputs|
    int64_t reduction_length = 1;
  };
  std::shared_ptr<const Entry> get(const PrimFunc& workload, uint64_t seed);

 private:
  std::function<KernelRunner(const PrimFunc&)> make_runner_;
  std::mutex mutex_;
  std::map<std::pair<uint64_t, uint64_t>, std::shared_ptr<const Entry>> entries_;
};

/// The check itself; `workload` is the unscheduled program (its parameters are what the
/// candidate receives: arrays of the logical shapes, flat for a lowered candidate).
CheckResult check_correctness(const PrimFunc& workload, const KernelRunner& run_candidate,
                              ReferenceCache& cache, uint64_t seed = 0);

/// The longest reduction in the program: the largest product of one block's reduction
/// extents (1 when there is none).
int64_t longest_reduction(const PrimFunc& func);

}  // namespace tessera
