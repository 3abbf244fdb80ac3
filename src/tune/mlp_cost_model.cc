// MLPCostModel: per-store MLP summed per program, LambdaRank-style or squared-error
// training with Adam, JSON save/load.
#include "tessera/tune/mlp_cost_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "tessera/support/error.h"
#include "tessera/support/file_system.h"
#include "tessera/support/hash.h"
#include "tessera/tune/database.h"
#include "tessera/tune/feature_extractor.h"
#include "tessera/tune/search_strategy.h"

namespace tessera {

namespace {

constexpr int kFormatVersion = 1;
constexpr const char* kFormatName = "tessera MLP cost model";

// Before the first training fixes the per-column statistics, features enter scaled down
// (slog values reach ~30).
constexpr float kInputScale = 0.125f;

// Identifies the feature layout a saved model was trained on.
std::string feature_layout() {
  std::string all;
  for (const std::string& n : feature_names()) all += n + ",";
  return fmt::format("{:016x}", hash_string(all));
}

template <typename M>
nlohmann::json to_json(const M& m) {
  return std::vector<float>(m.data(), m.data() + m.size());
}
template <typename M>
void from_json(const nlohmann::json& j, M& m, Eigen::Index rows, Eigen::Index cols,
               const std::string& what) {
  std::vector<float> v = j.get<std::vector<float>>();
  if (static_cast<Eigen::Index>(v.size()) != rows * cols)
    fail("{} has {} values, expected {}", what, v.size(), rows * cols);
  m = Eigen::Map<M>(v.data(), rows, cols);
}

}  // namespace

std::vector<double> normalized_throughput(const std::vector<double>& seconds) {
  double best = std::numeric_limits<double>::infinity();
  for (double s : seconds) {
    if (std::isfinite(s) && s > 0) best = std::min(best, s);
  }
  std::vector<double> out(seconds.size(), 0.0);
  for (size_t i = 0; i < seconds.size(); ++i) {
    if (std::isfinite(seconds[i]) && seconds[i] > 0) out[i] = best / seconds[i];
  }
  return out;
}

MLPCostModel::MLPCostModel(MLPOptions options) : options_(options) {
  if (options_.hidden < 1)
    fail("MLPCostModel: hidden width must be at least 1 (got {})", options_.hidden);
  if (!(options_.learning_rate > 0))
    fail("MLPCostModel: learning rate must be positive (got {})", options_.learning_rate);
  if (options_.batch_programs < 2)
    fail("MLPCostModel: a batch needs at least 2 programs (got {})", options_.batch_programs);
  if (options_.epochs_per_update < 0)
    fail("MLPCostModel: epochs per update must be >= 0 (got {})", options_.epochs_per_update);
  reset_parameters();
}

void MLPCostModel::reset_parameters() {
  rng_.seed_with(options_.seed ^ 0x4d4c50ULL);
  const int h = options_.hidden;
  // He-uniform initialisation, from the seeded stream so training is reproducible.
  auto init = [&](Eigen::MatrixXf& m, int rows, int cols) {
    m.resize(rows, cols);
    const double bound = std::sqrt(6.0 / cols);
    for (Eigen::Index i = 0; i < m.size(); ++i)
      m.data()[i] = static_cast<float>((2 * rng_.uniform_double() - 1) * bound);
  };
  init(p_.w1, h, kFeatureCount);
  init(p_.w2, h, h);
  Eigen::MatrixXf w3;
  init(w3, h, 1);
  p_.w3 = w3.col(0);
  input_mean_ = Eigen::RowVectorXf::Zero(kFeatureCount);
  input_inverse_std_ = Eigen::RowVectorXf::Constant(kFeatureCount, kInputScale);
  inputs_fitted_ = false;
  p_.b1 = Eigen::VectorXf::Zero(h);
  p_.b2 = Eigen::VectorXf::Zero(h);
  p_.b3 = 0;
  auto zero_like = [&](Parameters& z) {
    z.w1 = Eigen::MatrixXf::Zero(h, kFeatureCount);
    z.w2 = Eigen::MatrixXf::Zero(h, h);
    z.b1 = z.b2 = z.w3 = Eigen::VectorXf::Zero(h);
    z.b3 = 0;
  };
  zero_like(adam_m_);
  zero_like(adam_v_);
  adam_steps_ = 0;
  trained_ = false;
}

void MLPCostModel::initialize(const TuneContext& ctx) {
  threads_ = std::max(1, ctx.num_threads);
  // Before it has learned anything the model scores at random (from the task's seed).
  if (!trained_) rng_.seed_with(ctx.seed ^ options_.seed ^ 0x4d4c50ULL);
}

MLPCostModel::Forward MLPCostModel::forward(const Eigen::MatrixXf& features) const {
  Forward f;
  f.x =
      ((features.rowwise() - input_mean_).array().rowwise() * input_inverse_std_.array()).matrix();
  f.h1 = ((f.x * p_.w1.transpose()).rowwise() + p_.b1.transpose()).cwiseMax(0.0f);
  f.h2 = ((f.h1 * p_.w2.transpose()).rowwise() + p_.b2.transpose()).cwiseMax(0.0f);
  f.y = (f.h2 * p_.w3).array() + p_.b3;
  return f;
}

std::vector<double> MLPCostModel::score(const std::vector<Eigen::MatrixXf>& features) const {
  std::vector<double> out(features.size(), 0.0);
  for (size_t i = 0; i < features.size(); ++i) {
    if (features[i].rows() > 0) out[i] = static_cast<double>(forward(features[i]).y.sum());
  }
  return out;
}

std::vector<double> MLPCostModel::predict(const TuneContext& ctx,
                                          const std::vector<PrimFunc>& programs) {
  if (!trained_) {
    std::vector<double> scores(programs.size());
    for (double& s : scores) s = rng_.uniform_double();
    return scores;
  }
  std::vector<Eigen::MatrixXf> features = parallel_map<Eigen::MatrixXf>(
      static_cast<int64_t>(programs.size()), threads_, [&](int64_t i) {
        try {
          return extract_features(programs[static_cast<size_t>(i)]);
        } catch (const Error&) {
          return Eigen::MatrixXf(0, kFeatureCount);  // scores 0: ranked among the worst
        }
      });
  (void)ctx;
  return score(features);
}

void MLPCostModel::update(const TuneContext& ctx, const std::vector<PrimFunc>& programs,
                          const std::vector<double>& seconds) {
  if (programs.size() != seconds.size())
    fail("MLPCostModel::update: {} programs but {} run times", programs.size(), seconds.size());
  // The task's own group, not the last initialized one: a family's tasks share one model,
  // and its rank loss compares programs of the same task only.
  const std::string group = workload_hash(ctx.workload.func);
  std::vector<CostSample> samples =
      parallel_map<CostSample>(static_cast<int64_t>(programs.size()), threads_, [&](int64_t i) {
        CostSample s;
        s.seconds = seconds[static_cast<size_t>(i)];
        try {
          s.features = extract_features(programs[static_cast<size_t>(i)]);
        } catch (const Error&) {
          s.features = Eigen::MatrixXf(0, kFeatureCount);
        }
        return s;
      });
  add_samples(group, std::move(samples));
  if (options_.epochs_per_update > 0) train(options_.epochs_per_update);
}

std::map<std::string, size_t> MLPCostModel::sample_counts() const {
  std::map<std::string, size_t> counts;
  for (const auto& [group, samples] : samples_) counts[group] = samples.size();
  return counts;
}

void MLPCostModel::add_samples(const std::string& group, std::vector<CostSample> samples) {
  std::vector<CostSample>& into = samples_[group];
  for (CostSample& s : samples) {
    if (s.features.cols() != kFeatureCount)
      fail("MLPCostModel: a sample has {} feature columns, expected {}", s.features.cols(),
           kFeatureCount);
    into.push_back(std::move(s));
  }
}

void MLPCostModel::fit_input_statistics() {
  Eigen::RowVectorXd sum = Eigen::RowVectorXd::Zero(kFeatureCount),
                     square = Eigen::RowVectorXd::Zero(kFeatureCount);
  double rows = 0;
  for (const auto& [group, samples] : samples_) {
    for (const CostSample& s : samples) {
      Eigen::MatrixXd f = s.features.cast<double>();
      sum += f.colwise().sum();
      square += f.array().square().matrix().colwise().sum();
      rows += static_cast<double>(f.rows());
    }
  }
  if (rows == 0) return;
  Eigen::RowVectorXd mean = sum / rows;
  Eigen::RowVectorXd variance = (square / rows - mean.array().square().matrix()).cwiseMax(0.0);
  input_mean_ = mean.cast<float>();
  input_inverse_std_ =
      variance.unaryExpr([](double v) { return v > 1e-6 ? 1.0 / std::sqrt(v) : 1.0; })
          .cast<float>();
  inputs_fitted_ = true;
}

double MLPCostModel::train(int epochs) {
  if (!inputs_fitted_) fit_input_statistics();
  double last_loss = 0;
  for (int epoch = 0; epoch < epochs; ++epoch) {
    double loss = 0;
    int64_t steps = 0;
    for (auto& [group, samples] : samples_) {
      if (samples.size() < 2) continue;
      std::vector<double> seconds;
      for (const CostSample& s : samples) seconds.push_back(s.seconds);
      const std::vector<double> labels = normalized_throughput(seconds);
      // The most recent programs when the task has more than one epoch may take.
      std::vector<size_t> order(samples.size());
      std::iota(order.begin(), order.end(), size_t{0});
      if (order.size() > options_.max_programs_per_epoch)
        order.erase(order.begin(),
                    order.end() - static_cast<long>(options_.max_programs_per_epoch));
      for (size_t i = order.size(); i > 1; --i)
        std::swap(order[i - 1],
                  order[static_cast<size_t>(rng_.uniform_int(0, static_cast<int64_t>(i)))]);
      const size_t batch = static_cast<size_t>(options_.batch_programs);
      for (size_t start = 0; start + 1 < order.size(); start += batch) {
        std::vector<const CostSample*> chosen;
        std::vector<double> chosen_labels;
        for (size_t k = start; k < std::min(order.size(), start + batch); ++k) {
          chosen.push_back(&samples[order[k]]);
          chosen_labels.push_back(labels[order[k]]);
        }
        if (chosen.size() < 2) continue;
        double batch_loss = 0;
        step(chosen, chosen_labels, &batch_loss);
        loss += batch_loss;
        ++steps;
      }
    }
    last_loss = steps > 0 ? loss / static_cast<double>(steps) : 0;
    if (steps > 0) trained_ = true;
  }
  return last_loss;
}

void MLPCostModel::step(const std::vector<const CostSample*>& batch,
                        const std::vector<double>& labels, double* loss) {
  // Forward over every store row of the batch, remembering which program each row is of.
  Eigen::Index rows = 0;
  for (const CostSample* s : batch) rows += s->features.rows();
  Eigen::MatrixXf features(rows, kFeatureCount);
  std::vector<size_t> program_of(static_cast<size_t>(rows));
  Eigen::Index r = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const Eigen::Index n = batch[i]->features.rows();
    if (n == 0) continue;
    features.middleRows(r, n) = batch[i]->features;
    for (Eigen::Index k = 0; k < n; ++k) program_of[static_cast<size_t>(r + k)] = i;
    r += n;
  }
  const Forward f = forward(features);
  const Eigen::MatrixXf &x = f.x, &h1 = f.h1, &h2 = f.h2;
  std::vector<double> score(batch.size(), 0.0);
  for (Eigen::Index k = 0; k < rows; ++k) score[program_of[static_cast<size_t>(k)]] += f.y(k);

