// IR fast paths: printing, parsing, structural hashing and equality of workload
// programs, in operations per second on one core. The search will hash and
// compare thousands of candidate programs per second; this keeps an eye on it.
//
//   build/bench/ir_bench [--seconds S]
#include <cstdio>

#include "bench_util.h"
#include <string>

#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/te/workloads.h"

using namespace tessera;

using tessera::bench::cpu_model;
using tessera::bench::rate;

int main(int argc, char** argv) {
  const double seconds = tessera::bench::seconds_option(argc, argv);
  std::printf("machine: %s, 1 thread\n", cpu_model().c_str());
  std::printf("%-10s %10s %12s %12s %12s %12s\n", "workload", "text bytes", "print/s", "parse/s", "hash/s", "equal/s");
  for (const char* spec : {"GMM:3", "C2D:2", "SFM:1", "T2D:0"}) {
    PrimFunc f = workloads::get(spec).func;
    PrimFunc g = workloads::get(spec).func;
    std::string text = print(f);
    double p = rate(seconds, [&] { volatile size_t n = print(f).size(); (void)n; });
    double q = rate(seconds, [&] { volatile bool d = parse_prim_func(text).defined(); (void)d; });
    double h = rate(seconds, [&] { volatile uint64_t x = structural_hash(f); (void)x; });
    double e = rate(seconds, [&] { volatile bool x = structural_equal(f, g); (void)x; });
    std::printf("%-10s %10zu %12.0f %12.0f %12.0f %12.0f\n", spec, text.size(), p, q, h, e);
  }
  return 0;
}
