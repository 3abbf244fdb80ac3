// The timing evaluator: runs a kernel `number` times per repeat, `repeat` repeats, and
// keeps every repeat's time per run. `number` grows (scaled by how far a trial fell
// short) until one repeat lasts at least `min_repeat_ms`, so short kernels are timed
// over many runs; with `flush_cache`,
// a buffer larger than the last-level cache is written between repeats so each repeat
// starts cold.
//
//   TimingResult t = time_kernel([&] { module.run("gemm", args); }, {.number = 1, .repeat = 5,
//   .min_repeat_ms = 50}); double ms = t.median() * 1e3;
#pragma once

#include <functional>
#include <vector>

namespace tessera {

struct TimingOptions {
  int number = 1;
  int repeat = 3;
  double min_repeat_ms = 0;
  bool flush_cache = false;
};

struct TimingResult {
  int number = 1;               // runs per repeat actually used
  std::vector<double> seconds;  // per run, one entry per repeat
  double median() const;
};

/// The median of `values` (the mean of the middle two for an even count); NaN when empty.
double median_of(std::vector<double> values);

/// Throws Error if number or repeat is not positive.
TimingResult time_kernel(const std::function<void()>& run, const TimingOptions& options);

}  // namespace tessera
