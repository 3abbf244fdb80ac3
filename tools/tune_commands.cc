// `tessera tune` and `tessera db`: the tuning loop from the command line, and looking
// into, merging and compacting tuning databases.
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "driver_common.h"
#include "tessera/ir/printer.h"
#include "tessera/support/target.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/cost_model.h"
#include "tessera/tune/database.h"
#include "tessera/tune/measure.h"
#include "tessera/tune/mlp_cost_model.h"
#include "tessera/tune/search_strategy.h"
#include "tessera/tune/tuner.h"

namespace tessera {
namespace {

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds)) return "?";
  if (seconds < 60) return fmt::format("{:.0f} s", seconds);
  if (seconds < 3600) return fmt::format("{:.0f} min {:02.0f} s", std::floor(seconds / 60), std::fmod(seconds, 60));
  return fmt::format("{:.0f} h {:02.0f} min", std::floor(seconds / 3600), std::fmod(seconds, 3600) / 60);
}

std::string latency_text(double seconds, int64_t flops) {
  if (!std::isfinite(seconds)) return "none yet";
  return fmt::format("{:.4f} ms ({:.2f} GFLOP/s)", seconds * 1e3, static_cast<double>(flops) / seconds * 1e-9);
}

Target target_option(const Options& opts) {
  return (opts.has("--target") ? Target::parse(opts.get("--target", "-t TARGET")) : Target{}).canonical();
}

std::shared_ptr<SearchStrategy> strategy_option(const Options& opts) {
  const std::string name = opts.has("--strategy") ? opts.get("--strategy", "--strategy NAME") : "evolutionary";
  if (name == "evolutionary") return make_evolutionary_search();
  if (name == "replay-trace") return make_replay_trace();
  if (name == "replay-func") return make_replay_func();
  return make_component<SearchStrategy>(name);  // a plugin's, by its registered name
}

std::shared_ptr<CostModel> cost_model_option(const Options& opts) {
  const std::string name = opts.has("--cost-model") ? opts.get("--cost-model", "--cost-model mlp|random") : "mlp";
  std::shared_ptr<CostModel> model;
  if (name == "mlp") model = std::make_shared<MLPCostModel>();
  else if (name == "random") model = std::make_shared<RandomModel>();
  else fail("--cost-model takes mlp or random, got '{}'", name);
  if (opts.has("--cost-model-file")) {
    if (name != "mlp") fail("--cost-model-file loads a trained MLP model; it does not go with --cost-model {}", name);
    model->load(opts.get("--cost-model-file", "--cost-model-file MODEL"));
  }
  return model;
}

double seconds_option(const Options& opts, const char* option, const char* what) {
  const std::string text = opts.get(option, what);
  size_t used = 0;
  double value = -1;
  try {
    value = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !(value > 0) || !std::isfinite(value)) fail("{} takes a positive number of seconds, got '{}'", option, text);
  return value;
}

}  // namespace

