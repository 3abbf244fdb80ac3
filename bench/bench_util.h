// Shared by the benchmarks: the machine's CPU model and a rate measurement.
#pragma once

#include <chrono>
#include <fstream>
#include <functional>
#include <string>

namespace tessera::bench {

inline std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

/// Calls `op` (after one warm-up call) for at least `seconds`; returns calls per second.
inline double rate(double seconds, const std::function<void()>& op) {
  using clock = std::chrono::steady_clock;
  op();
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

/// The value of `--seconds S` on the command line, or `fallback`.
inline double seconds_option(int argc, char** argv, double fallback = 1.0) {
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--seconds") return std::stod(argv[i + 1]);
  }
  return fallback;
}

}  // namespace tessera::bench
