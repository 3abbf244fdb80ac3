// The typed annotation keys. Keys starting with `pragma_` or `tessera.` are
// reserved: each is declared here with what it may annotate and its value type,
// and an unknown reserved key or a wrongly typed value is an error. Any other
// key is user metadata: kept and printed, never interpreted.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tessera/ir/stmt.h"

namespace tessera {

namespace annotation_key {
inline constexpr const char* kAutoUnrollMaxStep = "pragma_auto_unroll_max_step";  // loop, int
inline constexpr const char* kUnrollExplicit = "pragma_unroll_explicit";          // loop, int 0/1
inline constexpr const char* kLoopPartition = "pragma_loop_partition";            // loop, int 0/1
inline constexpr const char* kParallel = "tessera.parallel";                      // block, int
inline constexpr const char* kVectorize = "tessera.vectorize";                    // block, int
inline constexpr const char* kUnroll = "tessera.unroll";                          // block, int
inline constexpr const char* kTilingStructure = "tessera.tiling_structure";       // block, string
inline constexpr const char* kScheduleRule = "tessera.schedule_rule";             // block, string
inline constexpr const char* kRandomComputeProducer =
    "tessera.random_compute_producer";  // block, int
}  // namespace annotation_key

enum class AnnotationTarget { kLoop, kBlock };
enum class AnnotationType { kInt, kString };

struct AnnotationKeyInfo {
  std::string_view key;
  AnnotationTarget target;
  AnnotationType type;
  std::string_view meaning;
  std::string_view consumed_by;
};

/// Every reserved key, in the order of the table in docs/trace-format.md.
const std::vector<AnnotationKeyInfo>& reserved_annotation_keys();

/// Throws Error naming the key if it is reserved and unknown, on the wrong kind of
/// node, or of the wrong value type (pragma_unroll_explicit must be 0 or 1).
void check_annotation(const std::string& key, const AnnotationValue& value,
                      AnnotationTarget target);

}  // namespace tessera
