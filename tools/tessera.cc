// The `tessera` driver: one binary, one subcommand per task.
//
//   tessera workloads                 list the workload library
//   tessera show-ir -w gemm:m=64      print a workload's IR
//   tessera run -w C2D:1 [--seed S]   run a workload in the reference interpreter
//   tessera replay -w W --trace T     apply a trace; --check compares with the original
//   tessera show T.json               a trace as C++
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "tessera/codegen/c_codegen.h"
#include "tessera/codegen/c_module.h"
#include "tessera/codegen/llvm_codegen.h"
#include "tessera/ir/printer.h"
#include "tessera/lower/lower.h"
#include "tessera/codegen/reference_runner.h"
#include "tessera/runtime/correctness_check.h"
#include "tessera/runtime/isolated_runner.h"
#include "tessera/tune/candidate.h"
#include "tessera/tune/database.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/tuner.h"
#include "tessera/tune/plugin.h"
#include "tessera/tune/registry.h"
#include "tessera/tune/schedule_rule.h"
#include "tessera/tune/space_generator.h"
#include "tessera/tune/tune_context.h"
#include "tessera/runtime/evaluator.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/runtime/thread_pool.h"
#include "tessera/runtime/ndarray.h"
#include "tessera/schedule/schedule.h"
#include "tessera/schedule/space_registry.h"
#include "tessera/support/error.h"
#include "tessera/support/target.h"
#include "tessera/support/version.h"
#include "tessera/te/workloads.h"
#include "driver_common.h"

