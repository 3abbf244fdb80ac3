// `tessera replay`: a trace, a handwritten schedule or a database's best program applied
// to a workload; printed, lowered, compiled, exported, checked and timed.
#include "replay_command.h"

#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "commands.h"
#include "driver_common.h"
#include "tessera/codegen/c_codegen.h"
#include "tessera/codegen/c_module.h"
#include "tessera/codegen/llvm_codegen.h"
#include "tessera/codegen/reference_runner.h"
#include "tessera/ir/printer.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/correctness_check.h"
#include "tessera/runtime/evaluator.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/runtime/thread_pool.h"
#include "tessera/schedule/space_registry.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/tuner.h"

namespace tessera::cli {
namespace {

// The program to replay: a trace, a registered space or the database's best record.
Schedule schedule_of(const ReplayOptions& o, const Workload& w) {
  Schedule sch(w.func, 0, /*traced=*/true, /*debug=*/o.debug);
  if (given(o.db_option)) {
    Database db(o.db, /*create=*/false);
    const std::string target = target_from(o.target).str();
    const std::string workload = workload_hash(w.func);
    const TuningRecord* predicted = db.latest_predicted(workload, target);
    if (predicted != nullptr && db.top_k(workload, target, 1).empty()) {
      // Nothing measured yet: the no-tuning mode's pick (tessera tune --trials 0).
      fmt::print(stderr,
                 "replaying program {} from {}: predicted by the cost model {}, not measured\n",
                 predicted->program, db.directory(), predicted->time);
      return replay_record(*predicted, w, o.debug);
    }
    std::vector<RankedProgram> best = top_k_or_fail(db, workload, w.spec, target, 1);
    fmt::print(stderr, "replaying program {} from {}: median {:.4f} ms over {} runs, measured {}\n",
               best[0].record->program, db.directory(), best[0].median_seconds * 1e3,
               best[0].run_seconds.size(), best[0].record->time);
    return replay_record(*best[0].record, w, o.debug);
  }
  if (given(o.trace_option)) {
    Trace trace = load_trace(o.trace);
    trace.apply(sch, false, o.repair ? ReplayMode::kRepair : ReplayMode::kStrict);
  } else if (given(o.space_option)) {
    const SpaceEntry& space = find_space(o.space);
    try {
      space.apply(sch);
    } catch (Error& e) {
      throw e.add_context(fmt::format("while applying space '{}' to {}", space.name, w.spec));
    }
  }
  return sch;
}

// Checks the result (compiled, or in the interpreter) against the unscheduled workload
// with the library's correctness check; prints each output's line; 0 on a match.
int check_against_reference(const Workload& w, const PrimFunc& result, uint64_t seed,
                            const std::function<void(std::vector<NDArray>&)>& run_compiled) {
  const bool large = uses_compiled_reference(w.func);
  ReferenceCache cache(reference_runner_for);
  KernelRunner candidate =
      run_compiled ? KernelRunner(run_compiled)
                   : KernelRunner([&](std::vector<NDArray>& args) { run_reference(result, args); });
  CheckResult r = check_correctness(w.func, candidate, cache, seed);
  fmt::print(
      "reference: {}\n{}",
      large ? "the unscheduled program compiled by LLVM (large workload)" : "the interpreter",
      r.summary());
  fmt::print("check: {}\n", r.match ? "MATCH" : "MISMATCH");
  return r.match ? 0 : 1;
}

int replay(const ReplayOptions& o) {
  const Workload w = workloads::get(o.workload);
  const Schedule sch = schedule_of(o, w);
  if (given(o.save_trace_option))
    write_text_file(o.save_trace, sch.trace()->to_json_string() + "\n");
  PrimFunc result = sch.func();
  if (o.isolated) return measure_isolated(o, w, result);
  std::string emit = o.emit;
  const bool binary = emit == "obj" || emit == "so";
  if (binary && !given(o.out_option))
    fail("--emit {} needs --out PATH (a header is written next to it, as PATH with .h)", emit);
  const Target target = target_from(o.target);
  if (target.kind == "c" && !emit.empty() && emit != "ir" && emit != "c") {
    fail("--emit {} needs an llvm target; the target is '{}'", emit, target.str());
  }
  if (target.kind == "c" && emit.empty() && o.time) emit = "c";
  const bool compiled = emit == "c" || emit == "llvm" || emit == "asm" || binary || o.time;
  if (given(o.threads_option) && !(compiled && (o.check || o.time))) {
    fail(
        "--threads {} sets the threads the compiled kernel runs on; it needs --time, --isolated, "
        "or --check with "
        "--emit c|llvm|asm|obj|so",
        o.threads);
  }
  const int threads = given(o.threads_option) ? o.threads : target.num_cores;
  std::string text;
  std::optional<LLVMModule> llvm_module;
  std::optional<CModule> c_module;
  if (!emit.empty() || o.time) {
    LowerOptions lower_options;
    if (o.dump_after_each) lower_options.dump_after_each = &std::cout;
    result = lower(result, emit == "c" ? Target::parse("c") : target, lower_options);
    if (emit == "c") {
      text = emit_c({result});
      c_module = CModule::compile(text);
      CModule::set_num_threads(threads);
    } else if (emit == "asm" || binary) {
      if (binary) {
        const auto kind = emit == "obj" ? LLVMModule::OutputKind::kObject
                                        : LLVMModule::OutputKind::kSharedLibrary;
        LLVMModule::write({result}, kind, o.out, 3, target);
        std::string header = std::filesystem::path(o.out).replace_extension(".h").string();
        write_text_file(header, emit_c_header({result}, w.spec));
        fmt::print("wrote {} and {}\n", o.out, header);
      } else {
        text = LLVMModule::assembly({result}, 3, target);
      }
      llvm_module = LLVMModule::compile({result}, 3, target);
    } else if (compiled) {
      llvm_module = LLVMModule::compile({result}, 3, target);
      text = emit == "llvm" ? llvm_module->llvm_ir() : print(result);
    } else {
      text = print(result);
    }
  } else {
    text = print(result);
  }
  if (llvm_module) ThreadPool::global().set_num_threads(threads);
  auto run_compiled = [&](std::vector<NDArray>& args) {
    if (c_module)
      c_module->run(result->name, args);
    else
      llvm_module->run(result->name, args);
  };
  if (binary) {
    // written above
  } else if (given(o.out_option)) {
    write_text_file(o.out, text);
  } else if ((!o.check && !o.time) || o.print_ir) {
    std::fputs(text.c_str(), stdout);
  }
  int status = 0;
  if (o.check) {
    status = check_against_reference(
        w, result, o.seed,
        compiled ? std::function<void(std::vector<NDArray>&)>(run_compiled) : nullptr);
  }
  if (o.time && status == 0) {
    std::vector<NDArray> args = make_random_arguments(w.func, 0);
    TimingResult t = time_kernel([&] { run_compiled(args); }, TimingOptions{1, 5, 100, false});
    for (size_t r = 0; r < t.seconds.size(); ++r)
      fmt::print("repeat {}: {:.4f} ms ({} runs)\n", r, t.seconds[r] * 1e3, t.number);
    const double median = t.median();
    fmt::print("median {:.4f} ms, {:.2f} GFLOP/s ({} threads, {})\n", median * 1e3,
               static_cast<double>(w.flops) / median * 1e-9,
               c_module ? threads : ThreadPool::global().num_threads(),
               c_module ? "C" : "LLVM " + llvm_module->cpu());
  }
  return status;
}

}  // namespace

Command add_replay_command(CLI::App& root) {
  auto o = std::make_shared<ReplayOptions>();
  CLI::App* app = root.add_subcommand(
      "replay", "apply a trace, a handwritten schedule or a database's best program to a workload");
  add_workload_option(app, o->workload)->required();
  o->trace_option =
      app->add_option("--trace", o->trace, "apply this trace (JSON)")->type_name("FILE.json");
  o->space_option =
      app->add_option("--space", o->space, "apply the registered space NAME (tessera spaces)")
          ->type_name("NAME");
  o->db_option = app->add_option("--db", o->db, "apply the best program of the tuning database DIR")
                     ->type_name("DIR");
  o->trace_option->excludes(o->space_option)->excludes(o->db_option);
  o->space_option->excludes(o->db_option);
  o->save_trace_option =
      app->add_option("--save-trace", o->save_trace, "write the applied trace as JSON")
          ->type_name("FILE.json");
  app->add_flag("--print-ir", o->print_ir, "print the scheduled IR also with --check or --time");
  add_target_option(app, o->target);
  auto* emit = add_choice(app, "--emit", o->emit, {"ir", "c", "llvm", "asm", "obj", "so"},
                          "what to produce (see below)");
  o->out_option = app->add_option("--out", o->out, "write what --emit makes to PATH")
                      ->type_name("PATH")
                      ->needs(emit);
  app->add_flag("--dump-after-each", o->dump_after_each,
                "print the program after every lowering pass")
      ->needs(emit);
  app->add_flag("--check", o->check, "compare with the unscheduled program on random inputs");
  app->add_flag("--time", o->time, "time the compiled kernel");
  o->threads_option =
      add_integer(app, "--threads", o->threads, 1,
                  "threads the kernel runs on (default: the target's -num-cores)", 4096);
  app->add_flag("--repair", o->repair, "repair decisions that no longer fit, as the search does")
      ->needs(o->trace_option);
  o->seed_option = add_integer(app, "--seed", o->seed, uint64_t{0},
                               "seed of the check's random inputs (default 0)");
  app->add_flag("--debug", o->debug, "re-verify the schedule's invariants after every instruction");
  auto* isolated = app->add_flag("--isolated", o->isolated,
                                 "check and time in a worker process, as the tuner measures");
  add_seconds(app, "--timeout", o->timeout, "wall clock of the isolated measurement (default 10)")
      ->needs(isolated);
  app->callback([o] {
    if (o->print_ir && !o->check && !o->time && !o->isolated) {
      fail("--print-ir prints the IR also with --check or --time; alone it changes nothing");
    }
    if (given(o->seed_option) && !o->check && !o->isolated)
      fail("--seed sets the inputs of the check; it needs --check or --isolated");
  });
  app->footer(
      R"(Applies the trace, the handwritten schedule registered as NAME (see `tessera spaces`), or
the best record of the workload for the target in the tuning database DIR (what `tessera
tune --db DIR` found; `tessera db best` lists them) to the workload (with none, the
workload stays unscheduled); --save-trace writes the trace of what was applied as JSON
(replaying it gives the same program). Then it prints the scheduled IR (always, or with
--print-ir together with --check). --emit ir lowers the result to loop IR and prints that
instead; --emit c prints it as C (compiling with `cc -O2 -fopenmp -fwrapv
-ffp-contract=off`); --emit llvm prints the LLVM IR the JIT compiles (optimised at O3 for
the target's CPU: -t 'llvm -mcpu=NAME -num-cores=N', default this machine, `llvm
-mcpu=native`; -t c times the C backend), --emit asm its assembly; --emit obj and --emit so
write an object file or a shared library to --out PATH (needed) and a C header declaring
`void NAME(T* param, ...)` and `void NAME_packed(void** args)` as PATH with .h, which a
plain C program includes and links; otherwise --out PATH writes what --emit makes to PATH
instead of printing it; --dump-after-each also prints the program after every lowering
pass.
--time compiles the result (with LLVM, or with C under --emit c), prints the time of every
repeat and, on its last line, the median latency and GFLOP/s; --threads N sets the threads
parallel loops run on (default: the target's -num-cores, else every hardware thread; the
C backend's OpenMP threads too). Replay is strict: a decision that no longer fits is an
error naming the instruction; --repair repairs it to the nearest valid one as the search
does. --check runs the scheduled and the unscheduled program on the same random inputs
(seed S, default 0), prints whether every output matches and the worst error, and exits
with status 1 on a mismatch. --debug re-verifies the schedule's invariants (bindings
inside their domains, stage pipeline, region cover) after every instruction.
With --emit ir, --check runs the lowered program; with --emit c or llvm, the compiled code.
--isolated measures as the tuner does: the kernel is compiled to a shared library (the one
--emit so writes; kept at --out PATH if given) and checked and timed in a separate worker
process under a wall-clock timeout (--timeout, default 10 s), so a crash or a hang is
reported as a failed measurement (exit status 1) instead of taking tessera down.)");
  return {app, [o] { return replay(*o); }};
}

}  // namespace tessera::cli
