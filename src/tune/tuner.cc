// The tuning loop: rounds of search, build, measure and record; then the
// re-measurement of the best candidates in a fresh worker.
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

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tessera/runtime/evaluator.h"
#include "tessera/support/error.h"
#include "tessera/support/file_system.h"
#include "tessera/support/hash.h"
#include "tessera/support/logging.h"

namespace tessera {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// Adds the time its scope took to a counter.
class Stopwatch {
 public:
  explicit Stopwatch(double& total) : total_(total), start_(Clock::now()) {}
  ~Stopwatch() { total_ += seconds_since(start_); }

 private:
  double& total_;
  Clock::time_point start_;
};

/// A scratch directory for the libraries of one run, removed with it (unless the user named it).
class ScratchDirectory {
 public:
  explicit ScratchDirectory(const std::string& requested) {
    if (!requested.empty()) {
      std::error_code ec;
      std::filesystem::create_directories(requested, ec);
      if (!std::filesystem::is_directory(requested)) fail("cannot create the scratch directory {}: {}", requested, ec.message());
      path_ = requested;
      return;
    }
    owned_.emplace("tessera_tune");
    path_ = owned_->path();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::optional<TemporaryDirectory> owned_;
};

std::string gflops_text(int64_t flops, double seconds) {
  if (!std::isfinite(seconds) || flops <= 0) return "-";
  return fmt::format("{:.2f}", static_cast<double>(flops) / seconds * 1e-9);
}

void check_options(const TuneOptions& o) {
  if (o.trials < 0) fail("tune: trials must be at least 0, got {}", o.trials);
  if (o.trials_per_round < 1) fail("tune: trials_per_round must be at least 1, got {}", o.trials_per_round);
  if (!(o.time_budget_seconds >= 0)) fail("tune: time_budget_seconds must be at least 0, got {}", o.time_budget_seconds);
  if (o.remeasure_top < 0) fail("tune: remeasure_top must be at least 0, got {}", o.remeasure_top);
  if (o.remeasure_rounds < 1) fail("tune: remeasure_rounds must be at least 1, got {}", o.remeasure_rounds);
}

}  // namespace

Schedule replay_record(const TuningRecord& record, const Workload& workload, bool debug) {
  Schedule sch(workload.func, 0, /*traced=*/true, debug);
  try {
    record.parsed_trace().apply(sch, /*remove_postproc=*/false, ReplayMode::kStrict);
  } catch (Error& e) {
    throw e.add_context(fmt::format("while replaying the record of program {} (measured {}) on {}", record.program, record.time, workload.spec));
  }
  return sch;
}

double TuneSummary::best_seconds() const { return finalists.empty() ? best_measured_seconds : finalists.front().median_seconds; }

std::string TuneSummary::to_text() const {
  std::string s;
  const double best = best_seconds();
  s += fmt::format("workload   {} ({})\n", workload_spec, workload_hash);
  s += fmt::format("target     {}\n", target);
  s += fmt::format("FLOPs      {}\n", flops);
  s += fmt::format("trials     {} in this run, {} in the database ({} rounds; stopped: {})\n", trials_run, trials_before + trials_run, rounds,
                   stop_reason);
  if (std::isfinite(best) && finalists.empty()) {
    s += fmt::format("best       {:.4f} ms, {} GFLOP/s (program {}; not re-measured)\n", best * 1e3, gflops_text(flops, best), best_program);
  } else if (std::isfinite(best)) {
    const Finalist& f = finalists.front();
    s += fmt::format("best       {:.4f} ms, {} GFLOP/s (re-measured {} rounds in a fresh worker: {:.4f}–{:.4f} ms)\n", best * 1e3,
                     gflops_text(flops, best), f.round_medians.size(), f.min_seconds * 1e3, f.max_seconds * 1e3);
  } else if (!best_program.empty()) {
    s += fmt::format("predicted  program {} (the cost model's pick, not measured; `tessera replay --db` builds it)\n", best_program);
  } else {
    s += "best       none (no candidate was measured successfully)\n";
  }
  for (size_t i = 0; i < finalists.size(); ++i) {
    const Finalist& f = finalists[i];
    if (!f.failure.empty()) {
      s += fmt::format("  #{} {}  re-measurement failed: {}\n", i + 1, f.program, f.failure);
      continue;
    }
    s += fmt::format("  #{} {}  median {:.4f} ms  spread {:.4f}–{:.4f} ms  {} GFLOP/s\n", i + 1, f.program, f.median_seconds * 1e3,
                     f.min_seconds * 1e3, f.max_seconds * 1e3, gflops_text(flops, f.median_seconds));
  }
  if (failures.empty()) {
    s += "failures   none\n";
  } else {
    s += "failures  ";
    for (const auto& [status, count] : failures) s += fmt::format(" {} {} (e.g. {});", status, count, failure_example.at(status));
    s.back() = '\n';
  }
  s += fmt::format("sampling   {}\n", sampling.summary());
  s += fmt::format("time       {:.1f} s: search {:.1f}, build {:.1f}, measure {:.1f}, cost model {:.1f}, database {:.1f}, re-measure {:.1f}",
                   total_seconds, search_seconds, build_seconds, measure_seconds, model_seconds, bookkeeping_seconds, remeasure_seconds);
  if (trials_run > 0) s += fmt::format(" ({:.3f} s per trial)", (total_seconds - remeasure_seconds) / static_cast<double>(trials_run));
  s += "\n";
  if (!curve_path.empty()) s += fmt::format("curve      {}\n", curve_path);
  return s;
}

std::string tuning_curve_path(const Database& database, const std::string& workload_hash, const std::string& target) {
  return fmt::format("{}/curve_{}_{}.csv", database.directory(), workload_hash, hash_to_hex(hash_string(target)).substr(0, 8));
}

std::string tuning_curve_csv(const Database& database, const std::string& workload_hash, const std::string& target, int64_t flops) {
  std::string csv = "trial,best_seconds,best_gflops\n";
  double best = std::numeric_limits<double>::infinity();
  int64_t trial = 0;
  for (const TuningRecord* r : database.records_of(workload_hash, target)) {
    if (r->remeasured || r->predicted()) continue;
    ++trial;
    if (r->ok()) best = std::min(best, r->median_seconds());
    if (std::isfinite(best)) csv += fmt::format("{},{:.9g},{}\n", trial, best, gflops_text(flops, best));
    else csv += fmt::format("{},,\n", trial);
  }
  return csv;
}

namespace {

// The no-tuning mode: the strategy's best-scored candidate under a trained model becomes a
// "predicted" record; nothing is built or measured.
TuneSummary predict_without_measuring(TuneContext& ctx, Database& database, SearchStrategy& strategy, CostModel& cost_model,
                                      TuneSummary summary, Clock::time_point start) {
  if (!cost_model.learned()) {
    fail("tune with 0 trials ranks candidates with a trained cost model and measures nothing, but the model has learned nothing: give it "
         "a trained model (tessera tune --cost-model-file MODEL; `tessera costmodel train` makes one)");
  }
  std::vector<MeasureCandidate> pick;
  {
    Stopwatch search(summary.search_seconds);
    pick = strategy.generate_candidates(1);
  }
  if (pick.empty()) fail("tune with 0 trials: the search found no candidate of {} to predict (every program of the space is measured)", ctx.workload.spec);
  TuningRecord record;
  record.workload = summary.workload_hash;
  record.target = summary.target;
  record.program = pick[0].program;
  record.trace = pick[0].schedule.trace()->to_json();
  record.status = TuningRecord::kPredicted;
  record.reason = "chosen by the cost model without measuring (tessera tune --trials 0)";
  {
    Stopwatch bookkeeping(summary.bookkeeping_seconds);
    database.add_record(std::move(record));
  }
  summary.best_program = pick[0].program;
  summary.stop_reason = "no-tuning mode: the cost model's pick was recorded, not measured";
  summary.total_seconds = seconds_since(start);
  return summary;
}

}  // namespace

TuneSummary tune(TuneContext& ctx, Database& database, SearchStrategy& strategy, CostModel& cost_model, Builder& builder,
                 Runner& runner, const TuneOptions& options) {
  check_options(options);
  const Clock::time_point start = Clock::now();
  ctx.target = ctx.target.canonical();
  TuneSummary summary;
  summary.workload_spec = ctx.workload.spec;
  summary.target = ctx.target.str();
  summary.flops = ctx.workload.flops;
  {
    Stopwatch bookkeeping(summary.bookkeeping_seconds);
    summary.workload_hash = database.add_workload(ctx.workload);
  }
  const std::string& target = summary.target;
  const std::string& workload = summary.workload_hash;
  summary.curve_path = tuning_curve_path(database, workload, target);

  SearchInput input;
  int64_t trials = 0;
  double best = std::numeric_limits<double>::infinity();
  std::vector<const TuningRecord*> earlier;  // what a learning cost model starts from
  for (const TuningRecord* r : database.records_of(workload, target)) {
    if (r->predicted()) continue;  // a cost model's pick, not measured: the search may measure it
    input.measured.insert(r->program);
    if (r->remeasured) continue;
    earlier.push_back(r);
    ++trials;
    if (r->ok()) best = std::min(best, r->median_seconds());
  }
  summary.trials_before = trials;
  for (const RankedProgram& p : database.top_k(workload, target, 1024)) {
    try {
      input.best_measured.emplace_back(p.record->parsed_trace().simplified(/*remove_postproc=*/true), p.median_seconds);
    } catch (const Error& e) {
      log_warning("the stored trace of program {} does not parse; the search does not start from it: {}", p.record->program, e.message());
    }
  }
  input.cost_model = &cost_model;
  {
    Stopwatch search(summary.search_seconds);
    input.sketches = ctx.generate_design_space();
    cost_model.initialize(ctx);
  }
  if (cost_model.learns() && !earlier.empty()) {
    // A resumed task: the model learns from what was measured before (the most recent
    // records, when there are many), so the first round is already guided.
    Stopwatch model(summary.model_seconds);
    constexpr size_t kMaxEarlier = 4096;
    if (earlier.size() > kMaxEarlier) earlier.erase(earlier.begin(), earlier.end() - static_cast<long>(kMaxEarlier));
    std::vector<std::optional<std::pair<PrimFunc, double>>> replayed = parallel_map<std::optional<std::pair<PrimFunc, double>>>(
        static_cast<int64_t>(earlier.size()), ctx.num_threads, [&](int64_t i) -> std::optional<std::pair<PrimFunc, double>> {
          const TuningRecord& r = *earlier[static_cast<size_t>(i)];
          try {
            return std::make_pair(replay_record(r, ctx.workload).func(), r.ok() ? r.median_seconds() : std::numeric_limits<double>::infinity());
          } catch (const Error&) {
            return std::nullopt;  // a record this tessera no longer replays teaches nothing
          }
        });
    std::vector<PrimFunc> programs;
    std::vector<double> seconds;
    for (auto& p : replayed) {
      if (!p) continue;
      programs.push_back(std::move(p->first));
      seconds.push_back(p->second);
    }
    if (!programs.empty()) cost_model.update(ctx, programs, seconds);
  }
  {
    Stopwatch search(summary.search_seconds);
    strategy.initialize(ctx, std::move(input));
  }
  if (options.trials == 0) return predict_without_measuring(ctx, database, strategy, cost_model, summary, start);

  ScratchDirectory scratch(options.scratch_directory);
  TuneProgress progress;
  progress.target_trials = options.trials;
  progress.flops = summary.flops;
  progress.trials = trials;
  progress.best_seconds = best;
  summary.stop_reason = fmt::format("reached {} trials", options.trials);
  while (trials < options.trials) {
    if (options.time_budget_seconds > 0 && seconds_since(start) >= options.time_budget_seconds) {
      summary.stop_reason = fmt::format("time budget of {} s spent", options.time_budget_seconds);
      break;
    }
    const int want = static_cast<int>(std::min<int64_t>(options.trials_per_round, options.trials - trials));
    std::vector<MeasureCandidate> batch;
    {
      Stopwatch search(summary.search_seconds);
      batch = strategy.generate_candidates(want);
    }
    if (batch.empty()) {
      summary.stop_reason = "the space has no unmeasured programs left";
      break;
    }
    ++summary.rounds;
    progress.round = summary.rounds;
    std::vector<PrimFunc> programs;
    for (const MeasureCandidate& c : batch) programs.push_back(c.schedule.func());
    std::vector<BuildResult> built;
    {
      Stopwatch build(summary.build_seconds);
      built = builder.build(programs, ctx.target, scratch.path());
    }
    if (built.size() != batch.size()) fail("the builder returned {} results for {} programs", built.size(), batch.size());
    std::vector<double> seconds(batch.size(), std::numeric_limits<double>::infinity());
    std::map<std::string, int64_t> round_failures;
    int64_t measured_ok = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      TuningRecord record;
      record.workload = workload;
      record.target = target;
      record.program = batch[i].program;
      record.trace = batch[i].schedule.trace()->to_json();
      if (!built[i].ok()) {
        record.status = "build error";
        record.reason = built[i].error;
      } else {
        MeasureResult m;
        {
          Stopwatch measure(summary.measure_seconds);
          m = runner.run(ctx.workload, built[i]);
        }
        if (m.ok() && !m.seconds.empty()) {
          record.run_seconds = m.seconds;
          seconds[i] = record.median_seconds();
          ++measured_ok;
        } else {
          record.status = m.ok() ? "runner error" : to_string(m.status);
          record.reason = m.ok() ? "the runner returned no run times" : m.reason;
        }
        std::error_code ec;
        std::filesystem::remove(built[i].library_path, ec);
      }
      if (!record.ok()) {
        ++summary.failures[record.status];
        ++round_failures[record.status];
        summary.failure_example.emplace(record.status, record.reason.substr(0, 200));
      }
      {
        Stopwatch bookkeeping(summary.bookkeeping_seconds);
        database.add_record(std::move(record));
      }
      ++trials;
      ++summary.trials_run;
      best = std::min(best, seconds[i]);
      progress.trials = trials;
      progress.best_seconds = best;
      progress.elapsed_seconds = seconds_since(start);
      progress.round_finished = i + 1 == batch.size();
      if (options.on_progress) options.on_progress(progress);
    }
    {
      Stopwatch model(summary.model_seconds);
      cost_model.update(ctx, programs, seconds);
    }
    strategy.notify_measured(batch, seconds);
    {
      Stopwatch bookkeeping(summary.bookkeeping_seconds);
      write_file_atomically(summary.curve_path, tuning_curve_csv(database, workload, target, summary.flops));
    }
    if (measured_ok == 0) {
      std::string reasons;
      for (const auto& [status, count] : round_failures) reasons += fmt::format("; {} {} (e.g. {})", status, count, summary.failure_example.at(status));
      summary.sampling = strategy.statistics();
      fail("round {} of tuning {}: none of its {} candidates could be measured{}; every attempt is recorded in {}", summary.rounds,
           ctx.workload.spec, batch.size(), reasons, database.directory());
    }
  }
  summary.sampling = strategy.statistics();