namespace tessera {
namespace {

constexpr const char* kUsage = R"(usage: tessera <command> [options]

commands:
  workloads              list every workload: name, description, FLOPs of each preset shape
  show-ir -w WORKLOAD    print the IR of a workload (a library spec or an IR text file)
  run -w WORKLOAD        run a workload in the reference interpreter on random inputs
                         and print a checksum of each output [--seed S]
  replay -w WORKLOAD [--trace FILE.json | --space NAME | --db DIR] [--save-trace FILE.json] [--print-ir]
         [-t TARGET] [--emit ir|c|llvm|asm|obj|so] [--out PATH] [--dump-after-each] [--check] [--time] [--threads N] [--repair] [--debug]
         [--isolated [--timeout SECONDS]]
                         apply a trace or a handwritten schedule to a workload and print the
                         scheduled IR; --check compares it with the unscheduled program,
                         --time times the compiled kernel
  tune -w WORKLOAD --trials N --db DIR [-t TARGET] [--space rules|NAME] [--strategy S] [--trials-per-round K]
       [--time-budget SECONDS] [--seed S] [--threads T] [--plugin SO]... [--cost-model mlp|random]
       [--cost-model-file MODEL]
                         tune the workload: search, build and measure rounds of candidates, every
                         result appended to the tuning database DIR; prints progress and a summary
                         (--trials 0 with a trained model: its pick, unmeasured)
  costmodel train|eval --db DIR ...
                         train the MLP cost model on a tuning database, or measure how well
                         a model ranks its programs
  db list|best|show|merge|compact --db DIR ...
                         look into, merge and compact tuning databases
  space -w WORKLOAD [-t TARGET] [--space rules|NAME] [--rules R1,R2,..] [--plugin SO]... [--sample N [--seed S]]
                         print a design space: "N sketches", then each sketch as C++; with
                         --sample, N sampled and postprocessed programs as IR
  spaces [--plugin SO]   list the handwritten schedules and templates (spaces/) by name
  rules [--plugin SO]    list the registered tuning components (rules, postprocessors, mutators,
                         space generators) with their origin and parameters
  show FILE.json         print a trace as C++ (a handwritten schedule)
  version                print tessera's version, commit and LLVM version

Plugins (--plugin, or every *.so in the directories of $TESSERA_PLUGIN_PATH) add rules,
postprocessors, mutators and spaces (docs/plugins.md).

A WORKLOAD is a library name with parameters (gemm:m=512,n=512,k=512, C2D:1,
C2D:n=1,h=56,w=56,ci=64,co=64,kernel=3,stride=1,pad=1) or the path of a file in
the IR text format (docs/ir-text-format.md). 'tessera <command> --help' describes
a command.
)";

std::string human_flops(int64_t flops) {
  if (flops >= 1000000000) return fmt::format("{:.2f} G", static_cast<double>(flops) / 1e9);
  if (flops >= 1000000) return fmt::format("{:.2f} M", static_cast<double>(flops) / 1e6);
  if (flops >= 1000) return fmt::format("{:.2f} K", static_cast<double>(flops) / 1e3);
  return fmt::format("{}", flops);
}

int cmd_workloads(int argc, char** argv) {
  Options opts(argc, argv, 2, {{"--help", false}});
  if (opts.has("--help")) {
    std::puts("usage: tessera workloads\nLists every workload with its description, parameters and the FLOPs of each preset shape.");
    return 0;
  }
  for (const WorkloadInfo* w : workloads::list()) {
    fmt::print("{:<18} {}\n", w->name, w->description);
    std::vector<std::string> params;
    for (const WorkloadParam& p : w->params) {
      std::string text = p.name;
      if (!p.choices.empty()) text += "=" + fmt::format("{}", fmt::join(p.choices, "|"));
      if (!p.default_value.empty()) text += "(" + p.default_value + ")";
      params.push_back(text);
    }
    fmt::print("{:<18}   params: {}\n", "", fmt::join(params, ","));
    if (w->shapes.empty()) {
      Workload def = workloads::get(w->name);
      fmt::print("{:<18}   default {}: {}FLOP\n", "", def.spec, human_flops(def.flops));
    }
    for (size_t i = 0; i < w->shapes.size(); ++i) {
      Workload shape = workloads::get(fmt::format("{}:{}", w->name, i));
      fmt::print("{:<18}   {}:{}  {}FLOP  ({})\n", "", w->name, i, human_flops(shape.flops), shape.spec);
    }
  }
  return 0;
}

int cmd_show_ir(int argc, char** argv) {
  Options opts(argc, argv, 2, {{"--help", false}, {"--workload", true}});
  if (opts.has("--help")) {
    std::puts("usage: tessera show-ir -w WORKLOAD\nPrints the workload's IR in the text format, preceded by its canonical spec and FLOPs.");
    return 0;
  }
  Workload w = workloads::get(opts.get("--workload", "-w WORKLOAD"));
  fmt::print("# workload {}\n# {} FLOP\n{}", w.spec, w.flops, print(w.func));
  return 0;
}

int cmd_run(int argc, char** argv) {
  Options opts(argc, argv, 2, {{"--help", false}, {"--workload", true}, {"--seed", true}});
  if (opts.has("--help")) {
    std::puts("usage: tessera run -w WORKLOAD [--seed S]\nRuns the workload in the reference interpreter on random inputs (seed S, default 0)\nand prints the sum and the first elements of each output.");
    return 0;
  }
  Workload w = workloads::get(opts.get("--workload", "-w WORKLOAD"));
  uint64_t seed = opts.has("--seed") ? std::stoull(opts.get("--seed", "")) : 0;
  std::vector<NDArray> arrays = make_random_arguments(w.func, seed);
  run_reference(w.func, arrays);
  const auto& params = w.func->params;
  for (size_t i = 0; i < params.size(); ++i) {
    fmt::print("{:<10} {:<24} sum {:.6g}  first {:.6g}\n", params[i]->name, shape_string(arrays[i]),
               arrays[i].sum(), arrays[i].get(0));
  }
  return 0;
}

int check_against_reference(const Workload& w, const PrimFunc& result, Options& opts,
                            const std::function<void(std::vector<NDArray>&)>& run_compiled);

int measure_isolated(const Workload& w, const PrimFunc& scheduled, Options& opts);

int cmd_replay(int argc, char** argv) {
  Options opts(argc, argv, 2, {{"--help", false}, {"--workload", true}, {"--trace", true}, {"--print-ir", false},
                               {"--check", false}, {"--repair", false}, {"--seed", true},
                               {"--debug", false}, {"--emit", true}, {"--dump-after-each", false},
                               {"--out", true}, {"--time", false}, {"--threads", true},
                               {"--space", true}, {"--save-trace", true}, {"--target", true},
                               {"--isolated", false}, {"--timeout", true}, {"--db", true}});
  if (opts.has("--help")) {
    std::puts(R"(usage: tessera replay -w WORKLOAD [--trace FILE.json | --space NAME | --db DIR] [--save-trace FILE.json] [--print-ir]
                      [-t TARGET] [--emit ir|c|llvm|asm|obj|so] [--out PATH] [--dump-after-each] [--check] [--time]
                      [--threads N] [--repair] [--seed S] [--debug] [--isolated [--timeout SECONDS]]
Applies the trace, the handwritten schedule registered as NAME (see `tessera spaces`), or
the best record of the workload for the target in the tuning database DIR (what `tessera
tune --db DIR` found; `tessera db best` lists them) to the workload (with none, the
workload stays unscheduled); --save-trace writes the
trace of what was applied as JSON (replaying it gives the same program). Then
it prints the scheduled IR (always, or with --print-ir together with --check). --emit ir
lowers the result to loop IR and prints that instead; --emit c prints it as C (compiling
with `cc -O2 -fopenmp -fwrapv -ffp-contract=off`); --emit llvm prints the LLVM IR the JIT
compiles (optimised at O3 for the target's CPU: -t 'llvm -mcpu=NAME -num-cores=N', default
this machine, `llvm -mcpu=native`; -t c times the C backend), --emit asm its assembly; --emit obj and --emit so
write an object file or a shared library to --out PATH (needed) and a C header declaring
`void NAME(T* param, ...)` and `void NAME_packed(void** args)` as PATH with .h, which a
plain C program includes and links (the library runs parallel loops on libtessera's thread
pool and records where libtessera is); otherwise --out PATH writes what --emit makes to PATH instead
of printing it; --dump-after-each also prints the program after every lowering pass.
--time compiles the result (with LLVM, or with C under --emit c), prints the time of every
repeat and, on its last line, the median latency and GFLOP/s; --threads N sets the threads
parallel loops run on (default: the target's -num-cores, else every hardware thread). Replay is strict: a decision that no longer fits is an error naming
the instruction; --repair repairs it to the nearest valid one as the search does.
--check runs the scheduled and the unscheduled program in the reference interpreter on the
same random inputs (seed S, default 0), prints whether every output matches and the worst
error, and exits with status 1 on a mismatch. --debug re-verifies the schedule's invariants
(bindings inside their domains, stage pipeline, region cover) after every instruction.
With --emit ir, --check runs the lowered program; with --emit c or llvm, the compiled code.
--isolated measures as the tuner does: the kernel is compiled to a shared library (the one
--emit so writes; kept at --out PATH if given) and checked and timed in a separate worker
process under a wall-clock timeout (--timeout, default 10 s), so a crash or a hang is
reported as a failed measurement (exit status 1) instead of taking tessera down.)");
    return 0;
  }
  Workload w = workloads::get(opts.get("--workload", "-w WORKLOAD"));
  Schedule sch(w.func, 0, /*traced=*/true, /*debug=*/opts.has("--debug"));
  if (opts.has("--trace") + opts.has("--space") + opts.has("--db") > 1) fail("--trace, --space and --db each say how to schedule; give one");
  if (opts.has("--db")) {
    Database db(opts.get("--db", "--db DIR"), /*create=*/false);
    const std::string target = (opts.has("--target") ? Target::parse(opts.get("--target", "-t TARGET")) : Target{}).canonical().str();
    const std::string workload = workload_hash(w.func);
    const TuningRecord* predicted = db.latest_predicted(workload, target);
    if (predicted != nullptr && db.top_k(workload, target, 1).empty()) {
      // Nothing measured yet: the no-tuning mode's pick (tessera tune --trials 0).
      fmt::print(stderr, "replaying program {} from {}: predicted by the cost model {}, not measured\n", predicted->program, db.directory(),
                 predicted->time);
      sch = replay_record(*predicted, w);
    } else {
      std::vector<RankedProgram> best = top_k_or_fail(db, workload, w.spec, target, 1);
      fmt::print(stderr, "replaying program {} from {}: median {:.4f} ms over {} runs, measured {}\n", best[0].record->program, db.directory(),
                 best[0].median_seconds * 1e3, best[0].run_seconds.size(), best[0].record->time);
      sch = replay_record(*best[0].record, w);
    }
  } else if (opts.has("--trace")) {
    Trace trace = load_trace(opts.get("--trace", "--trace FILE.json"));
    trace.apply(sch, false, opts.has("--repair") ? ReplayMode::kRepair : ReplayMode::kStrict);
  } else if (opts.has("--space")) {
    const SpaceEntry& space = find_space(opts.get("--space", "--space NAME"));
    try {
      space.apply(sch);
    } catch (Error& e) {
      throw e.add_context(fmt::format("while applying space '{}' to {}", space.name, w.spec));
    }
  }
  if (opts.has("--save-trace")) {
    std::string path = opts.get("--save-trace", "--save-trace FILE.json");
    write_text_file(path, sch.trace()->to_json_string() + "\n");
  }
  PrimFunc result = sch.func();
  if (opts.has("--isolated")) return measure_isolated(w, result, opts);
  if (opts.has("--timeout")) fail("--timeout needs --isolated");
  std::string emit = opts.has("--emit") ? opts.get("--emit", "--emit ir|c") : "";
  if (!emit.empty() && emit != "ir" && emit != "c" && emit != "llvm" && emit != "asm" && emit != "obj" && emit != "so") {
    fail("--emit {}: the choices are ir (lowered loop IR), c, llvm, asm, obj and so", emit);
  }
  const bool binary = emit == "obj" || emit == "so";
  if (binary && !opts.has("--out")) fail("--emit {} needs --out PATH (a header is written next to it, as PATH with .h)", emit);
  if (opts.has("--dump-after-each") && emit.empty()) fail("--dump-after-each needs --emit");
  const Target target = (opts.has("--target") ? Target::parse(opts.get("--target", "-t TARGET")) : Target{}).canonical();
  if (target.kind == "c" && !emit.empty() && emit != "ir" && emit != "c") fail("--emit {} needs an llvm target; the target is '{}'", emit, target.str());
  if (target.kind == "c" && emit.empty() && opts.has("--time")) emit = "c";
  int threads = target.num_cores;
  if (opts.has("--threads")) {
    threads = std::stoi(opts.get("--threads", "--threads N"));
    if (threads < 1) fail("--threads must be at least 1, got {}", threads);
  }
  ThreadPool::global().set_num_threads(threads);
  if (opts.has("--out") && emit.empty()) fail("--out needs --emit");
  std::string text;
  std::optional<LLVMModule> llvm_module;
  std::optional<CModule> c_module;
  const bool compiled = emit == "c" || emit == "llvm" || emit == "asm" || binary || opts.has("--time");
  if (!emit.empty() || opts.has("--time")) {
    LowerOptions lower_options;
    if (opts.has("--dump-after-each")) lower_options.dump_after_each = &std::cout;
    result = lower(result, emit == "c" ? Target::parse("c") : target, lower_options);
    if (emit == "c") {
      text = emit_c({result});
      c_module = CModule::compile(text);
    } else if (emit == "asm" || binary) {
      const std::string path = binary ? opts.get("--out", "--out PATH") : "";
      if (binary) {
        const auto kind = emit == "obj" ? LLVMModule::OutputKind::kObject : LLVMModule::OutputKind::kSharedLibrary;
        LLVMModule::write({result}, kind, path, 3, target);
        std::string header = std::filesystem::path(path).replace_extension(".h").string();
        write_text_file(header, emit_c_header({result}, w.spec));
        fmt::print("wrote {} and {}\n", path, header);
      } else {
        text = LLVMModule::assembly({result}, 3, target);
      }
      if (compiled) llvm_module = LLVMModule::compile({result}, 3, target);
    } else if (compiled) {
      llvm_module = LLVMModule::compile({result}, 3, target);
      text = emit == "llvm" ? llvm_module->llvm_ir() : print(result);
    } else {
      text = print(result);
    }
  } else {
    text = print(result);
  }
  auto run_compiled = [&](std::vector<NDArray>& args) {
    if (c_module) c_module->run(result->name, args);
    else llvm_module->run(result->name, args);
  };
  if (binary) {
    // written above
  } else if (opts.has("--out")) {
    write_text_file(opts.get("--out", "--out PATH"), text);
  } else if ((!opts.has("--check") && !opts.has("--time")) || opts.has("--print-ir")) {
    std::fputs(text.c_str(), stdout);
  }
  int status = 0;
  if (opts.has("--check")) status = check_against_reference(w, result, opts, compiled ? std::function<void(std::vector<NDArray>&)>(run_compiled) : nullptr);
  if (opts.has("--time") && status == 0) {
    std::vector<NDArray> args = make_random_arguments(w.func, 0);
    TimingResult t = time_kernel([&] { run_compiled(args); }, TimingOptions{1, 5, 100, false});
    for (size_t r = 0; r < t.seconds.size(); ++r) fmt::print("repeat {}: {:.4f} ms ({} runs)\n", r, t.seconds[r] * 1e3, t.number);
    double median = t.median();
    fmt::print("median {:.4f} ms, {:.2f} GFLOP/s ({} threads, {})\n", median * 1e3, static_cast<double>(w.flops) / median * 1e-9,
               ThreadPool::global().num_threads(), c_module ? "C" : "LLVM " + llvm_module->cpu());
  }
  return status;
}

// Checks the result (compiled, or in the interpreter) against the unscheduled workload
// with the library's correctness check; prints each output's line; 0 on a match.
int check_against_reference(const Workload& w, const PrimFunc& result, Options& opts,
                            const std::function<void(std::vector<NDArray>&)>& run_compiled) {
  uint64_t seed = opts.has("--seed") ? std::stoull(opts.get("--seed", "")) : 0;
  const bool large = uses_compiled_reference(w.func);
  ReferenceCache cache(reference_runner_for);
  KernelRunner candidate = run_compiled ? KernelRunner(run_compiled) : KernelRunner([&](std::vector<NDArray>& args) { run_reference(result, args); });
  CheckResult r = check_correctness(w.func, candidate, cache, seed);
  fmt::print("reference: {}\n{}", large ? "the unscheduled program compiled by LLVM (large workload)" : "the interpreter", r.summary());
  fmt::print("check: {}\n", r.match ? "MATCH" : "MISMATCH");
  return r.match ? 0 : 1;
}

// --isolated: the scheduled program as a shared library, measured by the isolated runner
// like a tuning candidate; 0 when it matched and was timed.
int measure_isolated(const Workload& w, const PrimFunc& scheduled, Options& opts) {
  if (opts.has("--emit") && opts.get("--emit", "--emit so") != "so") fail("--isolated builds a shared library; it goes with --emit so or no --emit");
  if (opts.has("--emit") && !opts.has("--out")) fail("--isolated --emit so needs --out PATH (without --emit the library is temporary)");
  if (opts.has("--dump-after-each") || opts.has("--print-ir")) fail("--isolated prints measurements, not programs; drop --dump-after-each and --print-ir");
  const Target target = (opts.has("--target") ? Target::parse(opts.get("--target", "-t TARGET")) : Target{}).canonical();
  if (target.kind != "llvm") fail("--isolated needs an llvm target; the target is '{}'", target.str());
  RunnerOptions options;
  options.threads = target.num_cores;
  if (opts.has("--threads")) {
    options.threads = std::stoi(opts.get("--threads", "--threads N"));
    if (options.threads < 1) fail("--threads must be at least 1, got {}", options.threads);
  }
  if (opts.has("--timeout")) options.timeout_seconds = std::stod(opts.get("--timeout", "--timeout SECONDS"));
  if (opts.has("--seed")) options.seed = std::stoull(opts.get("--seed", "--seed S"));
  options.timing = TimingOptions{1, 5, 100, false};
  IsolatedRunner runner(options);  // before compiling: a missing worker is found at once
  const PrimFunc lowered = lower(scheduled, target);
  std::string temporary_dir, path;
  if (opts.has("--out")) {
    path = opts.get("--out", "--out PATH");
  } else {
    std::string pattern = (std::filesystem::temp_directory_path() / "tessera_isolated_XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) fail("cannot create a temporary directory for the kernel: {}", std::strerror(errno));
    temporary_dir = pattern;
    path = temporary_dir + "/" + lowered->name + ".so";
  }
  LLVMModule::write({lowered}, LLVMModule::OutputKind::kSharedLibrary, path, 3, target);
  if (temporary_dir.empty()) {
    std::string header = std::filesystem::path(path).replace_extension(".h").string();
    write_text_file(header, emit_c_header({lowered}, w.spec));
    fmt::print("wrote {} and {}\n", path, header);
  }
  MeasureResult r = runner.measure(w.func, path, lowered->name);
  if (!temporary_dir.empty()) std::filesystem::remove_all(temporary_dir);
  std::fputs(r.check_summary.c_str(), stdout);
  if (!r.ok()) {
    fmt::print("isolated: {}: {}\n", to_string(r.status), r.reason);
    return 1;
  }
  fmt::print("check: MATCH\n");
  for (size_t i = 0; i < r.seconds.size(); ++i) fmt::print("repeat {}: {:.4f} ms ({} runs)\n", i, r.seconds[i] * 1e3, r.number);
  fmt::print("median {:.4f} ms, {:.2f} GFLOP/s ({} threads, isolated worker)\n", r.median() * 1e3, static_cast<double>(w.flops) / r.median() * 1e-9,
             options.threads);
  return 0;
}

int cmd_spaces(int argc, char** argv) {
  Options opts(argc, argv, 2, {{"--help", false}, {"--plugin", true}});
  if (opts.has("--help")) {
    std::puts("usage: tessera spaces [--plugin SO]...\nLists the registered design spaces (handwritten schedules and templates, and those plugins add): name and description.");
    return 0;
  }
  load_plugins(opts);
  for (const SpaceEntry* s : registered_spaces()) fmt::print("{:<26} {}\n", s->name, s->description);
  return 0;
}

int cmd_rules(int argc, char** argv) {
  Options opts(argc, argv, 2, {{"--help", false}, {"--plugin", true}});
  if (opts.has("--help")) {
    std::puts("usage: tessera rules [--plugin SO]...\nLists every registered tuning component (schedule rules, postprocessors, mutators, space\n"
              "generators, ...): kind, name, where it came from (built in or a plugin's path), what it does\n"
              "and its parameters with their defaults. The handwritten spaces are listed by `tessera spaces`.");
    return 0;
  }
  load_plugins(opts);
  for (const ComponentEntry* e : registered_components()) {
    fmt::print("{:<16} {:<30} {:<10} {}{}\n", to_string(e->kind), e->name, e->origin, e->description,
               e->parameters.empty() ? "" : " (" + e->parameters + ")");
  }
  return 0;
}

int cmd_space(int argc, char** argv) {
  Options opts(argc, argv, 2, {{"--help", false}, {"--workload", true}, {"--target", true}, {"--space", true},
                               {"--plugin", true}, {"--sample", true}, {"--seed", true}, {"--rules", true}});
  if (opts.has("--help")) {
    std::puts(R"(usage: tessera space -w WORKLOAD [-t TARGET] [--space rules|NAME] [--rules R1,R2,...] [--plugin SO]... [--sample N [--seed S]]
Prints the design space of the workload for the target (default: this machine): a line
"N sketches", then each sketch (a traced schedule whose sampling decisions the search
redraws) as the body of a C++ schedule function. --space rules (the default) generates it
with the target's schedule rules (PostOrderApply); --space NAME takes the handwritten
schedule or template NAME (tessera spaces). --rules replaces the target's rule list by the
named schedule rules, in order (tessera rules lists them, plugins' included). --plugin
loads a plugin first (repeatable).
With --sample N it then samples N programs (seed S, default 0): each sketch in turn is
replayed with fresh decisions and postprocessed, and each accepted program is printed as
IR; a line at the end counts the samples rejected, by the postprocessor that rejected them.)");
    return 0;
  }
  load_plugins(opts);
  Workload w = workloads::get(opts.get("--workload", "-w WORKLOAD"));
  const Target target = (opts.has("--target") ? Target::parse(opts.get("--target", "-t TARGET")) : Target{}).canonical();
  TuneContext ctx(w, target);
  configure_space(ctx, opts);
  if (opts.has("--seed") && !opts.has("--sample")) fail("--seed needs --sample");
  ctx.seed = opts.has("--seed") ? parse_count(opts.get("--seed", "--seed S"), "--seed", 0) : 0;
  std::vector<Schedule> sketches = ctx.generate_design_space();
  fmt::print("{} sketches\n", sketches.size());
  for (size_t k = 0; k < sketches.size(); ++k) fmt::print("// sketch {}\n{}", k, sketches[k].trace()->as_cpp());
  if (!opts.has("--sample")) return 0;
  const int64_t count = parse_count(opts.get("--sample", "--sample N"), "--sample", 1);
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
    fmt::print("// sample {} (sketch {}, seed {})\n{}", printed++, k, seed, print(c.schedule->func()));
  }
  fmt::print("// {}\n", stats.summary());
  if (printed < count) fail("only {} of {} samples were accepted after {} attempts: {}", printed, count, stats.attempts, stats.summary());
  return 0;
}

int cmd_show(int argc, char** argv) {
  if (argc >= 3 && (std::strcmp(argv[2], "--help") == 0)) {
    std::puts("usage: tessera show FILE.json\nPrints the trace as the body of a C++ schedule function: void f(Schedule& sch) { ... }.");
    return 0;
  }
  if (argc != 3) fail("usage: tessera show FILE.json");
  std::fputs(load_trace(argv[2]).as_cpp().c_str(), stdout);
  return 0;
}

int dispatch(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  load_plugins_from_environment();
  if (command == "workloads") return cmd_workloads(argc, argv);
  if (command == "show-ir") return cmd_show_ir(argc, argv);
  if (command == "run") return cmd_run(argc, argv);
  if (command == "replay") return cmd_replay(argc, argv);
  if (command == "show") return cmd_show(argc, argv);
  if (command == "spaces") return cmd_spaces(argc, argv);
  if (command == "rules") return cmd_rules(argc, argv);
  if (command == "space") return cmd_space(argc, argv);
  if (command == "tune") return cmd_tune(argc, argv);
  if (command == "db") return cmd_db(argc, argv);
  if (command == "costmodel") return cmd_costmodel(argc, argv);
  if (command == "version" || command == "--version") {
    fmt::print("tessera {} (commit {}), LLVM {}\n", version(), git_commit(), llvm_version());
    return 0;
  }
  fail("unknown command '{}' (commands: workloads, show-ir, run, replay, tune, db, space, spaces, rules, show, version; see tessera --help)", command);
}

}  // namespace
}  // namespace tessera

int main(int argc, char** argv) {
  try {
    return tessera::dispatch(argc, argv);
  } catch (const tessera::Error& e) {
    std::fprintf(stderr, "tessera: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tessera: internal error: %s\n", e.what());
    return 3;
  }
}
