// One task's tuning, a round at a time, and the built-in measure callbacks.
#include "tessera/tune/task_tuner.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <map>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tessera/runtime/evaluator.h"
#include "tessera/support/error.h"
#include "tessera/support/logging.h"
#include "tessera/support/task_pool.h"

namespace tessera {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

/// Adds the time its scope took to a counter.
class Stopwatch {
 public:
  explicit Stopwatch(double& total) : total_(total), start_(Clock::now()) {}
  ~Stopwatch() { total_ += seconds_since(start_); }

 private:
  double& total_;
  Clock::time_point start_;
};

void check_options(const TuneOptions& o) {
  if (o.trials < 0) fail("tune: trials must be at least 0, got {}", o.trials);
  if (o.trials_per_round < 1)
    fail("tune: trials_per_round must be at least 1, got {}", o.trials_per_round);
  if (!(o.time_budget_seconds >= 0))
    fail("tune: time_budget_seconds must be at least 0, got {}", o.time_budget_seconds);
  if (o.remeasure_top < 0) fail("tune: remeasure_top must be at least 0, got {}", o.remeasure_top);
  if (o.remeasure_rounds < 1)
    fail("tune: remeasure_rounds must be at least 1, got {}", o.remeasure_rounds);
}

class DatabaseWriter : public MeasureCallback {
 public:
  void on_measured(TaskTuner& task, const MeasuredCandidate& measured) override {
    Stopwatch bookkeeping(task.mutable_summary().bookkeeping_seconds);
    task.database().add_record(*measured.record);
  }
};

class ProgressReporter : public MeasureCallback {
 public:
  explicit ProgressReporter(std::function<void(const TuneProgress&)> report)
      : report_(std::move(report)) {}
  void on_measured(TaskTuner& task, const MeasuredCandidate& measured) override {
    if (!report_) return;
    TuneProgress p;
    p.trials = task.trials();
    p.target_trials = task.options().trials;
    p.round = task.summary().rounds;
    p.best_seconds = task.best_seconds();
    p.elapsed_seconds = task.elapsed_seconds();
    p.flops = task.summary().flops;
    p.round_finished = measured.last_of_round;
    report_(p);
  }

 private:
  std::function<void(const TuneProgress&)> report_;
};

class CostModelUpdater : public MeasureCallback {
 public:
  void on_round(TaskTuner& task, const std::vector<MeasuredCandidate>& round) override {
    Stopwatch model(task.mutable_summary().model_seconds);
    std::vector<PrimFunc> programs;
    std::vector<double> seconds;
    for (const MeasuredCandidate& m : round) {
      programs.push_back(m.program);
      seconds.push_back(m.seconds);
    }
    task.cost_model().update(task.context(), programs, seconds);
  }
};

class TuningCurveWriter : public MeasureCallback {
 public:
  void on_round(TaskTuner& task, const std::vector<MeasuredCandidate>&) override {
    Stopwatch bookkeeping(task.mutable_summary().bookkeeping_seconds);
    const TuneSummary& s = task.summary();
    write_file_atomically(s.curve_path,
                          tuning_curve_csv(task.database(), s.workload_hash, s.target, s.flops));
  }
};

}  // namespace

std::shared_ptr<MeasureCallback> make_database_writer() {
  return std::make_shared<DatabaseWriter>();
}
std::shared_ptr<MeasureCallback> make_progress_reporter(
    std::function<void(const TuneProgress&)> report) {
  return std::make_shared<ProgressReporter>(std::move(report));
}
std::shared_ptr<MeasureCallback> make_cost_model_updater() {
  return std::make_shared<CostModelUpdater>();
}
std::shared_ptr<MeasureCallback> make_tuning_curve_writer() {
  return std::make_shared<TuningCurveWriter>();
}

