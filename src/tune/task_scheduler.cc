// The task scheduler: which task's round runs next, under one budget (task_scheduler.h).
#include "tessera/tune/task_scheduler.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "tessera/support/error.h"
#include "tessera/support/logging.h"
#include "tessera/support/random.h"
#include "tessera/tune/defaults.h"
#include "tessera/tune/task_tuner.h"

namespace tessera {
namespace {

using Clock = std::chrono::steady_clock;

constexpr double kInfinity = std::numeric_limits<double>::infinity();

std::string milliseconds_text(double seconds) {
  return std::isfinite(seconds) ? fmt::format("{:.4f} ms", seconds * 1e3) : "-";
}

void check_options(const TaskSchedulerOptions& o) {
  if (o.trials < 0) fail("tune: the trial budget must be at least 0, got {}", o.trials);
  if (o.trials_per_round < 1)
    fail("tune: trials per round must be at least 1, got {}", o.trials_per_round);
  if (o.foresee_trials < 1)
    fail("tune: a foresee round measures at least 1 candidate, got {}", o.foresee_trials);
  if (!(o.time_budget_seconds >= 0))
    fail("tune: the time budget must be at least 0 s, got {}", o.time_budget_seconds);
  if (o.convergence_trials < 0)
    fail("tune: the convergence window must be at least 0 trials, got {}", o.convergence_trials);
  if (!(o.convergence_improvement >= 0 && o.convergence_improvement < 1))
    fail("tune: the convergence improvement must be in [0, 1), got {}", o.convergence_improvement);
  if (!(o.gradient.alpha >= 0 && o.gradient.alpha <= 1))
    fail("tune: the gradient's alpha must be in [0, 1], got {}", o.gradient.alpha);
  if (o.gradient.backward_window < 1)
    fail("tune: the gradient's backward window must be at least 1 round, got {}",
         o.gradient.backward_window);
  if (!(o.gradient.beta > 0))
    fail("tune: the gradient's beta must be positive, got {}", o.gradient.beta);
}

}  // namespace

SchedulerKind parse_scheduler_kind(const std::string& name) {
  if (name == "round-robin") return SchedulerKind::kRoundRobin;
  if (name == "gradient") return SchedulerKind::kGradient;
  if (name == "family") return SchedulerKind::kFamily;
  fail("unknown task scheduler '{}': round-robin, gradient or family", name);
}

std::string to_string(SchedulerKind kind) {
  switch (kind) {
    case SchedulerKind::kRoundRobin: return "round-robin";
    case SchedulerKind::kGradient: return "gradient";
    case SchedulerKind::kFamily: return "family";
  }
  return "?";
}

double SchedulerSummary::estimated_seconds() const {
  double total = 0;
  for (const TaskReport& t : tasks)
    if (std::isfinite(t.best_seconds)) total += t.task.weight * t.best_seconds;
  return total;
}

int SchedulerSummary::unmeasured_tasks() const {
  int count = 0;
  for (const TaskReport& t : tasks) count += std::isfinite(t.best_seconds) ? 0 : 1;
  return count;
}

std::string SchedulerSummary::estimate_text(double seconds, int unmeasured) {
  std::string text = fmt::format("{:.4f} ms", seconds * 1e3);
  if (unmeasured > 0)
    text += fmt::format(" ({} task{} not measured yet)", unmeasured, unmeasured == 1 ? "" : "s");
  return text;
}

std::string SchedulerSummary::table() const {
  // Columns of fixed width, so that a table redrawn in place on a terminal keeps its lines.
  auto fit = [](std::string text, size_t width) {
    return text.size() <= width ? text : text.substr(0, width - 3) + "...";
  };
  const double estimate = estimated_seconds();
  std::string s =
      fmt::format("{:>3}  {:<36} {:<18} {:<20} {:>6} {:>7} {:>12} {:>7}  {}\n", "#", "task",
                  "anchor", "shape", "weight", "trials", "best", "share", "state");
  for (size_t i = 0; i < tasks.size(); ++i) {
    const TaskReport& t = tasks[i];
    const double share = t.task.weight * t.best_seconds / estimate;
    std::string state = t.state;
    if (!t.failure.empty()) state += ": " + t.failure;
    s += fmt::format(
        "{:>3}  {:<36} {:<18} {:<20} {:>6} {:>7} {:>12} {:>7}  {}\n", i,
        fit(t.task.name.empty() ? t.task.workload.spec : t.task.name, 36),
        fit(t.task.anchor.empty() ? "-" : t.task.anchor, 18), fit(t.task.shape, 20), t.task.weight,
        t.trials_before + t.trials_run, milliseconds_text(t.best_seconds),
        std::isfinite(share) ? fmt::format("{:.1f}%", 100 * share) : "-", fit(state, 100));
  }
  return s;
}

std::string SchedulerSummary::to_text() const {
  std::string s = table();
  const double estimate = estimated_seconds();
  s += fmt::format("estimated end-to-end latency {} (Σ weight × best)\n",
                   estimate_text(estimate, unmeasured_tasks()));
  std::map<std::string, std::pair<int, int64_t>> by_reason;
  for (const ScheduledRound& r : rounds) {
    by_reason[r.reason].first += 1;
    by_reason[r.reason].second += r.trials;
  }
  std::string split;
  for (const auto& [reason, count] : by_reason)
    split += fmt::format("{}{} {} rounds, {} trials", split.empty() ? "" : "; ", reason,
                         count.first, count.second);
  s += fmt::format("scheduler {}: {} of {} trials, {} rounds ({}), {:.1f} s; stopped: {}\n",
                   scheduler, total_trials, target_trials, rounds.size(),
                   split.empty() ? "none" : split, elapsed_seconds, stop_reason);
  return s;
}

struct TaskScheduler::State {
  struct Task {
    TaskReport report;
    std::unique_ptr<TuneContext> ctx;
    std::shared_ptr<SearchStrategy> strategy;
    std::shared_ptr<CostModel> cost_model;
    std::unique_ptr<TaskTuner> tuner;
    std::vector<double> history;  // best after each round (for the gradient)
    int family = -1;              // index of its cost model (its family's)
    int structure = -1;           // similar-task group
    bool warmed = false;
    bool foresee_pending = false;
    double reference_best = kInfinity;  // for convergence
    int64_t trials_since_reference = 0;
    bool active() const { return report.state == "tuning"; }
  };