  // The loss and its gradient with respect to each program's score.
  const size_t n = batch.size();
  std::vector<double> grad(n, 0.0);
  double total = 0;
  if (options_.loss == MLPOptions::Loss::kRegression) {
    for (size_t i = 0; i < n; ++i) {
      const double d = score[i] - labels[i];
      total += d * d / static_cast<double>(n);
      grad[i] = 2 * d / static_cast<double>(n);
    }
  } else {
    // LambdaRank: pairwise logistic loss, each pair weighted by how much swapping the two
    // would change the batch's NDCG under the current ranking.
    std::vector<size_t> by_score(n);
    std::iota(by_score.begin(), by_score.end(), size_t{0});
    std::sort(by_score.begin(), by_score.end(), [&](size_t a, size_t b) {
      return score[a] != score[b] ? score[a] > score[b] : a < b;
    });
    std::vector<double> discount(n);
    for (size_t pos = 0; pos < n; ++pos)
      discount[by_score[pos]] = 1.0 / std::log2(2.0 + static_cast<double>(pos));
    std::vector<double> ideal = labels;
    std::sort(ideal.begin(), ideal.end(), std::greater<>());
    double ideal_dcg = 0;
    for (size_t pos = 0; pos < n; ++pos)
      ideal_dcg += ideal[pos] / std::log2(2.0 + static_cast<double>(pos));
    if (ideal_dcg <= 0) ideal_dcg = 1;
    int64_t pairs = 0;
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < n; ++j) {
        if (!(labels[i] > labels[j])) continue;
        const double weight =
            std::fabs((labels[i] - labels[j]) * (discount[i] - discount[j])) / ideal_dcg;
        const double margin = score[i] - score[j];
        // log(1 + e^-m) and its derivative -1/(1 + e^m), computed stably.
        total += weight * (margin > 0 ? std::log1p(std::exp(-margin))
                                      : -margin + std::log1p(std::exp(margin)));
        const double g = -weight / (1.0 + std::exp(std::min(margin, 50.0)));
        grad[i] += g;
        grad[j] -= g;
        ++pairs;
      }
    }
    if (pairs > 0) {
      total /= static_cast<double>(pairs);
      for (double& g : grad) g /= static_cast<double>(pairs);
    }
  }
  *loss = total;

  // Backward.
  Eigen::VectorXf gy(rows);
  for (Eigen::Index k = 0; k < rows; ++k)
    gy(k) = static_cast<float>(grad[program_of[static_cast<size_t>(k)]]);
  Parameters g;
  g.w3 = h2.transpose() * gy;
  g.b3 = gy.sum();
  Eigen::MatrixXf gh2 =
      (gy * p_.w3.transpose()).cwiseProduct((h2.array() > 0).cast<float>().matrix());
  g.w2 = gh2.transpose() * h1;
  g.b2 = gh2.colwise().sum().transpose();
  Eigen::MatrixXf gh1 = (gh2 * p_.w2).cwiseProduct((h1.array() > 0).cast<float>().matrix());
  g.w1 = gh1.transpose() * x;
  g.b1 = gh1.colwise().sum().transpose();

  // Adam, with decoupled weight decay on the weights.
  ++adam_steps_;
  const float lr = static_cast<float>(options_.learning_rate), beta1 = 0.9f, beta2 = 0.999f,
              eps = 1e-8f;
  const float c1 = 1.0f - std::pow(beta1, static_cast<float>(adam_steps_)),
              c2 = 1.0f - std::pow(beta2, static_cast<float>(adam_steps_));
  const float decay = static_cast<float>(options_.weight_decay);
  auto adam = [&](auto& param, const auto& grad_param, auto& m, auto& v, bool weight) {
    m = beta1 * m + (1 - beta1) * grad_param;
    v = beta2 * v + (1 - beta2) * grad_param.cwiseProduct(grad_param);
    auto update = (m / c1).array() / ((v / c2).array().sqrt() + eps);
    if (weight) param = param * (1 - lr * decay);
    param -= lr * update.matrix();
  };
  adam(p_.w1, g.w1, adam_m_.w1, adam_v_.w1, true);
  adam(p_.w2, g.w2, adam_m_.w2, adam_v_.w2, true);
  adam(p_.w3, g.w3, adam_m_.w3, adam_v_.w3, true);
  adam(p_.b1, g.b1, adam_m_.b1, adam_v_.b1, false);
  adam(p_.b2, g.b2, adam_m_.b2, adam_v_.b2, false);
  adam_m_.b3 = beta1 * adam_m_.b3 + (1 - beta1) * g.b3;
  adam_v_.b3 = beta2 * adam_v_.b3 + (1 - beta2) * g.b3 * g.b3;
  p_.b3 -= lr * (adam_m_.b3 / c1) / (std::sqrt(adam_v_.b3 / c2) + eps);
}

