// MutateTileSize: the tile sizes are most of what decides a kernel's speed, so most
// mutations move a factor between two levels of one sampled tile (the product, and so
// the loop, stays the same), or redraw a categorical that sizes a split.
#include "tessera/tune/builtin_mutators.h"
#include "trace_queries.h"

namespace tessera {
namespace {

using namespace trace_queries;

std::vector<int64_t> divisors_above_one(int64_t n) {
  std::vector<int64_t> out;
  for (int64_t d = 2; d <= n; ++d) {
    if (n % d == 0) out.push_back(d);
  }
  return out;
}

class MutateTileSize : public Mutator {
 public:
  std::optional<Trace> apply(const Trace& trace, Random& rng) override {
    std::vector<size_t> candidates;
    for (size_t i : instructions_of(trace, "SamplePerfectTile")) {
      const nlohmann::json* d = trace.decision(i);
      if (d == nullptr || !d->is_array() || d->size() < 2) continue;
      int64_t product = 1;
      for (const auto& f : *d) product *= f.get<int64_t>();
      if (product >= 2) candidates.push_back(i);
    }
    for (size_t i : instructions_of(trace, "SampleCategorical")) {
      const Instruction& inst = trace.insts()[i];
      if (inst.attrs.size() == 2 && inst.attrs[0].size() > 1 &&
          used_by(trace, std::get<ExprRV>(inst.outputs[0]), "Split"))
        candidates.push_back(i);
    }
    if (candidates.empty()) return std::nullopt;
    const size_t index = candidates[static_cast<size_t>(
        rng.uniform_int(0, static_cast<int64_t>(candidates.size())))];
    if (trace.insts()[index].kind->name == "SampleCategorical") {
      std::optional<int64_t> redrawn = redraw_categorical(trace, index, rng);
      if (!redrawn) return std::nullopt;
      return trace.with_decision(index, *redrawn);
    }
    std::vector<int64_t> tiles = trace.decision(index)->get<std::vector<int64_t>>();
    const int64_t max_innermost =
        trace.insts()[index].attrs.size() > 1 ? trace.insts()[index].attrs[1].get<int64_t>() : 0;
    const size_t n = tiles.size();
    std::vector<size_t> from;
    for (size_t k = 0; k < n; ++k) {
      if (tiles[k] > 1) from.push_back(k);
    }
    for (int attempt = 0; attempt < 16; ++attempt) {
      const size_t x =
          from[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(from.size())))];
      size_t y = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(n) - 1));
      if (y >= x) ++y;
      std::vector<int64_t> choices;
      for (int64_t d : divisors_above_one(tiles[x])) {
        if (y == n - 1 && max_innermost > 0 && d * tiles[y] > max_innermost) continue;
        choices.push_back(d);
      }
      if (choices.empty()) continue;
      const int64_t d =
          choices[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(choices.size())))];
      tiles[x] /= d;
      tiles[y] *= d;
      return trace.with_decision(index, tiles);
    }
    return std::nullopt;
  }
};

}  // namespace

std::shared_ptr<Mutator> make_mutate_tile_size() { return std::make_shared<MutateTileSize>(); }

TESSERA_REGISTER_COMPONENT(Mutator, MutateTileSize,
                           "moves a factor between two levels of one sampled tile, or redraws a "
                           "categorical that sizes a split",
                           "");

}  // namespace tessera
