// CModule: C source (c_codegen.h) compiled by the system C compiler into a shared
// library and loaded, so its functions run on NDArrays. The compiler is `cc` or
// $TESSERA_CC; the flags keep the interpreter's semantics (-fwrapv, no contraction of
// a*b+c into fma, no fast-math) and enable OpenMP for parallel loops.
//
//   CModule m = CModule::compile(emit_c({lowered}));
//   m.run("gemm", args);   // args: one array per parameter, as for run_reference
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tessera/runtime/ndarray.h"

namespace tessera {

class CModule {
 public:
  /// Throws Error with the compiler's messages when compilation fails.
  static CModule compile(const std::string& source);

  /// Runs `<func>_packed` on the arrays' storage (a parameter sees its array flat).
  void run(const std::string& func, std::vector<NDArray>& args) const;
  /// The threads the modules' parallel loops (OpenMP) run on; by default every hardware thread.
  static void set_num_threads(int threads);
  /// Where the shared library lies (removed with the last copy of the module).
  const std::string& library_path() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace tessera
