// `tessera costmodel train|eval`: the MLP cost model trained offline on tuning databases,
// and how well a model ranks the programs of a database.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>
#include <thread>

#include <fmt/format.h>

#include "driver_common.h"
#include "tessera/support/random.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/cost_model_evaluation.h"
#include "tessera/tune/mlp_cost_model.h"

namespace tessera {
namespace {

constexpr const char* kUsage = R"(usage: tessera costmodel train --db DIR [--db DIR2]... --out MODEL [--epochs N] [--loss rank|regression]
                              [--hidden H] [--seed S] [--threads T] [--exclude WORKLOAD]...
       tessera costmodel eval  --db DIR [--db DIR2]... [--model MODEL] [--split random|by-workload] [--epochs N]
                              [--loss rank|regression] [--hidden H] [--seed S] [--threads T]
The measured records of the tuning databases (every workload and target; re-measurements
left out, failures kept as the slowest) are replayed and turned into per-store features
(docs/features.md).
train: trains the MLP cost model on all of them for N epochs (default 100) and writes it to
MODEL (JSON), which `tessera tune --cost-model-file MODEL` starts from. --exclude leaves a
workload's programs out (to judge the model on a workload it has never seen).
eval: splits the programs into a training and a test part (seed S): --split random
(default) holds out 20% of each task's programs; --split by-workload holds out 20% of the
tasks (at least one) entirely. Without --model it trains a fresh model on the training
part; with --model it judges that model. Then, on the test part, it prints
  pairwise accuracy: the fraction of pairs of programs of one task (different times)
                     the model orders right
  top-1 score, top-5 score: per task, best measured time / best time among the 1 or 5
                     programs the model scores highest, averaged over the tasks
  recall@5, recall@10: per task, the fraction of the 5 or 10 fastest programs among the
                     model's top 5 or 10, averaged over the tasks
as fractions (1.000 is perfect).)";

struct Split {
  std::vector<std::pair<std::string, std::vector<CostSample>>> train, test;  // group → samples
  std::vector<std::string> test_specs;
};

Split split_datasets(std::vector<CostDataset>& data, const std::string& how, uint64_t seed) {
  Random rng(seed ^ 0x53706c6974ULL);
  Split s;
  if (how == "random") {
    for (CostDataset& d : data) {
      std::vector<size_t> order(d.samples.size());
      std::iota(order.begin(), order.end(), size_t{0});
      for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(i)))]);
      const size_t test = d.samples.size() / 5;
      std::vector<CostSample> train_part, test_part;
      for (size_t k = 0; k < order.size(); ++k) (k < test ? test_part : train_part).push_back(d.samples[order[k]]);
      const std::string group = d.workload + " " + d.target;
      s.train.emplace_back(group, std::move(train_part));
      if (!test_part.empty()) {
        s.test.emplace_back(group, std::move(test_part));
        s.test_specs.push_back(d.spec);
      }
    }
  } else if (how == "by-workload") {
    if (data.size() < 2) fail("--split by-workload needs at least 2 tasks in the databases (they hold {})", data.size());
    std::vector<size_t> order(data.size());
    std::iota(order.begin(), order.end(), size_t{0});
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(i)))]);
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

MLPOptions model_options(const Options& opts) {
  MLPOptions o;
  if (opts.has("--hidden")) o.hidden = static_cast<int>(parse_count(opts.get("--hidden", "--hidden H"), "--hidden", 1));
  if (opts.has("--seed")) o.seed = static_cast<uint64_t>(parse_count(opts.get("--seed", "--seed S"), "--seed", 0));
  if (opts.has("--loss")) {
    const std::string loss = opts.get("--loss", "--loss rank|regression");
    if (loss == "rank") o.loss = MLPOptions::Loss::kRank;
    else if (loss == "regression") o.loss = MLPOptions::Loss::kRegression;
    else fail("--loss takes rank or regression, got '{}'", loss);
  }
  return o;
}

std::vector<CostDataset> load_all(const Options& opts, int threads) {
  std::vector<std::string> dirs = opts.all("--db");
  if (dirs.empty()) fail("costmodel needs --db DIR (a tuning database written by tessera tune)");
  std::set<std::string> excluded;
  for (const std::string& spec : opts.all("--exclude")) excluded.insert(workload_hash(workloads::get(spec).func));
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
  if (programs == 0) fail("the databases {} hold no measured programs to learn from", fmt::join(dirs, ", "));
  fmt::print("data: {} programs of {} tasks from {}{}\n", programs, all.size(), fmt::join(dirs, ", "),
             skipped_total > 0 ? fmt::format(" ({} records that no longer replay skipped)", skipped_total) : "");
  return all;
}

}  // namespace

