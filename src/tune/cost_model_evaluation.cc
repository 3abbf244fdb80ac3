// Cost-model datasets from a tuning database, and the ranking metrics.
#include "tessera/tune/cost_model_evaluation.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <set>

#include "tessera/ir/parser.h"
#include "tessera/schedule/schedule.h"
#include "tessera/support/error.h"
#include "tessera/tune/feature_extractor.h"
#include "tessera/tune/search_strategy.h"
#include "tessera/tune/task_selection.h"

namespace tessera {

std::vector<CostDataset> load_cost_datasets(const Database& db, int threads, int64_t* skipped) {
  std::map<std::pair<std::string, std::string>, std::vector<const TuningRecord*>> by_task;
  std::set<std::pair<std::string, std::string>>
      seen;  // (workload, program): one sample per program
  for (const TuningRecord& r : db.records()) {
    // Only measurements are data: a predicted record (the no-tuning mode's pick) was never run.
    if (r.remeasured || r.predicted() || !seen.insert({r.workload, r.program}).second) continue;
    by_task[{r.workload, r.target}].push_back(&r);
  }
  std::atomic<int64_t> failed_replays{0};
  std::vector<CostDataset> out;
  for (auto& [key, records] : by_task) {
    const WorkloadEntry* entry = db.find_workload(key.first);
    if (entry == nullptr) {
      failed_replays += static_cast<int64_t>(records.size());
      continue;
    }
    PrimFunc func;
    try {
      func = parse_prim_func(entry->ir, entry->spec);
    } catch (const Error&) {
      failed_replays += static_cast<int64_t>(records.size());
      continue;
    }
    CostDataset d;
    d.workload = key.first;
    d.spec = entry->spec;
    d.target = key.second;
    d.family = family_key(func, "", FamilyGrouping::kStructure);
    std::vector<std::optional<CostSample>> samples = parallel_map<std::optional<CostSample>>(
        static_cast<int64_t>(records.size()), threads, [&](int64_t i) -> std::optional<CostSample> {
          const TuningRecord& r = *records[static_cast<size_t>(i)];
          try {
            Schedule sch(func, 0, /*traced=*/false);
            r.parsed_trace().apply(sch, /*remove_postproc=*/false, ReplayMode::kStrict);
            CostSample s;
            s.features = extract_features(sch.func());
            s.seconds = r.ok() ? r.median_seconds() : std::numeric_limits<double>::infinity();
            return s;
          } catch (const Error&) {
            ++failed_replays;
            return std::nullopt;
          }
        });
    for (auto& s : samples) {
      if (s) d.samples.push_back(std::move(*s));
    }
    if (!d.samples.empty()) out.push_back(std::move(d));
  }
  if (skipped != nullptr) *skipped = failed_replays;
  return out;
}

PairCounts count_pairs(const std::vector<double>& scores, const std::vector<double>& seconds) {
  PairCounts c;
  for (size_t i = 0; i < seconds.size(); ++i) {
    for (size_t j = i + 1; j < seconds.size(); ++j) {
      if (seconds[i] == seconds[j]) continue;
      ++c.pairs;
      const bool i_faster = seconds[i] < seconds[j];
      if (scores[i] != scores[j] && (scores[i] > scores[j]) == i_faster) ++c.right;
    }
  }
  return c;
}

double pairwise_accuracy(const std::vector<double>& scores, const std::vector<double>& seconds) {
  const PairCounts c = count_pairs(scores, seconds);
  return c.pairs > 0 ? static_cast<double>(c.right) / static_cast<double>(c.pairs) : 1.0;
}

namespace {
// Indices ordered by score (highest first), ties by index so results are reproducible.
std::vector<size_t> by_score(const std::vector<double>& scores) {
  std::vector<size_t> order(scores.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return scores[a] != scores[b] ? scores[a] > scores[b] : a < b;
  });
  return order;
}
}  // namespace

double top_k_score(const std::vector<double>& scores, const std::vector<double>& seconds,
                   size_t k) {
  const double best = *std::min_element(seconds.begin(), seconds.end());
  if (!std::isfinite(best)) return 1.0;  // nothing ran: every pick is as good
  std::vector<size_t> order = by_score(scores);
  double picked = std::numeric_limits<double>::infinity();
  for (size_t i = 0; i < std::min(k, order.size()); ++i)
    picked = std::min(picked, seconds[order[i]]);
  return std::isfinite(picked) ? best / picked : 0.0;
}

double recall_at_k(const std::vector<double>& scores, const std::vector<double>& seconds,
                   size_t k) {
  k = std::min(k, seconds.size());
  if (k == 0) return 1.0;
  std::vector<size_t> fastest(seconds.size());
  std::iota(fastest.begin(), fastest.end(), size_t{0});
  std::sort(fastest.begin(), fastest.end(), [&](size_t a, size_t b) {
    return seconds[a] != seconds[b] ? seconds[a] < seconds[b] : a < b;
  });
  std::set<size_t> truth(fastest.begin(), fastest.begin() + static_cast<long>(k));
  std::vector<size_t> order = by_score(scores);
  size_t hits = 0;
  for (size_t i = 0; i < k; ++i) hits += truth.count(order[i]);
  return static_cast<double>(hits) / static_cast<double>(k);
}

}  // namespace tessera
