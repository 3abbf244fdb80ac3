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
#pragma once

#include <string>

namespace tessera {

struct Target {
  std::string kind = "llvm";  // "llvm" or "c"
  std::string cpu = "native";  // llvm only
  int num_cores = 0;           // threads parallel loops run on; 0: every hardware thread

  /// Throws Error naming the token that is wrong and listing what is accepted.
  static Target parse(const std::string& text);
  /// This machine: `llvm -mcpu=<host cpu> -num-cores=<hardware threads>`.
  static Target host();
  /// `native` and 0 cores replaced by this machine's values.
  Target canonical() const;
  std::string str() const;
};

/// LLVM's name for this machine's CPU (for example "znver5").
std::string host_cpu_name();

}  // namespace tessera