void MLPCostModel::save(const std::string& path) const {
  nlohmann::json j{{"format", kFormatName},
                   {"version", kFormatVersion},
                   {"feature_count", kFeatureCount},
                   {"feature_layout", feature_layout()},
                   {"hidden", options_.hidden},
                   {"loss", options_.loss == MLPOptions::Loss::kRank ? "rank" : "regression"},
                   {"trained", trained_},
                   {"input_mean", to_json(input_mean_)},
                   {"input_inverse_std", to_json(input_inverse_std_)},
                   {"w1", to_json(p_.w1)},
                   {"b1", to_json(p_.b1)},
                   {"w2", to_json(p_.w2)},
                   {"b2", to_json(p_.b2)},
                   {"w3", to_json(p_.w3)},
                   {"b3", p_.b3}};
  try {
    write_file_atomically(path, j.dump() + "\n");
  } catch (Error& e) {
    throw e.add_context("while saving the cost model");
  }
}

void MLPCostModel::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("cannot read cost model file {}", path);
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception& e) {
    fail("{} is not a cost model file (not JSON: {})", path, e.what());
  }
  if (!j.is_object() || j.value("format", "") != kFormatName) {
    fail("{} is not an MLP cost model file (its \"format\" is not \"{}\")", path, kFormatName);
  }
  if (j.value("version", 0) != kFormatVersion)
    fail("{}: MLP cost model version {} (this tessera reads version {})", path,
         j.value("version", 0), kFormatVersion);
  if (j.value("feature_count", 0) != kFeatureCount ||
      j.value("feature_layout", "") != feature_layout()) {
    fail(
        "{} was trained on other features ({} of layout {}; this tessera extracts {} of layout "
        "{}): retrain it with `tessera costmodel train`",
        path, j.value("feature_count", 0), j.value("feature_layout", ""), kFeatureCount,
        feature_layout());
  }
  // Read into a fresh model, so that a file that fails half-way leaves this one as it was.
  try {
    MLPOptions o = options_;
    o.hidden = j.at("hidden").get<int>();
    if (o.hidden < 1) fail("hidden width {}", o.hidden);
    o.loss = j.at("loss").get<std::string>() == "regression" ? MLPOptions::Loss::kRegression
                                                             : MLPOptions::Loss::kRank;
    MLPCostModel loaded(o);
    from_json(j.at("w1"), loaded.p_.w1, o.hidden, kFeatureCount, "w1");
    from_json(j.at("b1"), loaded.p_.b1, o.hidden, 1, "b1");
    from_json(j.at("w2"), loaded.p_.w2, o.hidden, o.hidden, "w2");
    from_json(j.at("b2"), loaded.p_.b2, o.hidden, 1, "b2");
    from_json(j.at("w3"), loaded.p_.w3, o.hidden, 1, "w3");
    loaded.p_.b3 = j.at("b3").get<float>();
    from_json(j.at("input_mean"), loaded.input_mean_, 1, kFeatureCount, "input_mean");
    from_json(j.at("input_inverse_std"), loaded.input_inverse_std_, 1, kFeatureCount,
              "input_inverse_std");
    loaded.inputs_fitted_ = true;
    loaded.trained_ = j.at("trained").get<bool>();
    // What this model has been given to learn from stays.
    loaded.samples_ = std::move(samples_);
    loaded.threads_ = threads_;
    *this = std::move(loaded);
  } catch (const nlohmann::json::exception& e) {
    fail("{}: malformed MLP cost model: {}", path, e.what());
  } catch (const Error& e) {
    fail("{}: malformed MLP cost model: {}", path, e.message());
  }
}

TESSERA_REGISTER_COMPONENT_AS(
    CostModel, MLPCostModel, "MLP",
    "per-store MLP summed per program, trained online with a LambdaRank loss (docs/features.md)",
    "");

}  // namespace tessera
