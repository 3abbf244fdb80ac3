// tune(): a TaskTuner driven to its end, the one-call tune(func, target, options), the
// summary's text and the tuning curve.
#include "tessera/tune/tuner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tessera/runtime/evaluator.h"
#include "tessera/support/error.h"
#include "tessera/support/file_system.h"
#include "tessera/support/hash.h"
#include "tessera/support/logging.h"
#include "tessera/te/flops.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/mlp_cost_model.h"
#include "tessera/tune/space_generator.h"
#include "tessera/tune/task_tuner.h"

namespace tessera {
namespace {

std::string gflops_text(int64_t flops, double seconds) {
  if (!std::isfinite(seconds) || flops <= 0) return "-";
  return fmt::format("{:.2f}", static_cast<double>(flops) / seconds * 1e-9);
}

}  // namespace

Schedule replay_record(const TuningRecord& record, const Workload& workload, bool debug) {
  Schedule sch(workload.func, 0, /*traced=*/true, debug);
  try {
    record.parsed_trace().apply(sch, /*remove_postproc=*/false, ReplayMode::kStrict);
  } catch (Error& e) {
    throw e.add_context(fmt::format("while replaying the record of program {} (measured {}) on {}",
                                    record.program, record.time, workload.spec));
  }
  return sch;
}

double TuneSummary::best_seconds() const {
  return finalists.empty() ? best_measured_seconds : finalists.front().median_seconds;
}

std::string TuneSummary::to_text() const {
  std::string s;
  const double best = best_seconds();
  s += fmt::format("workload   {} ({})\n", workload_spec, workload_hash);
  s += fmt::format("target     {}\n", target);
  s += fmt::format("FLOPs      {}\n", flops);
  s += fmt::format("trials     {} in this run, {} in the database ({} rounds; stopped: {})\n",
                   trials_run, trials_before + trials_run, rounds, stop_reason);
  if (std::isfinite(best) && finalists.empty()) {
    s += fmt::format("best       {:.4f} ms, {} GFLOP/s (program {}; not re-measured)\n", best * 1e3,
                     gflops_text(flops, best), best_program);
  } else if (std::isfinite(best)) {
    const Finalist& f = finalists.front();
    s += fmt::format(
        "best       {:.4f} ms, {} GFLOP/s (re-measured {} rounds in a fresh worker: {:.4f}–{:.4f} "
        "ms)\n",
        best * 1e3, gflops_text(flops, best), f.round_medians.size(), f.min_seconds * 1e3,
        f.max_seconds * 1e3);
  } else if (!best_program.empty()) {
    s += fmt::format(
        "predicted  program {} (the cost model's pick, not measured; `tessera replay --db` builds "
        "it)\n",
        best_program);
  } else {
    s += "best       none (no candidate was measured successfully)\n";
  }
  for (size_t i = 0; i < finalists.size(); ++i) {
    const Finalist& f = finalists[i];
    if (!f.failure.empty()) {
      s += fmt::format("  #{} {}  re-measurement failed: {}\n", i + 1, f.program, f.failure);
      continue;
    }
    s += fmt::format("  #{} {}  median {:.4f} ms  spread {:.4f}–{:.4f} ms  {} GFLOP/s\n", i + 1,
                     f.program, f.median_seconds * 1e3, f.min_seconds * 1e3, f.max_seconds * 1e3,
                     gflops_text(flops, f.median_seconds));
  }
  if (failures.empty()) {
    s += "failures   none\n";
  } else {
    s += "failures  ";
    for (const auto& [status, count] : failures)
      s += fmt::format(" {} {} (e.g. {});", status, count, failure_example.at(status));
    s.back() = '\n';
  }
  s += fmt::format("sampling   {}\n", sampling.summary());
  s += fmt::format(
      "time       {:.1f} s: search {:.1f}, build {:.1f}, measure {:.1f}, cost model {:.1f}, "
      "database {:.1f}, re-measure {:.1f}",
      total_seconds, search_seconds, build_seconds, measure_seconds, model_seconds,
      bookkeeping_seconds, remeasure_seconds);
  if (trials_run > 0)
    s += fmt::format(" ({:.3f} s per trial)",
                     (total_seconds - remeasure_seconds) / static_cast<double>(trials_run));
  s += "\n";
  if (!curve_path.empty()) s += fmt::format("curve      {}\n", curve_path);
  return s;
}

std::string tuning_curve_path(const Database& database, const std::string& workload_hash,
                              const std::string& target) {
  return fmt::format("{}/curve_{}_{}.csv", database.directory(), workload_hash,
                     hash_to_hex(hash_string(target)).substr(0, 8));
}

std::string tuning_curve_csv(const Database& database, const std::string& workload_hash,
                             const std::string& target, int64_t flops) {
  std::string csv = "trial,best_seconds,best_gflops\n";
  double best = std::numeric_limits<double>::infinity();
  int64_t trial = 0;
  for (const TuningRecord* r : database.records_of(workload_hash, target)) {
    if (r->remeasured || r->predicted()) continue;
    ++trial;
    if (r->ok()) best = std::min(best, r->median_seconds());
    if (std::isfinite(best))
      csv += fmt::format("{},{:.9g},{}\n", trial, best, gflops_text(flops, best));
    else
      csv += fmt::format("{},,\n", trial);
  }
  return csv;
}

TuneSummary tune(TuneContext& ctx, Database& database, SearchStrategy& strategy,
                 CostModel& cost_model, Builder& builder, Runner& runner,
                 const TuneOptions& options) {
  for (const auto& [field, value] :
       {std::pair<const char*, const std::string&>{"database", options.database},
        {"space", options.space},
        {"strategy", options.strategy},
        {"cost_model", options.cost_model},
        {"cost_model_file", options.cost_model_file}}) {
    if (!value.empty()) {
      fail(
          "tune: TuneOptions::{} ('{}') is for tune(func, target, options); this overload takes "
          "the {} itself",
          field, value,
          field == std::string("space") ? "TuneContext's space generator" : "component");
    }
  }
  TaskTuner task(ctx, database, strategy, cost_model, builder, runner, options);
  while (!task.finished()) task.run_round();
  return task.finish();
}

std::shared_ptr<SearchStrategy> make_search_strategy(const std::string& name) {
  if (name == "evolutionary") return make_evolutionary_search();
  if (name == "replay-trace") return make_replay_trace();
  if (name == "replay-func") return make_replay_func();
  return make_component<SearchStrategy>(name);  // a plugin's, by its registered name
}

std::shared_ptr<CostModel> make_cost_model(const std::string& name, const std::string& model_file) {
  std::shared_ptr<CostModel> model;
  if (name == "mlp")
    model = std::make_shared<MLPCostModel>();
  else if (name == "random")
    model = std::make_shared<RandomModel>();
  else
    fail("no cost model named '{}' (mlp or random)", name);
  if (!model_file.empty()) {
    if (name != "mlp")
      fail("a cost model file holds a trained MLP model; it does not go with the cost model '{}'",
           name);
    model->load(model_file);
  }
  return model;
}

TuneResult tune(const PrimFunc& func, const Target& target, TuneOptions options) {
  if (options.database.empty())
    fail("tune: TuneOptions::database names no directory (where every measurement is kept)");
  Workload workload{func->name, func, count_flops(func)};
  TuneContext ctx(workload, target.canonical());
  const std::string space = options.space.empty() ? "rules" : options.space;
  if (space == "rules")
    ctx.space_generator = std::make_shared<PostOrderApply>();
  else
    ctx.space_generator = std::make_shared<ScheduleFnSpace>(space);
  fill_defaults(ctx);
  ctx.seed = options.seed;
  ctx.num_threads = options.num_threads > 0
                        ? options.num_threads
                        : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::shared_ptr<SearchStrategy> strategy =
      make_search_strategy(options.strategy.empty() ? "evolutionary" : options.strategy);
  std::shared_ptr<CostModel> model = make_cost_model(
      options.cost_model.empty() ? "mlp" : options.cost_model, options.cost_model_file);
  Database database(options.database);
  LocalBuilder builder(ctx.num_threads);
  RunnerOptions measuring;
  measuring.threads = ctx.target.num_cores;
  measuring.timing = TimingOptions{1, 3, 20, false};
  LocalRunner runner(measuring);
  options.database = options.space = options.strategy = options.cost_model =
      options.cost_model_file = "";
  TuneResult result;
  result.summary = tune(ctx, database, *strategy, *model, builder, runner, options);
  std::vector<RankedProgram> best =
      database.top_k(result.summary.workload_hash, result.summary.target, 1);
  const TuningRecord* pick = !best.empty() ? best[0].record
                                           : database.latest_predicted(result.summary.workload_hash,
                                                                       result.summary.target);
  if (pick != nullptr) {
    Schedule sch = replay_record(*pick, workload);
    result.best_trace = *sch.trace();
    result.best_program = sch.func();
  }
  return result;
}

}  // namespace tessera
