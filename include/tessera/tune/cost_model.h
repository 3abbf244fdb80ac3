// CostModel: predicts which programs of a tuning task run fastest, so the search
// measures only the promising few (DESIGN.md §6). It scores programs (higher is
// better), learns from every measured round, and saves/loads itself. `RandomModel`
// scores at random: the baseline every learned model is compared against, and what
// the search uses until a learned model is given.
//
//   std::shared_ptr<CostModel> model = make_component<CostModel>("Random");
//   model->initialize(ctx);
//   std::vector<double> scores = model->predict(ctx, programs);
//   model->update(ctx, programs, seconds);   // after measuring them
#pragma once

#include <string>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/support/random.h"
#include "tessera/tune/registry.h"
#include "tessera/tune/tune_context.h"

namespace tessera {

class CostModel {
 public:
  static constexpr ComponentKind kKind = ComponentKind::kCostModel;
  virtual ~CostModel() = default;
  virtual void initialize(const TuneContext& ctx) { (void)ctx; }
  /// A score per scheduled program (not lowered); higher means predicted faster.
  virtual std::vector<double> predict(const TuneContext& ctx,
                                      const std::vector<PrimFunc>& programs) = 0;
  /// Learns from measured programs: `seconds[i]` is programs[i]'s run time, or +infinity
  /// when it failed (built wrong, crashed, timed out).
  virtual void update(const TuneContext& ctx, const std::vector<PrimFunc>& programs,
                      const std::vector<double>& seconds) = 0;
  /// Writes the model to `path` / reads it back; throws Error naming the file on failure.
  virtual void save(const std::string& path) const = 0;
  virtual void load(const std::string& path) = 0;
  /// Whether its scores come from learning (trained, or loaded from a trained model):
  /// the tuner feeds a learning model the task's earlier records, and the no-tuning mode
  /// refuses a model that has learned nothing.
  virtual bool learns() const { return false; }
  virtual bool learned() const { return false; }
};

/// Uniform random scores from the task's seed; learns nothing.
class RandomModel : public CostModel {
 public:
  void initialize(const TuneContext& ctx) override;
  std::vector<double> predict(const TuneContext& ctx,
                              const std::vector<PrimFunc>& programs) override;
  void update(const TuneContext&, const std::vector<PrimFunc>&,
              const std::vector<double>&) override {}
  /// The generator's state, so a loaded model continues the same stream.
  void save(const std::string& path) const override;
  void load(const std::string& path) override;

 private:
  Random rng_;
};

}  // namespace tessera
