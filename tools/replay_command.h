// The options of `tessera replay`, shared by its two halves: replay_command.cc (apply,
// print, lower, compile, check, time in this process) and replay_isolated.cc (--isolated:
// measured in a worker process as the tuner measures).
#pragma once

#include <cstdint>
#include <string>

#include "cli.h"
#include "tessera/ir/function.h"
#include "tessera/te/workloads.h"

namespace tessera::cli {

struct ReplayOptions {
  std::string workload, trace, space, db, save_trace, target, emit, out;
  bool print_ir = false, dump_after_each = false, check = false, time = false, repair = false,
       debug = false, isolated = false;
  int threads = 1;
  uint64_t seed = 0;
  double timeout = 10;
  CLI::Option* trace_option = nullptr;
  CLI::Option* space_option = nullptr;
  CLI::Option* db_option = nullptr;
  CLI::Option* save_trace_option = nullptr;
  CLI::Option* out_option = nullptr;
  CLI::Option* threads_option = nullptr;
  CLI::Option* seed_option = nullptr;
};

/// --isolated: the scheduled program as a shared library, measured by the isolated runner
/// like a tuning candidate; 0 when it matched and was timed.
int measure_isolated(const ReplayOptions& options, const Workload& workload,
                     const PrimFunc& scheduled);

}  // namespace tessera::cli
