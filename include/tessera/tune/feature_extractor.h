// Per-store features: what the learned cost model sees of a scheduled program. The
// program is lowered to a fixed early stage (allocations placed and compacted, init
// lowered, blocks removed, loops simplified; before unrolling and flattening, which
// lose strides or blow up size), then every buffer store becomes one row of
// `kFeatureCount` numbers: its arithmetic, its loop context, the buffers it touches,
// its arithmetic-intensity curve and its allocation. docs/features.md names and
// explains each one; `feature_names()` lists them in order.
//
//   Eigen::MatrixXf rows = extract_features(sch.func());   // stores × kFeatureCount
#pragma once

#include <string>
#include <vector>

#include <Eigen/Dense>

#include "tessera/ir/function.h"

namespace tessera {

/// Buffers described per store (the most-touched first), and samples of the
/// arithmetic-intensity curve.
inline constexpr int kFeatureBuffersPerStore = 5;
inline constexpr int kFeatureCurveSamples = 10;
inline constexpr int kFeaturesPerBuffer = 18;
inline constexpr int kFeatureCount =
    16 + 24 + 8 + kFeatureBuffersPerStore * kFeaturesPerBuffer + kFeatureCurveSamples + 4 + 3;

/// The name of every column, in order (docs/features.md explains them).
const std::vector<std::string>& feature_names();

/// One row per buffer store of `scheduled` (in program order), kFeatureCount columns.
/// Throws Error (naming the program) when the program cannot be lowered.
Eigen::MatrixXf extract_features(const PrimFunc& scheduled);

/// slog(x) = sign(x) · log2(1 + |x|): how magnitudes enter the features.
float slog(double x);

}  // namespace tessera
