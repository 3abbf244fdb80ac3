// The measurement gate: a process-wide reader/writer lock that keeps code generation
// and timing apart, because a compiler running on the other core disturbs the kernel
// being timed (DESIGN.md §5: nothing is compiled while something is being timed).
// Code generators hold a CompilationScope while they work (any number at once);
// IsolatedRunner::measure holds the MeasurementScope, which waits for running
// compilations to finish and holds new ones back until the measurement is done.
//
//   { CompilationScope building; ...run LLVM... }
//   { MeasurementScope timing; ...measure one candidate... }
#pragma once

#include <mutex>
#include <shared_mutex>

namespace tessera {

/// The lock itself (one per process).
std::shared_mutex& measurement_gate();

class CompilationScope {
 public:
  CompilationScope() : lock_(measurement_gate()) {}

 private:
  std::shared_lock<std::shared_mutex> lock_;
};

class MeasurementScope {
 public:
  MeasurementScope() : lock_(measurement_gate()) {}

 private:
  std::unique_lock<std::shared_mutex> lock_;
};

}  // namespace tessera
