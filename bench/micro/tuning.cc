// The search's per-candidate work on the default CPU design space of real workloads:
// generating the space, sampling + postprocessing a program (VerifyInBounds included), and
// extracting its per-store features for the cost model. Workloads: -w SPEC (repeatable) on
// micro_bench's command line; default GMM:3 and C2D:2.
#include <benchmark/benchmark.h>

#include <memory>

#include "micro_bench.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/candidate.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/feature_extractor.h"

namespace tessera::bench {

void register_tuning_benchmarks(const std::vector<std::string>& specs) {
  for (const std::string& spec : specs) {
    auto ctx = std::make_shared<TuneContext>(workloads::get(spec), Target::host());
    fill_defaults(*ctx);
    auto sketches = std::make_shared<std::vector<Schedule>>(ctx->generate_design_space());
    benchmark::RegisterBenchmark(
        ("space/generate/" + spec).c_str(), [ctx, sketches](benchmark::State& state) {
          for (auto _ : state) benchmark::DoNotOptimize(ctx->generate_design_space().size());
          state.counters["sketches"] = static_cast<double>(sketches->size());
        });
    benchmark::RegisterBenchmark(("space/sample/" + spec).c_str(), [ctx, sketches](
                                                                       benchmark::State& state) {
      uint64_t seed = 0;
      SampleStatistics stats;
      for (auto _ : state) {
        const Schedule& sketch = (*sketches)[seed % sketches->size()];
        stats.record(sample_candidate(*sketch.trace(), ctx->workload.func, ++seed, ctx->postprocs));
      }
      state.SetLabel(stats.summary());
    });
    benchmark::RegisterBenchmark(
        ("features/" + spec).c_str(), [ctx, sketches](benchmark::State& state) {
          std::vector<PrimFunc> programs;
          for (uint64_t seed = 1; programs.size() < 64 && seed < 1000; ++seed) {
            CandidateResult c = sample_candidate(*(*sketches)[seed % sketches->size()].trace(),
                                                 ctx->workload.func, seed, ctx->postprocs);
            if (c.schedule) programs.push_back(c.schedule->func());
          }
          if (programs.empty()) {
            state.SkipWithError("no program of the space was accepted");
            return;
          }
          size_t next = 0;
          int64_t rows = 0;
          for (auto _ : state) rows += extract_features(programs[next++ % programs.size()]).rows();
          state.counters["stores_per_program"] =
              static_cast<double>(rows) / static_cast<double>(state.iterations());
        });
  }
}

}  // namespace tessera::bench
