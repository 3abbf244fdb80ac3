// Resolving an imported graph (internal to src/frontend): every node is converted by the
// operator library, which fixes the shape and type of its outputs; nodes whose inputs are
// all known and whose outputs are small are evaluated (folded) right away.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "operators/operator.h"
#include "tessera/frontend/graph.h"
#include "tessera/frontend/onnx_import.h"

namespace tessera::frontend {

/// `inferred`: static shapes ONNX's shape inference found, by value name; a conversion that
/// disagrees is an error.
void resolve_graph(Graph& graph, const ImportOptions& options,
                   const std::map<std::string, std::vector<int64_t>>& inferred);

/// The operator of `node`, or an UnsupportedError naming it and listing what is supported.
const OperatorInfo& operator_of(const Graph& graph, const Node& node);

/// Converts `node` with `inputs` as its te placeholders (constants attached where the graph
/// knows them; an empty constant has none). Stage names are drawn from `names`; `folding`:
/// every input is known.
std::vector<OperatorOutput> convert_node(const Graph& graph, const Node& node,
                                         const std::vector<te::Tensor>& inputs,
                                         std::map<std::string, int>& names, bool folding = false);

/// Folds each inference BatchNormalization into the convolution before it when the weights
/// and statistics are constants and the convolution feeds nothing else; returns how many.
int fold_batch_norms(Graph& graph);

/// Rewrites each 2-D convolution with constant weights to channels-last (layout.cc) and
/// cancels the transposes between them; returns how many convolutions it converted.
int convert_to_channels_last(Graph& graph, const ImportOptions& options);

}  // namespace tessera::frontend