  // The re-measurement: the best few in a fresh worker, round-robin over several rounds so
  // that a slow minute of the machine affects every finalist alike.
  {
    Stopwatch remeasure(summary.remeasure_seconds);
    std::vector<RankedProgram> top = database.top_k(workload, target, static_cast<size_t>(options.remeasure_top));
    std::vector<PrimFunc> programs;
    std::vector<const TuningRecord*> records;
    for (const RankedProgram& p : top) {
      try {
        programs.push_back(replay_record(*p.record, ctx.workload).func());
        records.push_back(p.record);
      } catch (const Error& e) {
        log_warning("{}", e.what());
      }
    }
    std::vector<BuildResult> built = programs.empty() ? std::vector<BuildResult>{} : builder.build(programs, ctx.target, scratch.path());
    std::unique_ptr<Runner> fresh = programs.empty() ? nullptr : runner.fresh();
    std::vector<Finalist> finalists(programs.size());
    std::vector<std::vector<double>> all_seconds(programs.size());
    std::vector<std::string> failure_status(programs.size());  // the record's status when it failed
    for (size_t i = 0; i < programs.size(); ++i) {
      finalists[i].program = records[i]->program;
      if (!built[i].ok()) {
        failure_status[i] = "build error";
        finalists[i].failure = "build error: " + built[i].error;
      }
    }
    for (int round = 0; round < options.remeasure_rounds; ++round) {
      for (size_t i = 0; i < programs.size(); ++i) {
        if (!finalists[i].failure.empty()) continue;
        MeasureResult m = fresh->run(ctx.workload, built[i]);
        if (!m.ok() || m.seconds.empty()) {
          failure_status[i] = m.ok() ? "runner error" : to_string(m.status);
          finalists[i].failure = fmt::format("{}: {}", failure_status[i], m.ok() ? "the runner returned no run times" : m.reason);
          continue;
        }
        finalists[i].round_medians.push_back(m.median());
        all_seconds[i].insert(all_seconds[i].end(), m.seconds.begin(), m.seconds.end());
      }
    }
    for (size_t i = 0; i < programs.size(); ++i) {
      Finalist& f = finalists[i];
      TuningRecord record;
      record.workload = workload;
      record.target = target;
      record.program = f.program;
      record.trace = records[i]->trace;
      record.remeasured = true;
      if (f.failure.empty()) {
        // The median of every re-measured run: what the database ranks the finalists by, so
        // that `replay --db` and `db best` build and list what this summary reports.
        f.median_seconds = median_of(all_seconds[i]);
        f.min_seconds = *std::min_element(f.round_medians.begin(), f.round_medians.end());
        f.max_seconds = *std::max_element(f.round_medians.begin(), f.round_medians.end());
        record.run_seconds = all_seconds[i];
      } else {
        record.status = failure_status[i];
        record.reason = f.failure;
      }
      database.add_record(std::move(record));
    }
    std::sort(finalists.begin(), finalists.end(), [](const Finalist& a, const Finalist& b) {
      return a.median_seconds != b.median_seconds ? a.median_seconds < b.median_seconds : a.program < b.program;
    });
    summary.finalists = std::move(finalists);
  }
  std::vector<RankedProgram> best_now = database.top_k(workload, target, 1);
  if (!best_now.empty()) {
    summary.best_program = best_now[0].record->program;
    summary.best_measured_seconds = best_now[0].median_seconds;
  }
  summary.total_seconds = seconds_since(start);
  return summary;
}

}  // namespace tessera