int cmd_costmodel(int argc, char** argv) {
  if (argc < 3 || std::string(argv[2]) == "--help") {
    std::puts(kUsage);
    return argc < 3 ? 1 : 0;
  }
  const std::string sub = argv[2];
  if (sub != "train" && sub != "eval") fail("unknown costmodel command '{}' (train or eval)\n{}", sub, kUsage);
  Options opts(argc, argv, 3, {{"--help", false}, {"--db", true}, {"--out", true}, {"--model", true}, {"--split", true}, {"--epochs", true},
                               {"--loss", true}, {"--hidden", true}, {"--seed", true}, {"--threads", true},
                               {"--exclude", true}});
  if (opts.has("--help")) {
    std::puts(kUsage);
    return 0;
  }
  const int hardware = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  const int threads = opts.has("--threads") ? static_cast<int>(parse_count(opts.get("--threads", "--threads T"), "--threads", 1)) : hardware;
  const int epochs = opts.has("--epochs") ? static_cast<int>(parse_count(opts.get("--epochs", "--epochs N"), "--epochs", 1)) : 100;
  if (sub == "train") {
    if (opts.has("--model") || opts.has("--split")) fail("--model and --split are options of costmodel eval");
    const std::string out = opts.get("--out", "--out MODEL");
    std::vector<CostDataset> data = load_all(opts, threads);
    MLPCostModel model(model_options(opts));
    for (CostDataset& d : data) model.add_samples(d.workload + " " + d.target, std::move(d.samples));
    const double loss = model.train(epochs);
    model.save(out);
    fmt::print("trained {} epochs (last epoch's mean loss {:.4f}); wrote {}\n", epochs, loss, out);
    return 0;
  }
  if (opts.has("--out")) fail("--out is an option of costmodel train");
  std::vector<CostDataset> data = load_all(opts, threads);
  const std::string how = opts.has("--split") ? opts.get("--split", "--split random|by-workload") : "random";
  const uint64_t seed = opts.has("--seed") ? static_cast<uint64_t>(parse_count(opts.get("--seed", "--seed S"), "--seed", 0)) : 0;
  Split split = split_datasets(data, how, seed);
  MLPCostModel model(model_options(opts));
  if (opts.has("--model")) {
    model.load(opts.get("--model", "--model MODEL"));
    fmt::print("model: {}\n", opts.get("--model", ""));
  } else {
    size_t n = 0;
    for (auto& [group, samples] : split.train) {
      n += samples.size();
      model.add_samples(group, samples);
    }
    model.train(epochs);
    fmt::print("model: trained {} epochs on {} programs\n", epochs, n);
  }
  fmt::print("split: {}; test: {} tasks ({})\n", how, split.test.size(), fmt::join(split.test_specs, ", "));
  int64_t right = 0, pairs = 0;
  double top1 = 0, top5 = 0, recall5 = 0, recall10 = 0;
  for (auto& [group, samples] : split.test) {
    std::vector<Eigen::MatrixXf> features;
    std::vector<double> seconds;
    for (const CostSample& s : samples) {
      features.push_back(s.features);
      seconds.push_back(s.seconds);
    }
    const std::vector<double> scores = model.score(features);
    // Pairs pooled over the tasks: accuracy counts every pair alike.
    const PairCounts c = count_pairs(scores, seconds);
    right += c.right;
    pairs += c.pairs;
    top1 += top_k_score(scores, seconds, 1);
    top5 += top_k_score(scores, seconds, 5);
    recall5 += recall_at_k(scores, seconds, 5);
    recall10 += recall_at_k(scores, seconds, 10);
  }
  const double tasks = static_cast<double>(std::max<size_t>(1, split.test.size()));
  fmt::print("pairwise accuracy: {:.3f}\n", pairs > 0 ? static_cast<double>(right) / static_cast<double>(pairs) : 1.0);
  fmt::print("top-1 score: {:.3f}\n", top1 / tasks);
  fmt::print("top-5 score: {:.3f}\n", top5 / tasks);
  fmt::print("recall@5: {:.3f}\n", recall5 / tasks);
  fmt::print("recall@10: {:.3f}\n", recall10 / tasks);
  return 0;
}

}  // namespace tessera
