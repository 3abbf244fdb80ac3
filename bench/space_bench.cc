// Design-space speed: for each workload, the sketches of the default CPU space, the
// rate of space generation, and the rate of sampled programs (a sketch replayed with
// fresh decisions, then the default postprocessors, VerifyInBounds included), per
// second on one core. The search samples and postprocesses thousands of candidates
// per round. Also prints the sketch count of every suite entry at every preset shape.
//
//   taskset -c 0 build/bench/space_bench [--seconds S] [-w WORKLOAD ...]  (default GMM:3 GMM:2 C2D:2 C2D:1)
#include <cstdio>

#include <fmt/format.h>

#include "bench_util.h"

#include "tessera/te/workloads.h"
#include "tessera/tune/candidate.h"
#include "tessera/tune/defaults.h"

using namespace tessera;

int main(int argc, char** argv) {
  const double seconds = bench::seconds_option(argc, argv);
  fmt::print("machine: {}\n", bench::cpu_model());
  const Target target = Target::host();
  std::vector<std::string> specs;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "-w") specs.push_back(argv[++i]);
  }
  const bool chosen = !specs.empty();
  if (!chosen) specs = {"GMM:3", "GMM:2", "C2D:2", "C2D:1"};
  for (const std::string& spec : specs) {
    TuneContext ctx(workloads::get(spec), target);
    fill_defaults(ctx);
    std::vector<Schedule> sketches = ctx.generate_design_space();
    const double spaces = bench::rate(seconds, [&] { ctx.generate_design_space(); });
    uint64_t seed = 0;
    SampleStatistics stats;
    const double samples = bench::rate(seconds, [&] {
      const Schedule& sketch = sketches[seed % sketches.size()];
      stats.record(sample_candidate(*sketch.trace(), ctx.workload.func, ++seed, ctx.postprocs));
    });
    fmt::print("{:<6} {} sketches; space generation {:.0f}/s; sample + postprocess {:.0f} programs/s ({})\n", spec, sketches.size(), spaces,
               samples, stats.summary());
  }
  if (chosen) return 0;
  fmt::print("\nsketches of the default space, suite entries at shapes 0..3:\n");
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
  return 0;
}