int cmd_tune(int argc, char** argv) {
  Options opts(argc, argv, 2, {{"--help", false}, {"--workload", true}, {"--target", true}, {"--trials", true}, {"--db", true},
                               {"--space", true}, {"--rules", true}, {"--plugin", true}, {"--strategy", true},
                               {"--trials-per-round", true}, {"--time-budget", true}, {"--seed", true}, {"--threads", true},
                               {"--timeout", true}, {"--remeasure", true}, {"--cost-model", true}, {"--cost-model-file", true}});
  if (opts.has("--help")) {
    std::puts(R"(usage: tessera tune -w WORKLOAD --trials N --db DIR [-t TARGET] [--space rules|NAME] [--rules R1,R2,..]
                    [--plugin SO]... [--strategy evolutionary|replay-trace|replay-func] [--trials-per-round K]
                    [--time-budget SECONDS] [--seed S] [--threads T] [--timeout SECONDS] [--remeasure M]
                    [--cost-model mlp|random] [--cost-model-file MODEL]
Tunes the workload for the target (default this machine, `llvm -mcpu=native`): rounds of K
candidates (default 64) drawn from the design space by the search strategy (default
evolutionary, guided by the cost model), compiled in parallel and measured one at a
time in an isolated worker, which checks each against the unscheduled program before timing
it. Every measurement, failed or not, is appended to the tuning database DIR (created if
needed; docs/database-format.md) before the next one starts.
--trials N is the number of records the task (workload and target) should have in DIR: a
run on a database that already holds some resumes, and programs measured before are never
measured again. --time-budget stops starting new rounds after that many seconds.
--space and --rules choose the design space as for `tessera space`; --plugin loads a
plugin first. --threads T: threads that sample and compile candidates (default every
hardware thread); the kernels run on the target's -num-cores threads. --timeout: wall
clock per candidate (default 10 s). At the end the best M (default 3) are re-measured in a
fresh worker over 3 rounds and the summary shows their medians and spread; the tuning curve
(trial, best latency so far) is written as CSV next to the database.
--cost-model: mlp (default; the per-store MLP of docs/features.md, trained after every
round on what the task has measured, and at the start on what DIR already holds) or
random (the baseline). --cost-model-file MODEL starts the MLP from a trained model
(`tessera costmodel train`; models/ ships one for this machine type).
--trials 0 with a trained model is the no-tuning mode: the search ranks candidates with the
model alone and the best one is written to DIR as a "predicted" record, measured never;
`tessera replay --db DIR` builds it.
Progress goes to the terminal (one updating line) or, when stdout is not one, one line per round.)");
    return 0;
  }
  load_plugins(opts);
  Workload w = workloads::get(opts.get("--workload", "-w WORKLOAD"));
  const Target target = target_option(opts);
  if (target.kind != "llvm") fail("tessera tune measures with LLVM; the target is '{}'", target.str());
  TuneContext ctx(w, target);
  configure_space(ctx, opts);
  ctx.seed = opts.has("--seed") ? static_cast<uint64_t>(parse_count(opts.get("--seed", "--seed S"), "--seed", 0)) : 0;
  const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  ctx.num_threads = opts.has("--threads") ? static_cast<int>(parse_count(opts.get("--threads", "--threads T"), "--threads", 1)) : hardware;
  TuneOptions options;
  options.trials = parse_count(opts.get("--trials", "--trials N"), "--trials", 0);
  if (opts.has("--trials-per-round")) options.trials_per_round = static_cast<int>(parse_count(opts.get("--trials-per-round", ""), "--trials-per-round", 1));
  if (opts.has("--time-budget")) options.time_budget_seconds = seconds_option(opts, "--time-budget", "--time-budget SECONDS");
  if (opts.has("--remeasure")) options.remeasure_top = static_cast<int>(parse_count(opts.get("--remeasure", ""), "--remeasure", 0));
  RunnerOptions runner_options;
  runner_options.threads = target.num_cores;
  runner_options.timing = TimingOptions{1, 3, 20, false};
  if (opts.has("--timeout")) runner_options.timeout_seconds = seconds_option(opts, "--timeout", "--timeout SECONDS");
  std::shared_ptr<SearchStrategy> strategy = strategy_option(opts);
  std::shared_ptr<CostModel> model = cost_model_option(opts);
  Database db(opts.get("--db", "--db DIR"));
  LocalBuilder builder(ctx.num_threads);
  LocalRunner runner(runner_options);

  const bool terminal = isatty(fileno(stdout)) != 0;
  int64_t trials_at_start = -1;
  options.on_progress = [&](const TuneProgress& p) {
    if (trials_at_start < 0) trials_at_start = p.trials - 1;
    const double done = static_cast<double>(p.trials - trials_at_start);
    const double remaining = done > 0 ? p.elapsed_seconds / done * static_cast<double>(p.target_trials - p.trials) : NAN;
    std::string line = fmt::format("round {}: {}/{} trials, best {}, elapsed {}, remaining ~{}", p.round, p.trials, p.target_trials,
                                   latency_text(p.best_seconds, p.flops), duration_text(p.elapsed_seconds), duration_text(remaining));
    if (terminal) {
      fmt::print("\r\033[K{}", line);
      if (p.round_finished) fmt::print("\n");
      std::fflush(stdout);
    } else if (p.round_finished) {
      fmt::print("{}\n", line);
      std::fflush(stdout);
    }
  };
  fmt::print("tuning {} for {} on {} ({} candidates per round, {} search, database {})\n", w.spec,
             opts.has("--time-budget") ? fmt::format("{} trials or {} s", options.trials, options.time_budget_seconds) : fmt::format("{} trials", options.trials),
             ctx.target.str(), options.trials_per_round, opts.has("--strategy") ? opts.get("--strategy", "") : "evolutionary", db.directory());
  std::fflush(stdout);
  TuneSummary summary = tune(ctx, db, *strategy, *model, builder, runner, options);
  if (summary.trials_before > 0) fmt::print("resumed: the database already held {} trials of this task\n", summary.trials_before);
  fmt::print("{}", summary.to_text());
  if (options.trials == 0) return summary.best_program.empty() ? 1 : 0;
  if (!std::isfinite(summary.best_seconds())) {
    fmt::print(stderr, "tessera: error: no program of {} was measured successfully on {}\n", w.spec, ctx.target.str());
    return 1;
  }
  return 0;
}

