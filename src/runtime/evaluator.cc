#include "tessera/runtime/evaluator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>

#include "tessera/support/error.h"

namespace tessera {

double median_of(std::vector<double> values) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

double TimingResult::median() const { return seconds.empty() ? 0 : median_of(seconds); }

namespace {

// Writes and reads a buffer larger than any last-level cache this code meets.
void flush_caches() {
  static std::vector<uint64_t> junk(64 << 17);  // 64 MiB
  uint64_t sum = 0;
  for (size_t i = 0; i < junk.size(); i += 8) {
    junk[i] += i;
    sum += junk[i];
  }
  // Publish the sum so the loop is not optimised away.
  static std::atomic<uint64_t> sink;
  sink.store(sum, std::memory_order_relaxed);
}

double seconds_of(const std::function<void()>& run, int number) {
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < number; ++i) run();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TimingResult time_kernel(const std::function<void()>& run, const TimingOptions& options) {
  if (options.number < 1 || options.repeat < 1)
    fail("timing: number ({}) and repeat ({}) must be positive", options.number, options.repeat);
  TimingResult result;
  result.number = options.number;
  run();  // warm up: first-touch page faults and instruction caches are not the kernel's time
  if (options.min_repeat_ms > 0) {
    // Scale `number` by how far the last trial fell short (with 20% margin) rather than
    // doubling: one or two trials instead of log2(number), which dominated short kernels.
    for (;;) {
      const double ms = seconds_of(run, result.number) * 1e3;
      if (ms >= options.min_repeat_ms || result.number >= (1 << 24)) break;
      const double scale = ms > 0 ? options.min_repeat_ms * 1.2 / ms : 16.0;
      const double next = std::ceil(static_cast<double>(result.number) * std::min(scale, 1024.0));
      result.number =
          static_cast<int>(std::min<double>(std::max<double>(next, result.number * 2.0), 1 << 24));
    }
  }
  for (int r = 0; r < options.repeat; ++r) {
    if (options.flush_cache) flush_caches();
    result.seconds.push_back(seconds_of(run, result.number) / result.number);
  }
  return result;
}

}  // namespace tessera