  Target target;
  Database& database;
  Builder& builder;
  Runner& runner;
  SchedulerComponents components;
  TaskSchedulerOptions options;
  std::vector<Task> tasks;
  std::deque<int> foresee_queue;
  int last_main = -1;
  Random rng;
  Clock::time_point start = Clock::now();
  SchedulerSummary summary;

  State(const Target& t, Database& db, Builder& b, Runner& r)
      : target(t), database(db), builder(b), runner(r) {}

  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start).count(); }

  int64_t total_trials() const {
    int64_t total = 0;
    for (const Task& t : tasks) total += t.report.trials_before + t.report.trials_run;
    return total;
  }

  void refresh_reports() {
    summary.tasks.clear();
    for (Task& t : tasks) {
      if (t.tuner) {
        t.report.trials_run = t.tuner->trials() - t.report.trials_before;
        t.report.best_seconds = t.tuner->best_seconds();
      }
      summary.tasks.push_back(t.report);
    }
    summary.total_trials = total_trials();
    summary.elapsed_seconds = elapsed();
  }

  void mark_failed(Task& t, const std::string& why) {
    t.report.state = "failed";
    t.report.failure = why;
    log_warning("task {} ({}) is skipped: {}", &t - tasks.data(), t.report.task.workload.spec, why);
  }

  // The next round that is not a foresee round: -1 when no task is active.
  int pick(std::string& reason) {
    std::vector<int> active;
    for (size_t i = 0; i < tasks.size(); ++i)
      if (tasks[i].active()) active.push_back(static_cast<int>(i));
    if (active.empty()) return -1;
    for (int i : active) {
      if (!tasks[static_cast<size_t>(i)].warmed) {
        reason = "warm-up";
        return i;
      }
    }
    if (options.kind == SchedulerKind::kRoundRobin) {
      reason = "round-robin";
      for (int i : active)
        if (i > last_main) return i;
      return active.front();
    }
    reason = "gradient";
    std::vector<TaskHistory> histories;
    for (const Task& t : tasks) {
      TaskHistory h;
      h.weight = t.report.task.weight;
      h.flops = static_cast<double>(t.report.task.workload.flops);
      h.best_after_round = t.history;
      h.similar_group = t.structure;
      histories.push_back(std::move(h));
    }
    const std::vector<double> gradients = task_gradients(histories, options.gradient);
    double lowest = kInfinity;
    for (int i : active) lowest = std::min(lowest, gradients[static_cast<size_t>(i)]);
    std::vector<int> tied;
    for (int i : active)
      if (gradients[static_cast<size_t>(i)] == lowest) tied.push_back(i);
    if (tied.size() == 1) return tied.front();
    return tied[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(tied.size())))];
  }

  void log_round(const ScheduledRound& r) {
    if (options.log_path.empty()) return;
    const bool fresh = !std::filesystem::exists(options.log_path);
    std::ofstream out(options.log_path, std::ios::app);
    if (fresh)
      out << "round,task,workload,reason,trials,task_best_ms,estimated_ms,unmeasured_tasks,"
             "total_trials,elapsed_s\n";
    const Task& t = tasks[static_cast<size_t>(r.task)];
    out << fmt::format("{},{},{},{},{},{:.6f},{:.6f},{},{},{:.2f}\n", r.index, r.task,
                       t.report.workload_hash, r.reason, r.trials, r.task_best_seconds * 1e3,
                       r.estimated_seconds * 1e3, r.unmeasured_tasks, r.total_trials,
                       r.elapsed_seconds);
    if (!out) fail("cannot append to the scheduler's log {}", options.log_path);
  }

  void run_round(int index, const std::string& reason, int count) {
    Task& t = tasks[static_cast<size_t>(index)];
    const double before = t.tuner->best_seconds();
    const int64_t trials_before = t.tuner->trials();
    try {
      t.tuner->run_round(count);
    } catch (const Error& e) {
      mark_failed(t, e.message());
    }
    const int64_t measured = t.tuner->trials() - trials_before;
    const double after = t.tuner->best_seconds();
    t.warmed = true;
    if (measured > 0) t.history.push_back(after);
    if (reason == "foresee") ++t.report.foresee_rounds;
    ++t.report.rounds;
    if (t.active() && measured == 0) t.report.state = "space exhausted";
    const bool improved =
        std::isfinite(after) && (!std::isfinite(t.reference_best) ||
                                 after < t.reference_best * (1 - options.convergence_improvement));
    if (improved) {
      t.reference_best = after;
      t.trials_since_reference = 0;
    } else {
      t.trials_since_reference += measured;
    }
    if (t.active() && options.convergence_trials > 0 &&
        t.trials_since_reference >= options.convergence_trials)
      t.report.state = "converged";
    // FamilySeer: a round that taught the family's model a faster program for this task
    // lets every sibling try the model's picks with a few measurements.
    if (options.kind == SchedulerKind::kFamily && reason != "foresee" && after < before) {
      for (size_t j = 0; j < tasks.size(); ++j) {
        Task& sibling = tasks[j];
        if (static_cast<int>(j) == index || sibling.family != t.family || !sibling.active() ||
            sibling.foresee_pending)
          continue;
        sibling.foresee_pending = true;
        foresee_queue.push_back(static_cast<int>(j));
      }
    }
    refresh_reports();
    ScheduledRound r;
    r.index = static_cast<int>(summary.rounds.size());
    r.task = index;
    r.reason = reason;
    r.trials = measured;
    r.task_best_seconds = after;
    r.estimated_seconds = summary.estimated_seconds();
    r.unmeasured_tasks = summary.unmeasured_tasks();
    r.total_trials = summary.total_trials;
    r.elapsed_seconds = summary.elapsed_seconds;
    summary.rounds.push_back(r);
    log_round(r);
    if (options.on_progress) options.on_progress(summary);
  }
};

