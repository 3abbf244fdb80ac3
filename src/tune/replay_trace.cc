// ReplayTrace: every candidate is a sketch of the space with its decisions drawn afresh.
#include "tessera/tune/search_strategy.h"

namespace tessera {
namespace {

class ReplayTrace : public SearchStrategy {
 public:
  std::vector<MeasureCandidate> generate_candidates(int count) override {
    return sample_fresh(count);
  }
};

}  // namespace

std::shared_ptr<SearchStrategy> make_replay_trace() { return std::make_shared<ReplayTrace>(); }

TESSERA_REGISTER_COMPONENT_AS(SearchStrategy, ReplayTrace, "ReplayTrace",
                              "each candidate: a sketch with every decision sampled afresh", "");

}  // namespace tessera
