// LocalBuilder and LocalRunner: LLVM builds in parallel, measurements in the isolated worker.
#include "tessera/tune/measure.h"

#include <fmt/format.h>

#include "tessera/codegen/llvm_codegen.h"
#include "tessera/lower/lower.h"
#include "tessera/support/error.h"
#include "tessera/tune/search_strategy.h"

namespace tessera {

std::vector<BuildResult> LocalBuilder::build(const std::vector<PrimFunc>& scheduled,
                                             const Target& target, const std::string& directory) {
  return parallel_map<BuildResult>(
      static_cast<int64_t>(scheduled.size()), threads_, [&](int64_t i) {
        BuildResult result;
        try {
          result.lowered = lower(scheduled[i], target);
          result.function_name = result.lowered->name;
          result.library_path = fmt::format("{}/candidate_{}.so", directory, i);
          LLVMModule::write({result.lowered}, LLVMModule::OutputKind::kLoadableLibrary,
                            result.library_path, 3, target);
        } catch (const std::exception& e) {
          result.error = e.what();
        }
        return result;
      });
}

MeasureResult LocalRunner::run(const Workload& workload, const BuildResult& built) {
  if (!built.ok()) fail("LocalRunner::run: candidate was not built ({})", built.error);
  return runner_.measure(workload.func, built.library_path, built.function_name);
}

}  // namespace tessera
