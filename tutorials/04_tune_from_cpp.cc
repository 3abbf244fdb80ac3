// Tutorial 4: tuning a workload from C++ with the built-in rules.
//
// Tuning searches a design space for the fastest program, measuring candidates on this
// machine. The pieces:
// - a TuneContext: the workload, the target, the design space (PostOrderApply: the
//   target's schedule rules on every block), the postprocessors and the mutators;
// - a search strategy and a cost model;
// - a Builder and a Runner, which compile candidates and measure them in an isolated worker;
// - a Database, where every measurement is appended before the next one starts.
//
// tune() runs rounds until the task has its trials. It then re-measures the best few
// candidates in a fresh worker and returns a summary. This is what `tessera tune` does.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tessera/tessera.h"

using namespace tessera;

int main() {
  // A scratch directory for the database (a real run keeps it: it resumes from it).
  std::string dir =
      (std::filesystem::temp_directory_path() / "tessera_tutorial_04_XXXXXX").string();
  if (mkdtemp(dir.data()) == nullptr) return 1;

  // 1. The task: a 128x128x128 GEMM for this machine, two threads.
  TuneContext ctx(workloads::get("gemm:m=128,n=128,k=128"),
                  Target::parse("llvm -mcpu=native -num-cores=2"));
  ctx.space_generator = std::make_shared<PostOrderApply>();  // the default rules
  fill_defaults(ctx);                                        // postprocessors and mutators
  ctx.seed = 42;
  ctx.num_threads = 2;  // threads that sample and compile candidates

  // 2. The design space it searches: three sketches from MultiLevelTiling's write-back choices.
  std::printf("%zu sketches\n", ctx.generate_design_space().size());

  // 3. Search, build and measure: 2 rounds of 8 candidates. Each candidate is checked
  //    against the unscheduled program before it is timed; a wrong or crashing kernel
  //    becomes a failed record, never the best.
  Database db(dir);
  LocalBuilder builder(ctx.num_threads);
  RunnerOptions measuring;
  measuring.threads = 2;
  measuring.timing = TimingOptions{1, 3, 5, false};  // 3 repeats of at least 5 ms
  LocalRunner runner(measuring);
  TuneOptions options;
  options.trials = 16;
  options.trials_per_round = 8;
  options.on_progress = [](const TuneProgress& p) {
    if (p.round_finished)
      std::printf("round %d: %lld trials, best %.4f ms\n", p.round,
                  static_cast<long long>(p.trials), p.best_seconds * 1e3);
  };
  std::shared_ptr<SearchStrategy> search = make_evolutionary_search();
  std::shared_ptr<CostModel> model = make_component<CostModel>("Random");
  TuneSummary summary = tune(ctx, db, *search, *model, builder, runner, options);
  std::printf("%s", summary.to_text().c_str());
  if (!std::isfinite(summary.best_seconds())) return 1;

  // 4. The best program, from the database: its trace replays to exactly the measured
  //    program, printed here as the C++ schedule that produces it.
  std::vector<RankedProgram> best = db.top_k(summary.workload_hash, summary.target, 1);
  Schedule sch = replay_record(*best[0].record, ctx.workload);
  std::printf("best program %s as a schedule:\n%s", best[0].record->program.c_str(),
              sch.trace()->as_cpp().c_str());

  std::filesystem::remove_all(dir);
  return 0;
}
