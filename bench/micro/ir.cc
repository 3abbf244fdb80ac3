// IR fast paths: printing, parsing, structural hashing and equality of workload programs.
// The search hashes and compares thousands of candidate programs per second.
#include <benchmark/benchmark.h>

#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

void register_ir_benchmarks() {
  for (const char* spec : {"GMM:3", "C2D:2", "SFM:1", "T2D:0"}) {
    const std::string name = spec;
    benchmark::RegisterBenchmark(("ir/print/" + name).c_str(), [spec](benchmark::State& state) {
      const PrimFunc f = workloads::get(spec).func;
      for (auto _ : state) benchmark::DoNotOptimize(print(f).size());
    });
    benchmark::RegisterBenchmark(("ir/parse/" + name).c_str(), [spec](benchmark::State& state) {
      const std::string text = print(workloads::get(spec).func);
      for (auto _ : state) benchmark::DoNotOptimize(parse_prim_func(text).defined());
      state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * text.size()));
    });
    benchmark::RegisterBenchmark(("ir/hash/" + name).c_str(), [spec](benchmark::State& state) {
      const PrimFunc f = workloads::get(spec).func;
      for (auto _ : state) benchmark::DoNotOptimize(structural_hash(f));
    });
    benchmark::RegisterBenchmark(("ir/equal/" + name).c_str(), [spec](benchmark::State& state) {
      const PrimFunc f = workloads::get(spec).func, g = workloads::get(spec).func;
      for (auto _ : state) benchmark::DoNotOptimize(structural_equal(f, g));
    });
  }
}

[[maybe_unused]] const bool registered = (register_ir_benchmarks(), true);

}  // namespace
}  // namespace tessera