TaskScheduler::TaskScheduler(std::vector<SchedulerTask> tasks, const Target& target,
                             Database& database, Builder& builder, Runner& runner,
                             SchedulerComponents components, TaskSchedulerOptions options)
    : state_(std::make_unique<State>(target.canonical(), database, builder, runner)) {
  check_options(options);
  if (tasks.empty()) fail("tune: there are no tasks to tune");
  State& s = *state_;
  if (!components.configure) components.configure = [](TuneContext& ctx) { fill_defaults(ctx); };
  if (!components.make_strategy)
    components.make_strategy = [] { return make_evolutionary_search(); };
  if (!components.make_cost_model)
    components.make_cost_model = [] { return make_cost_model("mlp"); };
  s.components = std::move(components);
  s.options = std::move(options);
  s.rng.seed_with(s.options.seed ^ 0x5c4edULL);
  s.summary.scheduler = to_string(s.options.kind);
  if (s.options.kind == SchedulerKind::kFamily)
    s.summary.scheduler += " (by " + to_string(s.options.family_by) + ")";
  s.summary.target = s.target.str();
  s.summary.target_trials = s.options.trials;
  const int threads = s.options.num_threads > 0
                          ? s.options.num_threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

  std::vector<PrimFunc> funcs;
  for (const SchedulerTask& t : tasks) funcs.push_back(t.workload.func);
  const std::vector<int> structures = structure_groups(funcs);
  // Cost models: one for every task, or one per family.
  std::map<std::string, int> family_index;
  std::vector<std::shared_ptr<CostModel>> models;
  for (size_t i = 0; i < tasks.size(); ++i) {
    State::Task t;
    t.report.task = tasks[i];
    t.structure = structures[i];
    std::string family = "all";
    if (s.options.kind == SchedulerKind::kFamily) {
      family = family_key(tasks[i].workload.func, tasks[i].anchor, s.options.family_by);
      t.report.family = family;
    }
    auto [it, inserted] = family_index.emplace(family, static_cast<int>(models.size()));
    if (inserted) models.push_back(s.components.make_cost_model());
    t.family = it->second;
    t.cost_model = models[static_cast<size_t>(t.family)];
    s.tasks.push_back(std::move(t));
  }
  for (size_t i = 0; i < s.tasks.size(); ++i) {
    State::Task& t = s.tasks[i];
    try {
      t.ctx = std::make_unique<TuneContext>(t.report.task.workload, s.target);
      t.ctx->seed = s.options.seed + i;
      t.ctx->num_threads = threads;
      s.components.configure(*t.ctx);
      t.strategy = s.components.make_strategy();
      TuneOptions task_options = s.options.task_options;
      task_options.trials = std::numeric_limits<int64_t>::max() / 2;  // the scheduler's budget
      task_options.trials_per_round = s.options.trials_per_round;
      task_options.time_budget_seconds = 0;
      task_options.on_progress = nullptr;
      t.tuner = std::make_unique<TaskTuner>(*t.ctx, s.database, *t.strategy, *t.cost_model,
                                            s.builder, s.runner, task_options);
      t.report.workload_hash = t.tuner->summary().workload_hash;
      t.report.trials_before = t.tuner->trials();
      if (t.report.trials_before > 0) {
        // Resumed: what the database holds is the task's warm-up.
        t.warmed = true;
        t.history.push_back(t.tuner->best_seconds());
        t.reference_best = t.tuner->best_seconds();
      }
    } catch (const Error& e) {
      s.mark_failed(t, e.message());
    }
  }
  s.refresh_reports();
}

