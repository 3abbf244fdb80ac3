// How well a cost model ranks measured programs, and the data it is judged on: the
// measured records of a tuning database, replayed and turned into feature rows. Used by
// `tessera costmodel train|eval` and the cost-model benchmarks.
//
//   std::vector<CostDataset> data = load_cost_datasets(db);
//   double accuracy = pairwise_accuracy(model.score(features), seconds);
#pragma once

#include <string>
#include <vector>

#include "tessera/tune/database.h"
#include "tessera/tune/mlp_cost_model.h"

namespace tessera {

/// The measured programs of one workload on one target.
struct CostDataset {
  std::string workload;  // hash
  std::string spec;
  std::string target;
  std::string family;  // the program's structure with sizes abstracted (family_key by hash)
  std::vector<CostSample> samples;  // seconds: the record's median; +infinity when it failed
};

/// Every workload × target of `db` with its measured records (re-measurements left out, one
/// sample per program), replayed onto the stored workload and featurised on `threads`
/// threads. Records that no longer replay are skipped and counted in `skipped`.
std::vector<CostDataset> load_cost_datasets(const Database& db, int threads,
                                            int64_t* skipped = nullptr);

/// Pairs of programs with different measured times, and how many of them the scores order
/// the same way (faster = higher score). Failed programs (+infinity) count as slowest.
struct PairCounts {
  int64_t right = 0, pairs = 0;
};
PairCounts count_pairs(const std::vector<double>& scores, const std::vector<double>& seconds);
/// right / pairs of count_pairs (1 when there is no pair).
double pairwise_accuracy(const std::vector<double>& scores, const std::vector<double>& seconds);

/// Best measured time of the workload / best time among the k programs scored highest
/// (1 when the model's top k hold the best program).
double top_k_score(const std::vector<double>& scores, const std::vector<double>& seconds, size_t k);

/// Of the k fastest programs, the fraction among the k scored highest.
double recall_at_k(const std::vector<double>& scores, const std::vector<double>& seconds, size_t k);

}  // namespace tessera
