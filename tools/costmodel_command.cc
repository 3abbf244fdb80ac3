// `tessera costmodel train|eval`: the MLP cost model trained offline on tuning databases,
// and how well a model ranks the programs of a database.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "commands.h"
#include "driver_common.h"
#include "tessera/support/random.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/cost_model_evaluation.h"
#include "tessera/tune/mlp_cost_model.h"

namespace tessera::cli {
namespace {

struct CostModelOptions {
  std::vector<std::string> databases, excluded;
  std::string out, model, split = "random", loss = "rank";
  bool per_family = false, family_models = false;
  int epochs = 100, hidden = MLPOptions{}.hidden, threads = 1;
  uint64_t seed = 0;
  CLI::Option* hidden_option = nullptr;
  CLI::Option* seed_option = nullptr;
  CLI::Option* threads_option = nullptr;
  CLI::Option* model_option = nullptr;
};

struct Split {
  std::vector<std::pair<std::string, std::vector<CostSample>>> train, test;  // group → samples
  std::vector<std::string> test_specs;
  std::map<std::string, std::string> family;  // group → its family
};

Split split_datasets(std::vector<CostDataset>& data, const std::string& how, uint64_t seed) {
  Random rng(seed ^ 0x53706c6974ULL);
  Split s;
  for (const CostDataset& d : data) s.family[d.workload + " " + d.target] = d.family;
  if (how == "random") {
    for (CostDataset& d : data) {
      std::vector<size_t> order(d.samples.size());
      std::iota(order.begin(), order.end(), size_t{0});
      for (size_t i = order.size(); i > 1; --i)
        std::swap(order[i - 1],
                  order[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(i)))]);
      const size_t test = d.samples.size() / 5;
      std::vector<CostSample> train_part, test_part;
      for (size_t k = 0; k < order.size(); ++k)
        (k < test ? test_part : train_part).push_back(d.samples[order[k]]);
      const std::string group = d.workload + " " + d.target;
      s.train.emplace_back(group, std::move(train_part));
      if (!test_part.empty()) {
        s.test.emplace_back(group, std::move(test_part));
        s.test_specs.push_back(d.spec);
      }
    }
  } else if (how == "by-workload") {
    if (data.size() < 2)
      fail("--split by-workload needs at least 2 tasks in the databases (they hold {})",
           data.size());
    std::vector<size_t> order(data.size());
    std::iota(order.begin(), order.end(), size_t{0});
    for (size_t i = order.size(); i > 1; --i)
      std::swap(order[i - 1],
                order[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(i)))]);
    const size_t test = std::max<size_t>(1, data.size() / 5);
    for (size_t k = 0; k < order.size(); ++k) {
      CostDataset& d = data[order[k]];
      auto& into = k < test ? s.test : s.train;
      into.emplace_back(d.workload + " " + d.target, d.samples);
      if (k < test) s.test_specs.push_back(d.spec);
    }
  } else {
    fail("--split takes random or by-workload, got '{}'", how);
  }
  return s;
}

MLPOptions model_options(const CostModelOptions& options) {
  MLPOptions o;
  o.hidden = options.hidden;
  if (given(options.seed_option)) o.seed = options.seed;
  o.loss = options.loss == "regression" ? MLPOptions::Loss::kRegression : MLPOptions::Loss::kRank;
  return o;
}

