// micro_bench: Google Benchmark's command line (--benchmark_filter=ir/, ...), plus
//   -w SPEC          a workload for the space and feature benchmarks (repeatable;
//                    default GMM:3 and C2D:2)
//   --sketch-counts  print the default space's sketch count per suite entry and shape
//
//   taskset -c 0 build/bench/micro_bench --benchmark_filter=replay
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "micro_bench.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/defaults.h"

namespace tessera::bench {

void print_sketch_counts() {
  const Target target = Target::host();
  fmt::print("sketches of the default space, suite entries at shapes 0..3:\n");
  for (const WorkloadInfo* info : workloads::list()) {
    if (info->shapes.empty()) continue;
    std::vector<std::string> counts;
    for (size_t i = 0; i < info->shapes.size(); ++i) {
      TuneContext ctx(workloads::get(fmt::format("{}:{}", info->name, i)), target);
      fill_defaults(ctx);
      counts.push_back(std::to_string(ctx.generate_design_space().size()));
    }
    fmt::print("  {:<4} {}\n", info->name, fmt::join(counts, " "));
  }
}

}  // namespace tessera::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  std::vector<std::string> specs;
  bool sketch_counts = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "-w" && i + 1 < argc) {
      specs.push_back(argv[++i]);
    } else if (arg == "--sketch-counts") {
      sketch_counts = true;
    } else {
      std::fprintf(stderr,
                   "micro_bench: unknown argument '%s' (Google Benchmark's flags, -w SPEC, "
                   "--sketch-counts)\n",
                   arg.c_str());
      return 2;
    }
  }
  if (sketch_counts) {
    tessera::bench::print_sketch_counts();
    return 0;
  }
  tessera::bench::register_tuning_benchmarks(
      specs.empty() ? std::vector<std::string>{"GMM:3", "C2D:2"} : specs);
  benchmark::AddCustomContext("cpu_model", [] {
    std::ifstream in("/proc/cpuinfo");
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
    }
    return std::string("unknown");
  }());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
