// MutateUnroll: another unroll step for one block (the categorical that feeds a
// tessera.unroll annotation, redrawn among the other steps).
#include "tessera/ir/annotation_keys.h"
#include "tessera/tune/builtin_mutators.h"
#include "trace_queries.h"

namespace tessera {
namespace {

using namespace trace_queries;

class MutateUnroll : public Mutator {
 public:
  std::optional<Trace> apply(const Trace& trace, Random& rng) override {
    std::vector<size_t> candidates;
    for (size_t i : instructions_of(trace, "SampleCategorical")) {
      if (trace.decision(i) != nullptr &&
          used_by(trace, std::get<ExprRV>(trace.insts()[i].outputs[0]), "Annotate",
                  annotation_key::kUnroll)) {
        candidates.push_back(i);
      }
    }
    if (candidates.empty()) return std::nullopt;
    const size_t index = candidates[static_cast<size_t>(
        rng.uniform_int(0, static_cast<int64_t>(candidates.size())))];
    std::optional<int64_t> redrawn = redraw_categorical(trace, index, rng);
    if (!redrawn) return std::nullopt;
    return trace.with_decision(index, *redrawn);
  }
};

}  // namespace

std::shared_ptr<Mutator> make_mutate_unroll() { return std::make_shared<MutateUnroll>(); }

TESSERA_REGISTER_COMPONENT(Mutator, MutateUnroll, "redraws the unroll step of one block", "");

}  // namespace tessera