int threads_of(const CostModelOptions& options) {
  return given(options.threads_option)
             ? options.threads
             : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

std::vector<CostDataset> load_all(const CostModelOptions& options) {
  const std::vector<std::string>& dirs = options.databases;
  const int threads = threads_of(options);
  std::set<std::string> excluded;
  for (const std::string& spec : options.excluded)
    excluded.insert(workload_hash(workloads::get(spec).func));
  std::vector<CostDataset> all;
  size_t programs = 0;
  int64_t skipped_total = 0;
  for (const std::string& dir : dirs) {
    Database db(dir, /*create=*/false);
    int64_t skipped = 0;
    for (CostDataset& d : load_cost_datasets(db, threads, &skipped)) {
      if (excluded.count(d.workload) != 0) continue;
      programs += d.samples.size();
      all.push_back(std::move(d));
    }
    skipped_total += skipped;
  }
  if (programs == 0)
    fail("the databases {} hold no measured programs to learn from", fmt::join(dirs, ", "));
  fmt::print(
      "data: {} programs of {} tasks from {}{}\n", programs, all.size(), fmt::join(dirs, ", "),
      skipped_total > 0 ? fmt::format(" ({} records that no longer replay skipped)", skipped_total)
                        : "");
  return all;
}

int train(const CostModelOptions& o) {
  std::vector<CostDataset> data = load_all(o);
  MLPCostModel model(model_options(o));
  for (CostDataset& d : data) model.add_samples(d.workload + " " + d.target, std::move(d.samples));
  const double loss = model.train(o.epochs);
  model.save(o.out);
  fmt::print("trained {} epochs (last epoch's mean loss {:.4f}); wrote {}\n", o.epochs, loss,
             o.out);
  return 0;
}

// The ranking metrics over some test tasks.
struct Metrics {
  int64_t right = 0, pairs = 0;
  double top1 = 0, top5 = 0, recall5 = 0, recall10 = 0;
  int tasks = 0;
  size_t programs = 0;

  void add(const std::vector<double>& scores, const std::vector<double>& seconds) {
    // Pairs pooled over the tasks: accuracy counts every pair alike.
    const PairCounts c = count_pairs(scores, seconds);
    right += c.right;
    pairs += c.pairs;
    top1 += top_k_score(scores, seconds, 1);
    top5 += top_k_score(scores, seconds, 5);
    recall5 += recall_at_k(scores, seconds, 5);
    recall10 += recall_at_k(scores, seconds, 10);
    ++tasks;
    programs += seconds.size();
  }
  double pairwise() const {
    return pairs > 0 ? static_cast<double>(right) / static_cast<double>(pairs) : 1.0;
  }
  double mean(double total) const { return total / std::max(1, tasks); }
};

int evaluate(const CostModelOptions& o) {
  std::vector<CostDataset> data = load_all(o);
  Split split = split_datasets(data, o.split, o.seed);
  // One model for every task, or (--family-models) one per family trained on its tasks only.
  std::map<std::string, MLPCostModel> models;
  auto model_key = [&](const std::string& group) {
    return o.family_models ? split.family.at(group) : std::string();
  };
  if (given(o.model_option)) {
    models[""].load(o.model);
    fmt::print("model: {}\n", o.model);
  } else {
    size_t n = 0;
    for (auto& [group, samples] : split.train) {
      n += samples.size();
      models.try_emplace(model_key(group), model_options(o))
          .first->second.add_samples(group, samples);
    }
    for (auto& [key, model] : models) model.train(o.epochs);
    fmt::print("model: trained {} epochs on {} programs{}\n", o.epochs, n,
               o.family_models ? fmt::format(", one model per family ({})", models.size()) : "");
  }
  fmt::print("split: {}; test: {} tasks ({})\n", o.split, split.test.size(),
             fmt::join(split.test_specs, ", "));
  Metrics all;
  std::map<std::string, Metrics> by_family;
  std::map<std::string, std::string> family_example;  // a task of each family, to name it
  for (size_t i = 0; i < split.test.size(); ++i) {
    const auto& [group, samples] = split.test[i];
    std::vector<Eigen::MatrixXf> features;
    std::vector<double> seconds;
    for (const CostSample& s : samples) {
      features.push_back(s.features);
      seconds.push_back(s.seconds);
    }
    auto model = models.find(model_key(group));
    if (model == models.end()) continue;  // --split by-workload: a family with no training task
    const std::vector<double> scores = model->second.score(features);
    all.add(scores, seconds);
    const std::string& family = split.family.at(group);
    by_family[family].add(scores, seconds);
    family_example.emplace(family, split.test_specs[i]);
  }
  fmt::print("pairwise accuracy: {:.3f}\n", all.pairwise());
  fmt::print("top-1 score: {:.3f}\n", all.mean(all.top1));
  fmt::print("top-5 score: {:.3f}\n", all.mean(all.top5));
  fmt::print("recall@5: {:.3f}\n", all.mean(all.recall5));
  fmt::print("recall@10: {:.3f}\n", all.mean(all.recall10));
  if (o.per_family) {
    fmt::print("per family (tasks of the same structure with sizes abstracted):\n");
    fmt::print("  {:<28} {:>5} {:>8} {:>9} {:>6}  {}\n", "family", "tasks", "programs", "pairwise",
               "top-1", "e.g.");
    for (const auto& [family, m] : by_family) {
      fmt::print("  {:<28} {:>5} {:>8} {:>9.3f} {:>6.3f}  {}\n", family, m.tasks, m.programs,
                 m.pairwise(), m.mean(m.top1), family_example.at(family));
    }
  }
  return 0;
}

void add_common_options(CLI::App* app, CostModelOptions& o) {
  app->add_option("--db", o.databases, "a tuning database to learn from; repeatable")
      ->required()
      ->type_name("DIR")
      ->allow_extra_args(false);
  o.seed_option = add_integer(app, "--seed", o.seed, uint64_t{0},
                              "seed of the model's initial weights (and of eval's split)");
  o.threads_option =
      add_integer(app, "--threads", o.threads, 1,
                  "threads that replay the records (default: every hardware thread)", 4096);
}

// What a fresh model is trained with (train, and eval without --model).
std::vector<CLI::Option*> add_training_options(CLI::App* app, CostModelOptions& o) {
  return {
      add_integer(app, "--epochs", o.epochs, 1, "training epochs (default 100)"),
      add_choice(app, "--loss", o.loss, {"rank", "regression"}, "the training loss (default rank)"),
      o.hidden_option =
          add_integer(app, "--hidden", o.hidden, 1,
                      fmt::format("hidden units per layer (default {})", MLPOptions{}.hidden))};
}

}  // namespace

