// The LLVM 19 CPU backend: lowered (flattened) functions become LLVM IR built with
// IRBuilder, optimised at O3 for the host CPU and compiled in memory by ORC's LLJIT.
// Buffers are noalias, 64-byte aligned pointers; parallel loops are outlined and run on
// the runtime's thread pool (thread_pool.h); vector expressions (lowering's
// vectorize_loops) become LLVM vectors, contiguous accesses vector loads and stores, other
// accesses gathers and scatters; a loop still marked vectorized (lowered without that
// pass) asks LLVM's loop vectorizer for its width, unrolled loops ask for full unrolling; the
// built-in math maps to LLVM intrinsics (exp, log, sqrt, fma, ...) or libm. Floating-point
// a * b + c may be contracted into a fused multiply-add (rounding once); nothing else is
// reassociated.
//
//   LLVMModule m = LLVMModule::compile({lower(sch.func())});
//   m.run("gemm", args);   // args: one NDArray per parameter, as for run_reference
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/runtime/ndarray.h"
#include "tessera/support/target.h"

namespace tessera {

class LLVMModule {
 public:
  /// Throws Error naming the function and construct the backend cannot express.
  /// For `target`'s CPU (default: this machine, every feature it has). Code for another
  /// CPU may use instructions this one lacks: run it only where it fits.
  static LLVMModule compile(const std::vector<PrimFunc>& lowered, int opt_level = 3,
                            const Target& target = Target{});

  enum class OutputKind { kAssembly, kObject, kSharedLibrary, kLoadableLibrary };
  /// Writes the optimised module for the host CPU to `path`: assembly text, a
  /// position-independent object file, or a shared library (that object linked by `cc`,
  /// or $TESSERA_CC, against libtessera, whose thread pool runs its parallel loops).
  /// Each function `f` is exported as `void f(T* param, ...)` and `void f_packed(void**)`
  /// (emit_c_header, c_codegen.h, writes the matching C header).
  /// kLoadableLibrary is a shared library only for dlopen into a process that already
  /// has libtessera loaded (the measurement worker): linked by `ld` alone, with no
  /// compiler driver and no library search (a quarter of kSharedLibrary's link time, which
  /// the tuner pays per candidate); its thread-pool and libm calls bind when it is loaded.
  static void write(const std::vector<PrimFunc>& lowered, OutputKind kind, const std::string& path,
                    int opt_level = 3, const Target& target = Target{});
  /// The assembly text `write` with kAssembly would write.
  static std::string assembly(const std::vector<PrimFunc>& lowered, int opt_level = 3,
                              const Target& target = Target{});

  /// Runs `func` on the arrays' storage (a parameter sees its array flat).
  void run(const std::string& func, std::vector<NDArray>& args) const;
  /// The optimised module as LLVM IR text.
  const std::string& llvm_ir() const;
  /// The CPU the code was compiled for (LLVM's name for it).
  const std::string& cpu() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace tessera
