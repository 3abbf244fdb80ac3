// `tessera replay --isolated`: the scheduled program built as a shared library and checked
// and timed in the isolated worker process, as the tuner measures its candidates.
#include <cstdio>
#include <filesystem>
#include <optional>

#include <fmt/format.h>

#include "driver_common.h"
#include "replay_command.h"
#include "tessera/codegen/c_codegen.h"
#include "tessera/codegen/llvm_codegen.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/isolated_runner.h"
#include "tessera/support/file_system.h"

namespace tessera::cli {

int measure_isolated(const ReplayOptions& o, const Workload& w, const PrimFunc& scheduled) {
  if (!o.emit.empty() && o.emit != "so")
    fail("--isolated builds a shared library; it goes with --emit so or no --emit");
  if (!o.emit.empty() && !given(o.out_option))
    fail("--isolated --emit so needs --out PATH (without --emit the library is temporary)");
  if (o.dump_after_each || o.print_ir)
    fail("--isolated prints measurements, not programs; drop --dump-after-each and --print-ir");
  const Target target = target_from(o.target);
  if (target.kind != "llvm")
    fail("--isolated needs an llvm target; the target is '{}'", target.str());
  RunnerOptions options;
  options.threads = given(o.threads_option) ? o.threads : target.num_cores;
  options.timeout_seconds = o.timeout;
  options.seed = o.seed;
  options.timing = TimingOptions{1, 5, 100, false};
  IsolatedRunner runner(options);  // before compiling: a missing worker is found at once
  const PrimFunc lowered = lower(scheduled, target);
  std::optional<TemporaryDirectory> temporary;
  std::string path;
  if (given(o.out_option)) {
    path = o.out;
  } else {
    temporary.emplace("tessera_isolated");
    path = temporary->path() + "/" + lowered->name + ".so";
  }
  LLVMModule::write({lowered}, LLVMModule::OutputKind::kSharedLibrary, path, 3, target);
  if (!temporary) {
    std::string header = std::filesystem::path(path).replace_extension(".h").string();
    write_text_file(header, emit_c_header({lowered}, w.spec));
    fmt::print("wrote {} and {}\n", path, header);
  }
  MeasureResult r = runner.measure(w.func, path, lowered->name);
  std::fputs(r.check_summary.c_str(), stdout);
  if (!r.ok()) {
    fmt::print("isolated: {}: {}\n", to_string(r.status), r.reason);
    return 1;
  }
  fmt::print("check: MATCH\n");
  for (size_t i = 0; i < r.seconds.size(); ++i)
    fmt::print("repeat {}: {:.4f} ms ({} runs)\n", i, r.seconds[i] * 1e3, r.number);
  fmt::print("median {:.4f} ms, {:.2f} GFLOP/s ({} threads, isolated worker)\n", r.median() * 1e3,
             static_cast<double>(w.flops) / r.median() * 1e-9, options.threads);
  return 0;
}

}  // namespace tessera::cli