TaskScheduler::~TaskScheduler() = default;

int64_t TaskScheduler::trials_before() const {
  int64_t total = 0;
  for (const State::Task& t : state_->tasks) total += t.report.trials_before;
  return total;
}

SchedulerSummary TaskScheduler::run() {
  State& s = *state_;
  s.start = Clock::now();
  s.summary.stop_reason = fmt::format("reached {} trials", s.options.trials);
  while (true) {
    const int64_t remaining = s.options.trials - s.total_trials();
    if (remaining <= 0) break;
    if (s.options.time_budget_seconds > 0 && s.elapsed() >= s.options.time_budget_seconds) {
      s.summary.stop_reason =
          fmt::format("time budget of {} s spent", s.options.time_budget_seconds);
      break;
    }
    int index = -1;
    std::string reason;
    int count = s.options.trials_per_round;
    while (!s.foresee_queue.empty() && index < 0) {
      const int j = s.foresee_queue.front();
      s.foresee_queue.pop_front();
      s.tasks[static_cast<size_t>(j)].foresee_pending = false;
      if (!s.tasks[static_cast<size_t>(j)].active()) continue;
      index = j;
      reason = "foresee";
      count = s.options.foresee_trials;
    }
    if (index < 0) {
      index = s.pick(reason);
      if (index < 0) {
        s.summary.stop_reason = "every task converged, failed or ran out of programs";
        break;
      }
      s.last_main = index;
    }
    s.run_round(index, reason, static_cast<int>(std::min<int64_t>(count, remaining)));
  }
  // Each task tuned in this run: the re-measurement of its best few.
  for (State::Task& t : s.tasks) {
    if (!t.tuner || t.tuner->trials() == t.report.trials_before) continue;
    try {
      t.report.summary = t.tuner->finish();
      if (std::isfinite(t.report.summary.best_seconds()))
        t.report.best_seconds = t.report.summary.best_seconds();
    } catch (const Error& e) {
      log_warning("the re-measurement of task {} failed: {}", t.report.task.workload.spec,
                  e.message());
    }
  }
  s.summary.tasks.clear();
  for (const State::Task& t : s.tasks) s.summary.tasks.push_back(t.report);
  s.summary.total_trials = s.total_trials();
  s.summary.elapsed_seconds = s.elapsed();
  bool any = false;
  for (const TaskReport& t : s.summary.tasks) any = any || std::isfinite(t.best_seconds);
  if (!any) {
    std::string why;
    for (const TaskReport& t : s.summary.tasks)
      if (!t.failure.empty()) why += fmt::format("\n  {}: {}", t.task.workload.spec, t.failure);
    fail("no task could be tuned: no program of any task was measured successfully{}", why);
  }
  return s.summary;
}

}  // namespace tessera
