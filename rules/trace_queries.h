// Questions the built-in mutators ask about a trace: which instructions sample what,
// where a random variable is used, which block a BlockRV names. Internal to rules/.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tessera/schedule/trace.h"
#include "tessera/support/random.h"

namespace tessera::trace_queries {

/// Indices of the instructions of kind `kind`.
std::vector<size_t> instructions_of(const Trace& trace, const std::string& kind);
/// The index of the instruction whose outputs include `rv`.
std::optional<size_t> producer_of(const Trace& trace, const AnyRV& rv);
/// Whether an instruction of kind `kind` takes `rv` as an input (for "Annotate", with key `key`).
bool used_by(const Trace& trace, const ExprRV& rv, const std::string& kind,
             const std::string& key = "");
/// The name of the block a BlockRV was got by (GetBlock), if it was.
std::optional<std::string> block_name(const Trace& trace, const BlockRV& rv);
/// A SampleCategorical's decision redrawn among the other candidates (by their
/// probabilities); nullopt when there is no other.
std::optional<int64_t> redraw_categorical(const Trace& trace, size_t index, Random& rng);

}  // namespace tessera::trace_queries
