// `tessera space`: a workload's design space as C++ sketches, and programs sampled from it.
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "commands.h"
#include "driver_common.h"
#include "tessera/ir/printer.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/candidate.h"

namespace tessera::cli {
namespace {

struct SpaceOptions {
  std::string workload, target, space = "rules", rules;
  std::vector<std::string> plugins;
  int64_t sample = 0;
  uint64_t seed = 0;
  CLI::Option* rules_option = nullptr;
  CLI::Option* sample_option = nullptr;
};

int print_space(const SpaceOptions& options) {
  load_plugins(options.plugins);
  Workload w = workloads::get(options.workload);
  TuneContext ctx(w, target_from(options.target));
  configure_space(ctx, options.space,
                  given(options.rules_option) ? std::optional(options.rules) : std::nullopt);
  ctx.seed = options.seed;
  std::vector<Schedule> sketches = ctx.generate_design_space();
  fmt::print("{} sketches\n", sketches.size());
  for (size_t k = 0; k < sketches.size(); ++k)
    fmt::print("// sketch {}\n{}", k, sketches[k].trace()->as_cpp());
  if (!given(options.sample_option)) return 0;
  const int64_t count = options.sample;
  if (sketches.empty()) fail("the design space of {} has no sketches to sample", w.spec);
  SampleStatistics stats;
  int64_t printed = 0;
  // Bounded: a space whose every sample is rejected ends with its reasons, not a hang.
  const int64_t max_attempts = count * 20;
  for (int64_t attempt = 0; printed < count && attempt < max_attempts; ++attempt) {
    const size_t k = static_cast<size_t>(attempt) % sketches.size();
    const uint64_t seed = ctx.seed * 1000003 + static_cast<uint64_t>(attempt);
    CandidateResult c = sample_candidate(*sketches[k].trace(), w.func, seed, ctx.postprocs);
    stats.record(c);
    if (!c.schedule) continue;
    fmt::print("// sample {} (sketch {}, seed {})\n{}", printed++, k, seed,
               print(c.schedule->func()));
  }
  fmt::print("// {}\n", stats.summary());
  if (printed < count)
    fail("only {} of {} samples were accepted after {} attempts: {}", printed, count,
         stats.attempts, stats.summary());
  return 0;
}

}  // namespace

Command add_space_command(CLI::App& root) {
  auto options = std::make_shared<SpaceOptions>();
  CLI::App* app = root.add_subcommand(
      "space", "print a design space: its sketches as C++, or programs sampled from it");
  add_workload_option(app, options->workload)->required();
  add_target_option(app, options->target);
  app->add_option("--space", options->space,
                  "rules (the target's schedule rules, the default) or a registered space's NAME")
      ->type_name("rules|NAME");
  options->rules_option =
      app->add_option("--rules", options->rules,
                      "replace the target's rule list by these schedule rules, in order")
          ->type_name("R1,R2,...");
  add_plugin_option(app, options->plugins);
  options->sample_option = add_integer(app, "--sample", options->sample, int64_t{1},
                                       "sample N postprocessed programs and print them as IR");
  add_integer(app, "--seed", options->seed, uint64_t{0}, "seed of the samples (default 0)")
      ->needs(options->sample_option);
  app->footer(
      R"(Prints the design space of the workload for the target (default: this machine): a line
"N sketches", then each sketch (a traced schedule whose sampling decisions the search
redraws) as the body of a C++ schedule function. --space rules (the default) generates it
with the target's schedule rules (PostOrderApply); --space NAME takes the handwritten
schedule or template NAME (tessera spaces). --rules replaces the target's rule list by the
named schedule rules, in order (tessera rules lists them, plugins' included). --plugin
loads a plugin first (repeatable).
With --sample N it then samples N programs (seed S, default 0): each sketch in turn is
replayed with fresh decisions and postprocessed, and each accepted program is printed as
IR; a line at the end counts the samples rejected, by the postprocessor that rejected them.)");
  return {app, [options] { return print_space(*options); }};
}

}  // namespace tessera::cli