namespace {

struct TaskRef {
  std::string workload;  // hash
  std::string target;
  const WorkloadEntry* entry = nullptr;
};

/// -w names a workload (a spec or IR file, hashed) or is a workload hash in the database.
TaskRef task_option(const Database& db, const Options& opts) {
  TaskRef t;
  const std::string spec = opts.get("--workload", "-w WORKLOAD");
  if (const WorkloadEntry* e = db.find_workload(spec)) {
    t.workload = spec;
    t.entry = e;
  } else {
    t.workload = workload_hash(workloads::get(spec).func);
    t.entry = db.find_workload(t.workload);
    if (t.entry == nullptr) fail("the database {} has no workload {} (hash {}); `tessera db list --db {}` lists what it holds", db.directory(), spec, t.workload, db.directory());
  }
  t.target = target_option(opts).str();
  return t;
}

}  // namespace

int cmd_db(int argc, char** argv) {
  const std::string usage = R"(usage: tessera db list    --db DIR
       tessera db best    --db DIR -w WORKLOAD [-t TARGET] [-k K]
       tessera db show    --db DIR -w WORKLOAD [-t TARGET] [--rank N] [--json]
       tessera db merge   --db DIR --from OTHER_DIR...
       tessera db compact --db DIR
list: every task (workload and target) with its records, failures and best latency.
best: the K (default 5) fastest programs of the workload on the target (default this
machine), by the median of all their run times. show: the N-th best (default 1) record:
its measurements, versions, and its trace as C++ (or --json: the trace JSON, which
`tessera replay --trace` takes). WORKLOAD is a workload spec, an IR file or a workload hash.
merge: appends the workloads and records of OTHER_DIR that DIR lacks. compact: rewrites the
files without unreadable lines and duplicates, atomically (a temporary file, then rename).)";
  if (argc < 3 || std::string(argv[2]) == "--help") {
    std::puts(usage.c_str());
    return argc < 3 ? 2 : 0;
  }
  const std::string sub = argv[2];
  if (sub != "list" && sub != "best" && sub != "show" && sub != "merge" && sub != "compact") {
    fail("unknown db command '{}' (list, best, show, merge, compact; see tessera db --help)", sub);
  }
  Options opts(argc, argv, 3, {{"--help", false}, {"--db", true}, {"--workload", true}, {"--target", true}, {"-k", true},
                               {"--rank", true}, {"--json", false}, {"--from", true}});
  if (opts.has("--help")) {
    std::puts(usage.c_str());
    return 0;
  }
  auto only = [&](std::initializer_list<const char*> allowed) {
    for (const char* o : {"--workload", "--target", "-k", "--rank", "--json", "--from"}) {
      if (opts.has(o) && std::find_if(allowed.begin(), allowed.end(), [&](const char* a) { return std::string(a) == o; }) == allowed.end()) {
        fail("db {} does not take {}", sub, std::string(o) == "--workload" ? "-w" : std::string(o) == "--target" ? "-t" : o);
      }
    }
  };
  Database db(opts.get("--db", "--db DIR"), /*create=*/sub == "merge");
  if (sub == "list") {
    only({});
    std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> tasks;  // ok, failed
    for (const TuningRecord& r : db.records()) {
      auto& [ok, failed] = tasks[{r.workload, r.target}];
      if (r.remeasured || r.predicted()) continue;
      (r.ok() ? ok : failed) += 1;
    }
    fmt::print("{:<16}  {:<36}  {:>7}  {:>6}  {:>12}  {:>9}  {}\n", "workload", "spec", "trials", "failed", "best ms", "GFLOP/s", "target");
    for (const auto& [key, counts] : tasks) {
      const WorkloadEntry* e = db.find_workload(key.first);
      std::vector<RankedProgram> best = db.top_k(key.first, key.second, 1);
      const double s = best.empty() ? NAN : best[0].median_seconds;
      const int64_t flops = e ? e->flops : 0;
      fmt::print("{:<16}  {:<36}  {:>7}  {:>6}  {:>12}  {:>9}  {}\n", key.first, e ? e->spec : "(unknown workload)", counts.first + counts.second,
                 counts.second, std::isfinite(s) ? fmt::format("{:.4f}", s * 1e3) : "-",
                 std::isfinite(s) && flops > 0 ? fmt::format("{:.2f}", static_cast<double>(flops) / s * 1e-9) : "-", key.second);
    }
    fmt::print("{} workloads, {} records\n", db.workloads().size(), db.records().size());
  } else if (sub == "best") {
    only({"--workload", "--target", "-k"});
    TaskRef t = task_option(db, opts);
    const size_t k = opts.has("-k") ? static_cast<size_t>(parse_count(opts.get("-k", "-k K"), "-k", 1)) : 5;
    fmt::print("{} on {}\n", t.entry->spec, t.target);
    fmt::print("{:>4}  {:<16}  {:>12}  {:>9}  {:>5}  {:>7}  {}\n", "rank", "program", "median ms", "GFLOP/s", "runs", "records", "measured");
    int rank = 0;
    for (const RankedProgram& p : top_k_or_fail(db, t.workload, t.entry->spec, t.target, k)) {
      fmt::print("{:>4}  {:<16}  {:>12.4f}  {:>9.2f}  {:>5}  {:>7}  {}\n", ++rank, p.record->program, p.median_seconds * 1e3,
                 static_cast<double>(t.entry->flops) / p.median_seconds * 1e-9, p.run_seconds.size(), p.records, p.record->time);
    }
  } else if (sub == "show") {
    only({"--workload", "--target", "--rank", "--json"});
    TaskRef t = task_option(db, opts);
    const size_t rank = opts.has("--rank") ? static_cast<size_t>(parse_count(opts.get("--rank", "--rank N"), "--rank", 1)) : 1;
    std::vector<RankedProgram> ranked = top_k_or_fail(db, t.workload, t.entry->spec, t.target, rank);
    if (ranked.size() < rank) fail("--rank {}: {} on '{}' has only {} measured programs", rank, t.entry->spec, t.target, ranked.size());
    const RankedProgram& p = ranked[rank - 1];
    const TuningRecord& r = *p.record;
    if (opts.has("--json")) {
      fmt::print("{}\n", r.trace.dump());
      return 0;
    }
    std::string runs;
    for (double s : p.run_seconds) runs += fmt::format(" {:.4f}", s * 1e3);
    fmt::print("// workload {} ({}) on {}\n// program {}, rank {}: median {:.4f} ms, {:.2f} GFLOP/s over {} runs in {} records:{} ms\n"
               "// measured {} by tessera {} ({}), LLVM {}, on {}\n",
               t.entry->spec, t.workload, t.target, r.program, rank, p.median_seconds * 1e3,
               static_cast<double>(t.entry->flops) / p.median_seconds * 1e-9, p.run_seconds.size(), p.records, runs, r.time, r.tessera_version,
               r.tessera_commit, r.llvm_version, r.cpu_model);
    fmt::print("{}", r.parsed_trace().as_cpp());
  } else if (sub == "merge") {
    only({"--from"});
    std::vector<std::string> sources = opts.all("--from");
    if (sources.empty()) fail("db merge needs --from OTHER_DIR (repeatable)");
    for (const std::string& source : sources) {
      Database other(source, /*create=*/false);
      int64_t added = db.merge(other);
      fmt::print("merged {}: {} of its {} records were new\n", source, added, other.records().size());
    }
  } else {
    only({});
    fmt::print("{}\n", db.compact());
  }
  return 0;
}

}  // namespace tessera
