// MLPCostModel: the learned cost model (DESIGN.md §6). Each buffer store's feature row
// (feature_extractor.h) goes through a small MLP (two ReLU hidden layers, Eigen); a
// program's score is the sum over its stores. Trained per tuning task on normalised
// throughput (the task's best measured time / this program's; 0 for a failure) with a
// LambdaRank-style pairwise loss (default) or squared error, by Adam; deterministic for a
// seed. Online: after every measured round it trains a few epochs on everything the task
// has measured. Saved as versioned JSON, so a model trained offline (`tessera costmodel
// train`) starts a search, or ranks candidates with no measurement at all.
//
//   MLPCostModel model;                        // or make_component<CostModel>("MLP")
//   model.initialize(ctx);
//   model.update(ctx, programs, seconds);      // after a round
//   std::vector<double> scores = model.predict(ctx, candidates);
//   model.save("gemm.model.json");
#pragma once

#include <map>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "tessera/support/random.h"
#include "tessera/tune/cost_model.h"

namespace tessera {

struct MLPOptions {
  enum class Loss { kRank, kRegression };
  int hidden = 64;  // width of both hidden layers
  Loss loss = Loss::kRank;
  double learning_rate = 2e-3;  // Adam
  double weight_decay = 1e-6;
  int epochs_per_update = 6;             // online training after each measured round
  int batch_programs = 32;               // programs of one task per step
  size_t max_programs_per_epoch = 4096;  // per update, the most recent of each task first
  uint64_t seed = 0;
};

/// One measured program: its feature rows and run time (+infinity when it failed).
struct CostSample {
  Eigen::MatrixXf features;
  double seconds = 0;
};

class MLPCostModel : public CostModel {
 public:
  explicit MLPCostModel(MLPOptions options = {});

  void initialize(const TuneContext& ctx) override;
  std::vector<double> predict(const TuneContext& ctx,
                              const std::vector<PrimFunc>& programs) override;
  void update(const TuneContext& ctx, const std::vector<PrimFunc>& programs,
              const std::vector<double>& seconds) override;
  void save(const std::string& path) const override;
  void load(const std::string& path) override;
  bool learns() const override { return true; }
  bool learned() const override { return trained_; }

  /// Offline use (`tessera costmodel`): measured programs of a task (`group` names it).
  void add_samples(const std::string& group, std::vector<CostSample> samples);
  /// Trains `epochs` passes over the samples added so far; returns the last epoch's mean loss.
  double train(int epochs);
  /// Scores of programs given by their feature rows.
  std::vector<double> score(const std::vector<Eigen::MatrixXf>& features) const;
  /// The programs it has to learn from, per task (workload hash): a family's tasks share one
  /// model, each with its own samples.
  std::map<std::string, size_t> sample_counts() const;
  /// Whether the model has learned anything (trained or loaded).
  bool trained() const { return trained_; }
  const MLPOptions& options() const { return options_; }

 private:
  // Inputs are standardised per column by the statistics of the first training data
  // (then frozen, so that later training and saved models agree on them).
  Eigen::RowVectorXf normalized(const Eigen::MatrixXf& features, Eigen::Index row) const;
  void fit_input_statistics();
  Eigen::RowVectorXf input_mean_, input_inverse_std_;
  bool inputs_fitted_ = false;
  struct Parameters {
    Eigen::MatrixXf w1, w2;  // hidden × inputs, hidden × hidden
    Eigen::VectorXf b1, b2, w3;
    float b3 = 0;
  };
  // One pass over feature rows: the standardised inputs, both hidden layers (kept for
  // the backward pass) and each row's output.
  struct Forward {
    Eigen::MatrixXf x, h1, h2;
    Eigen::VectorXf y;
  };
  Forward forward(const Eigen::MatrixXf& features) const;
  void reset_parameters();
  void step(const std::vector<const CostSample*>& batch, const std::vector<double>& labels,
            double* loss);

  MLPOptions options_;
  Parameters p_;
  Parameters adam_m_, adam_v_;  // Adam's moment estimates
  int64_t adam_steps_ = 0;
  Random rng_;
  bool trained_ = false;
  int threads_ = 1;
  std::map<std::string, std::vector<CostSample>> samples_;
};

/// Normalised throughput of each sample within its task: best time / its time, 0 for a
/// failure (what the model learns to rank).
std::vector<double> normalized_throughput(const std::vector<double>& seconds);

}  // namespace tessera
