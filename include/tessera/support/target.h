// Target: what code is generated for, from a target string
//
//   llvm [-mcpu=NAME] [-num-cores=N]      LLVM CPU backend; NAME as LLVM spells it
//                                         (znver5, skylake-avx512, ...) or native
//   c [-num-cores=N]                      the C backend
//
// `canonical()` resolves `native` and a missing -num-cores to this machine's CPU and
// hardware threads, so the string stored with a measurement names the machine it ran on.
//
//   Target t = Target::parse("llvm -mcpu=native").canonical();
//   t.str();   // "llvm -mcpu=znver5 -num-cores=2"
//   t.facts().vector_register_bytes;   // 64: the CPU has AVX-512
//   t.facts().has("avx512vnni");       // what the CPU can do, in LLVM's feature names
//
// Rules, postprocessors and code generators ask a Target these facts; nothing above
// `support` probes the CPU itself.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tessera {

/// What code generation and the schedule rules need to know of a target's CPU: from LLVM's
/// description of the CPU, and for this machine's CPU the operating system's cache sizes.
struct TargetFacts {
  int vector_register_bytes = 16;  // the widest SIMD register: 64 with AVX-512, 32 with AVX
  std::vector<std::string>
      features;  // of the features tessera uses (see kKnownFeatures), those the CPU has
  int64_t l1d_cache_bytes = 0;  // per core; 0: unknown (a CPU other than this machine's)
  int64_t l2_cache_bytes = 0;   // per core; 0: unknown
  int64_t l3_cache_bytes = 0;   // shared; 0: unknown

  /// The LLVM feature names tessera looks at.
  static constexpr const char* kKnownFeatures[] = {
      "sse4.2",     "avx",        "avx2",    "fma",      "avx512f",  "avx512bw", "avx512vl",
      "avx512vnni", "avx512bf16", "avxvnni", "amx-tile", "amx-int8", "amx-bf16"};
  bool has(std::string_view feature) const;
};

struct Target {
  std::string kind = "llvm";   // "llvm" or "c"
  std::string cpu = "native";  // llvm only
  int num_cores = 0;           // threads parallel loops run on; 0: every hardware thread

  /// Throws Error naming the token that is wrong and listing what is accepted.
  static Target parse(const std::string& text);
  /// This machine: `llvm -mcpu=<host cpu> -num-cores=<hardware threads>`.
  static Target host();
  /// `native` and 0 cores replaced by this machine's values.
  Target canonical() const;
  std::string str() const;
  /// The CPU's facts, computed once per CPU name and cached (thread-safe). Throws Error when
  /// LLVM knows no such CPU. The C backend's facts are those of this machine.
  const TargetFacts& facts() const;
};

/// LLVM's name for this machine's CPU (for example "znver5").
std::string host_cpu_name();

}  // namespace tessera
