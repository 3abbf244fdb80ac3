// Tutorial 3, part 2: loading a rule plugin and generating a design space with it.
//
//   tutorial_03_load_plugin path/to/libtutorial_03_rule_plugin.so
//
// The same works from the command line:
//   tessera space -w elementwise:m=64,n=100 --plugin libtutorial_03_rule_plugin.so --rules
//   AutoInline,ParallelizeOutermost --sample 2
// or by putting the library in a directory named by $TESSERA_PLUGIN_PATH.
#include <cstdio>

#include "tessera/tessera.h"

using namespace tessera;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s PLUGIN.so\n", argv[0]);
    return 2;
  }
  // 1. Load the plugin: its rule joins the registry, attributed to the file.
  load_plugin(argv[1]);
  const ComponentEntry& entry =
      find_component(ComponentKind::kScheduleRule, "ParallelizeOutermost");
  std::printf("loaded %s from %s\n", entry.name.c_str(), entry.origin.c_str());

  // 2. A tuning context with a rule list that uses it: inline what can be inlined, then
  //    the plugin's rule. The default postprocessors finish each sample
  //    (RewriteParallelVectorizeUnroll reads the tessera.vectorize annotation).
  Workload w = workloads::get("elementwise:m=64,n=100");
  TuneContext ctx(w, Target::host());
  ctx.space_generator = std::make_shared<PostOrderApply>(std::vector<std::shared_ptr<ScheduleRule>>{
      make_component<ScheduleRule>("AutoInline"),
      make_component<ScheduleRule>("ParallelizeOutermost")});
  fill_defaults(ctx);
  std::vector<Schedule> sketches = ctx.generate_design_space();
  std::printf("%zu sketches\n", sketches.size());
  for (const Schedule& s : sketches) std::printf("----\n%s", s.trace()->as_cpp().c_str());

  // 3. Sample each sketch, build it and check it against the unscheduled program.
  ReferenceCache cache;
  int failures = 0;
  for (size_t k = 0; k < sketches.size(); ++k) {
    CandidateResult c = sample_candidate(*sketches[k].trace(), w.func, k, ctx.postprocs);
    if (!c.schedule) {
      std::printf("sketch %zu rejected by %s: %s\n", k, c.rejected_by.c_str(), c.reason.c_str());
      ++failures;
      continue;
    }
    PrimFunc lowered = lower(c.schedule->func(), ctx.target);
    LLVMModule module = LLVMModule::compile({lowered});
    CheckResult r = check_correctness(
        w.func, [&](std::vector<NDArray>& args) { module.run(lowered->name, args); }, cache);
    std::printf("sketch %zu: %s\n", k, r.match ? "matches the reference" : r.summary().c_str());
    failures += r.match ? 0 : 1;
  }
  return failures == 0 && sketches.size() == 2 ? 0 : 1;
}
