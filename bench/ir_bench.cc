// IR fast paths: printing, parsing, structural hashing and equality of workload
// programs, in operations per second on one core. The search will hash and
// compare thousands of candidate programs per second; this keeps an eye on it.
//
//   build/bench/ir_bench [--seconds S]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>

#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/te/workloads.h"

using namespace tessera;

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

double rate(double seconds, const std::function<void()>& op) {
  using clock = std::chrono::steady_clock;
  op();  // warm up
  long n = 0;
  auto start = clock::now();
  double elapsed = 0;
  do {
    for (int i = 0; i < 8; ++i) op();
    n += 8;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < seconds);
  return static_cast<double>(n) / elapsed;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 1.0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) seconds = std::atof(argv[++i]);
  }
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
