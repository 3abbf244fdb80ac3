// micro_bench: the fast paths of the search timed by Google Benchmark (ir, arith, replay,
// space, features), one file each under bench/micro/. Benchmarks that need the command
// line (the workloads of -w) register through these functions.
#pragma once

#include <string>
#include <vector>

namespace tessera::bench {

void register_tuning_benchmarks(const std::vector<std::string>& specs);
/// The sketch count of the default CPU space for every suite entry at every preset shape.
void print_sketch_counts();

}  // namespace tessera::bench