TaskTuner::TaskTuner(TuneContext& ctx, Database& database, SearchStrategy& strategy,
                     CostModel& cost_model, Builder& builder, Runner& runner, TuneOptions options)
    : ctx_(ctx),
      database_(database),
      strategy_(strategy),
      cost_model_(cost_model),
      builder_(builder),
      runner_(runner),
      options_(std::move(options)),
      start_(Clock::now()),
      best_(std::numeric_limits<double>::infinity()) {
  check_options(options_);
  callbacks_ = {make_database_writer(), make_progress_reporter(options_.on_progress),
                make_cost_model_updater(), make_tuning_curve_writer()};
  callbacks_.insert(callbacks_.end(), options_.callbacks.begin(), options_.callbacks.end());
  ctx_.target = ctx_.target.canonical();
  summary_.workload_spec = ctx_.workload.spec;
  summary_.target = ctx_.target.str();
  summary_.flops = ctx_.workload.flops;
  {
    Stopwatch bookkeeping(summary_.bookkeeping_seconds);
    summary_.workload_hash = database_.add_workload(ctx_.workload);
  }
  const std::string& target = summary_.target;
  const std::string& workload = summary_.workload_hash;
  summary_.curve_path = tuning_curve_path(database_, workload, target);

  SearchInput input;
  std::vector<const TuningRecord*> earlier;  // what a learning cost model starts from
  for (const TuningRecord* r : database_.records_of(workload, target)) {
    if (r->predicted()) continue;  // a cost model's pick, not measured: the search may measure it
    input.measured.insert(r->program);
    if (r->remeasured) continue;
    earlier.push_back(r);
    ++trials_;
    if (r->ok()) best_ = std::min(best_, r->median_seconds());
  }
  summary_.trials_before = trials_;
  for (const RankedProgram& p : database_.top_k(workload, target, 1024)) {
    try {
      input.best_measured.emplace_back(
          p.record->parsed_trace().simplified(/*remove_postproc=*/true), p.median_seconds);
    } catch (const Error& e) {
      log_warning(
          "the stored trace of program {} does not parse; the search does not start from it: {}",
          p.record->program, e.message());
    }
  }
  input.cost_model = &cost_model_;
  {
    Stopwatch search(summary_.search_seconds);
    input.sketches = ctx_.generate_design_space();
    cost_model_.initialize(ctx_);
  }
  if (cost_model_.learns() && !earlier.empty()) {
    // A resumed task: the model learns from what was measured before (the most recent
    // records, when there are many), so the first round is already guided.
    Stopwatch model(summary_.model_seconds);
    constexpr size_t kMaxEarlier = 4096;
    if (earlier.size() > kMaxEarlier)
      earlier.erase(earlier.begin(), earlier.end() - static_cast<long>(kMaxEarlier));
    using Replayed = std::optional<std::pair<PrimFunc, double>>;
    std::vector<Replayed> replayed = parallel_map<Replayed>(
        static_cast<int64_t>(earlier.size()), ctx_.num_threads, [&](int64_t i) -> Replayed {
          const TuningRecord& r = *earlier[static_cast<size_t>(i)];
          try {
            return std::make_pair(
                replay_record(r, ctx_.workload).func(),
                r.ok() ? r.median_seconds() : std::numeric_limits<double>::infinity());
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
    if (!programs.empty()) cost_model_.update(ctx_, programs, seconds);
  }
  {
    Stopwatch search(summary_.search_seconds);
    strategy_.initialize(ctx_, std::move(input));
  }
  summary_.stop_reason = fmt::format("reached {} trials", options_.trials);
}

TaskTuner::~TaskTuner() = default;

// Where libraries are built: the named scratch directory (created if needed), else a
// temporary one, made at the first build.
const std::string& TaskTuner::scratch_directory() {
  if (!scratch_.empty()) return scratch_;
  if (options_.scratch_directory.empty()) {
    temporary_.emplace("tessera_tune");
    scratch_ = temporary_->path();
    return scratch_;
  }
  std::error_code ec;
  std::filesystem::create_directories(options_.scratch_directory, ec);
  if (!std::filesystem::is_directory(options_.scratch_directory)) {
    fail("cannot create the scratch directory {}: {}", options_.scratch_directory, ec.message());
  }
  scratch_ = options_.scratch_directory;
  return scratch_;
}

double TaskTuner::elapsed_seconds() const { return seconds_since(start_); }

bool TaskTuner::finished() {
  if (stopped_ || trials_ >= options_.trials) return true;
  if (options_.time_budget_seconds > 0 && elapsed_seconds() >= options_.time_budget_seconds) {
    summary_.stop_reason = fmt::format("time budget of {} s spent", options_.time_budget_seconds);
    stopped_ = true;
  }
  return stopped_;
}

void TaskTuner::run_round() { run_round(options_.trials_per_round); }

void TaskTuner::run_round(int count) {
  if (count < 1) fail("TaskTuner::run_round: count must be at least 1, got {}", count);
  if (finished()) return;
  const int want = static_cast<int>(std::min<int64_t>(count, options_.trials - trials_));
  std::vector<MeasureCandidate> batch;
  {
    Stopwatch search(summary_.search_seconds);
    batch = strategy_.generate_candidates(want);
  }
  if (batch.empty()) {
    summary_.stop_reason = "the space has no unmeasured programs left";
    stopped_ = true;
    return;
  }
  ++summary_.rounds;
  std::vector<PrimFunc> programs;
  for (const MeasureCandidate& c : batch) programs.push_back(c.schedule.func());
  std::vector<BuildResult> built;
  {
    Stopwatch build(summary_.build_seconds);
    built = builder_.build(programs, ctx_.target, scratch_directory());
  }
  if (built.size() != batch.size())
    fail("the builder returned {} results for {} programs", built.size(), batch.size());
  std::vector<double> seconds(batch.size(), std::numeric_limits<double>::infinity());
  std::vector<TuningRecord> records(batch.size());
  std::vector<MeasuredCandidate> round(batch.size());
  std::map<std::string, int64_t> round_failures;
  int64_t measured_ok = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    TuningRecord& record = records[i];
    record.workload = summary_.workload_hash;
    record.target = summary_.target;
    record.program = batch[i].program;
    record.trace = batch[i].schedule.trace()->to_json();
    if (!built[i].ok()) {
      record.status = "build error";
      record.reason = built[i].error;
    } else {
      MeasureResult m;
      {
        Stopwatch measure(summary_.measure_seconds);
        m = runner_.run(ctx_.workload, built[i]);
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
      ++summary_.failures[record.status];
      ++round_failures[record.status];
      summary_.failure_example.emplace(record.status, record.reason.substr(0, 200));
    }
    ++trials_;
    ++summary_.trials_run;
    best_ = std::min(best_, seconds[i]);
    round[i] =
        MeasuredCandidate{&batch[i], programs[i], &record, seconds[i], i + 1 == batch.size()};
    for (const auto& callback : callbacks_) callback->on_measured(*this, round[i]);
  }
  for (const auto& callback : callbacks_) callback->on_round(*this, round);
  strategy_.notify_measured(batch, seconds);
  if (measured_ok == 0) {
    std::string reasons;
    for (const auto& [status, count] : round_failures) {
      reasons +=
          fmt::format("; {} {} (e.g. {})", status, count, summary_.failure_example.at(status));
    }
    summary_.sampling = strategy_.statistics();
    fail(
        "round {} of tuning {}: none of its {} candidates could be measured{}; every attempt is "
        "recorded in {}",
        summary_.rounds, ctx_.workload.spec, batch.size(), reasons, database_.directory());
  }
}

// The no-tuning mode: the strategy's best-scored candidate under a trained model becomes a
// "predicted" record; nothing is built or measured.
void TaskTuner::predict_without_measuring() {
  if (!cost_model_.learned()) {
    fail(
        "tune with 0 trials ranks candidates with a trained cost model and measures nothing, but "
        "the model has learned nothing: "
        "give it a trained model (tessera tune --cost-model-file MODEL; `tessera costmodel train` "
        "makes one)");
  }
  std::vector<MeasureCandidate> pick;
  {
    Stopwatch search(summary_.search_seconds);
    pick = strategy_.generate_candidates(1);
  }
  if (pick.empty()) {
    fail(
        "tune with 0 trials: the search found no candidate of {} to predict (every program of the "
        "space is measured)",
        ctx_.workload.spec);
  }
  TuningRecord record;
  record.workload = summary_.workload_hash;
  record.target = summary_.target;
  record.program = pick[0].program;
  record.trace = pick[0].schedule.trace()->to_json();
  record.status = TuningRecord::kPredicted;
  record.reason = "chosen by the cost model without measuring (tessera tune --trials 0)";
  {
    Stopwatch bookkeeping(summary_.bookkeeping_seconds);
    database_.add_record(std::move(record));
  }
  summary_.best_program = pick[0].program;
  summary_.stop_reason = "no-tuning mode: the cost model's pick was recorded, not measured";
}

// The best few in a fresh worker, round-robin over several rounds so that a slow minute
// of the machine affects every finalist alike.
void TaskTuner::remeasure_finalists() {
  Stopwatch remeasure(summary_.remeasure_seconds);
  const std::string& workload = summary_.workload_hash;
  const std::string& target = summary_.target;
  std::vector<RankedProgram> top =
      database_.top_k(workload, target, static_cast<size_t>(options_.remeasure_top));
  std::vector<PrimFunc> programs;
  std::vector<const TuningRecord*> records;
  for (const RankedProgram& p : top) {
    try {
      programs.push_back(replay_record(*p.record, ctx_.workload).func());
      records.push_back(p.record);
    } catch (const Error& e) {
      log_warning("{}", e.what());
    }
  }
  if (programs.empty()) return;
  if (scratch_.empty()) {
    temporary_.emplace("tessera_tune");
    scratch_ = temporary_->path();
  }
  std::vector<BuildResult> built = builder_.build(programs, ctx_.target, scratch_directory());
  std::unique_ptr<Runner> fresh = runner_.fresh();
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
  for (int round = 0; round < options_.remeasure_rounds; ++round) {
    for (size_t i = 0; i < programs.size(); ++i) {
      if (!finalists[i].failure.empty()) continue;
      MeasureResult m = fresh->run(ctx_.workload, built[i]);
      if (!m.ok() || m.seconds.empty()) {
        failure_status[i] = m.ok() ? "runner error" : to_string(m.status);
        finalists[i].failure = fmt::format("{}: {}", failure_status[i],
                                           m.ok() ? "the runner returned no run times" : m.reason);
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
    database_.add_record(std::move(record));
  }
  std::sort(finalists.begin(), finalists.end(), [](const Finalist& a, const Finalist& b) {
    return a.median_seconds != b.median_seconds ? a.median_seconds < b.median_seconds
                                                : a.program < b.program;
  });
  summary_.finalists = std::move(finalists);
}

TuneSummary TaskTuner::finish() {
  if (options_.trials == 0) {
    predict_without_measuring();
  } else {
    summary_.sampling = strategy_.statistics();
    remeasure_finalists();
    std::vector<RankedProgram> best_now =
        database_.top_k(summary_.workload_hash, summary_.target, 1);
    if (!best_now.empty()) {
      summary_.best_program = best_now[0].record->program;
      summary_.best_measured_seconds = best_now[0].median_seconds;
    }
  }
  summary_.total_seconds = elapsed_seconds();
  return summary_;
}

}  // namespace tessera