Command add_costmodel_command(CLI::App& root) {
  auto o = std::make_shared<CostModelOptions>();
  CLI::App* app = root.add_subcommand(
      "costmodel",
      "train the MLP cost model on tuning databases, or measure how well a model ranks");
  app->footer(
      R"(The measured records of the tuning databases (every workload and target; re-measurements
and the no-tuning mode's predicted records left out, failures kept as the slowest) are
replayed and turned into per-store features (docs/features.md).)");
  CLI::App* train_app = app->add_subcommand(
      "train", "train the MLP on every program of the databases and write it to MODEL");
  add_common_options(train_app, *o);
  train_app->add_option("--out", o->out, "where the trained model goes (JSON)")
      ->required()
      ->type_name("MODEL");
  train_app->add_option("--exclude", o->excluded, "leave this workload's programs out; repeatable")
      ->type_name("WORKLOAD")
      ->allow_extra_args(false);
  add_training_options(train_app, *o);
  train_app->footer(
      R"(Trains the MLP cost model for N epochs and writes it to MODEL (JSON), which `tessera tune
--cost-model-file MODEL` starts from. --exclude leaves a workload's programs out (to judge
the model on a workload it has never seen).)");
  CLI::App* eval_app = app->add_subcommand(
      "eval", "split the programs, train or load a model, and score its ranking on the test part");
  add_common_options(eval_app, *o);
  add_choice(eval_app, "--split", o->split, {"random", "by-workload"},
             "how the test part is chosen (default random)");
  o->model_option =
      eval_app->add_option("--model", o->model, "judge this trained model instead of training one")
          ->type_name("MODEL");
  eval_app->add_flag("--per-family", o->per_family,
                     "also print the metrics per family (tasks of the same structure)");
  CLI::Option* family_models =
      eval_app->add_flag("--family-models", o->family_models,
                         "train one model per family on its tasks only (FamilySeer)");
  for (CLI::Option* training : add_training_options(eval_app, *o))
    o->model_option->excludes(training);
  o->model_option->excludes(family_models);
  eval_app->footer(
      R"(Splits the programs into a training and a test part (seed S): --split random (default)
holds out 20% of each task's programs; --split by-workload holds out 20% of the tasks (at
least one) entirely. Without --model it trains a fresh model on the training part; with
--model it judges that model (so the training options do not go with it). Then, on the
test part, it prints
  pairwise accuracy: the fraction of pairs of programs of one task (different times)
                     the model orders right
  top-1 score, top-5 score: per task, best measured time / best time among the 1 or 5
                     programs the model scores highest, averaged over the tasks
  recall@5, recall@10: per task, the fraction of the 5 or 10 fastest programs among the
                     model's top 5 or 10, averaged over the tasks
as fractions (1.000 is perfect). --per-family prints them for each family of tasks (the
same program structure with sizes abstracted: a model's convolutions of one kind at
every shape); --family-models trains one model per family on its own tasks instead of
one model on everything, to compare the two.)");
  return {app, [app, train_app, eval_app, o] {
            if (train_app->parsed()) return train(*o);
            if (eval_app->parsed()) return evaluate(*o);
            std::fputs(app->help("tessera").c_str(), stdout);
            return 2;
          }};
}

}  // namespace tessera::cli
