// Feature extraction speed: programs sampled from the default CPU design space of each
// workload (as the search scores them), features extracted per second on one core.
// The evolutionary search scores thousands of candidates per round.
//
//   taskset -c 0 build/bench/feature_bench [--seconds S] [-w WORKLOAD ...]  (default GMM:3 C2D:2)
#include <cstdio>

#include <fmt/format.h>

#include "bench_util.h"

#include "tessera/te/workloads.h"
#include "tessera/tune/candidate.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/feature_extractor.h"

using namespace tessera;

int main(int argc, char** argv) {
  const double seconds = bench::seconds_option(argc, argv);
  std::vector<std::string> specs;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "-w") specs.push_back(argv[++i]);
  }
  if (specs.empty()) specs = {"GMM:3", "C2D:2"};
  fmt::print("machine: {}, 1 thread\n", bench::cpu_model());
  for (const std::string& spec : specs) {
    TuneContext ctx(workloads::get(spec), Target::host());
    fill_defaults(ctx);
    std::vector<Schedule> sketches = ctx.generate_design_space();
    std::vector<PrimFunc> programs;
    for (uint64_t seed = 1; programs.size() < 64 && seed < 1000; ++seed) {
      CandidateResult c = sample_candidate(*sketches[seed % sketches.size()].trace(), ctx.workload.func, seed, ctx.postprocs);
      if (c.schedule) programs.push_back(c.schedule->func());
    }
    size_t next = 0;
    long rows = 0, calls = 0;
    const double rate = bench::rate(seconds, [&] {
      rows += extract_features(programs[next++ % programs.size()]).rows();
      ++calls;
    });
    fmt::print("{:<6} {:.0f} programs/s ({:.1f} stores per program, {} features each)\n", spec, rate,
               static_cast<double>(rows) / static_cast<double>(calls), kFeatureCount);
  }
  return 0;
}
