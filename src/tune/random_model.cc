// RandomModel: the random-score baseline cost model.
#include <fstream>

#include <nlohmann/json.hpp>

#include "tessera/support/error.h"
#include "tessera/tune/cost_model.h"

namespace tessera {

void RandomModel::initialize(const TuneContext& ctx) {
  rng_.seed_with(ctx.seed ^ 0x52616e646f6dULL);
}

std::vector<double> RandomModel::predict(const TuneContext&,
                                         const std::vector<PrimFunc>& programs) {
  std::vector<double> scores(programs.size());
  for (double& s : scores) s = rng_.uniform_double();
  return scores;
}

void RandomModel::save(const std::string& path) const {
  std::ofstream out(path);
  nlohmann::json j{{"model", "Random"}, {"version", 1}, {"state", rng_.state()}};
  out << j.dump() << '\n';
  if (!out) fail("cannot write cost model file {}", path);
}

void RandomModel::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail("cannot read cost model file {}", path);
  try {
    nlohmann::json j = nlohmann::json::parse(in);
    if (j.at("model") != "Random")
      fail("{} holds a {} model, not a Random one", path, j.at("model").dump());
    if (j.at("version") != 1)
      fail("{}: Random model version {} (this tessera reads version 1)", path,
           j.at("version").dump());
    rng_.set_state(j.at("state").get<std::array<uint64_t, 4>>());
  } catch (const nlohmann::json::exception& e) {
    fail("{} is not a cost model file: {}", path, e.what());
  }
}

TESSERA_REGISTER_COMPONENT_AS(CostModel, RandomModel, "Random",
                              "uniform random scores (the baseline); learns nothing", "");

}  // namespace tessera
