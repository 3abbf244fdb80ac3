#include "tessera/codegen/reference_runner.h"

#include <memory>

#include "tessera/codegen/llvm_codegen.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/te/flops.h"

namespace tessera {

bool uses_compiled_reference(const PrimFunc& workload) {
  return count_flops(workload) > 50'000'000;
}

KernelRunner reference_runner_for(const PrimFunc& workload) {
  if (!uses_compiled_reference(workload)) {
    return [workload](std::vector<NDArray>& args) { run_reference(workload, args); };
  }
  // O1: the reference is run twice per workload, so compile time matters more than speed.
  auto module = std::make_shared<LLVMModule>(LLVMModule::compile({lower(workload)}, 1));
  return [module, name = workload->name](std::vector<NDArray>& args) { module->run(name, args); };
}

}  // namespace tessera
