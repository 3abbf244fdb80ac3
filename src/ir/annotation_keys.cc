#include "tessera/ir/annotation_keys.h"

#include "tessera/support/error.h"

namespace tessera {

const std::vector<AnnotationKeyInfo>& reserved_annotation_keys() {
  static const std::vector<AnnotationKeyInfo> kKeys = {
      {annotation_key::kAutoUnrollMaxStep, AnnotationTarget::kLoop, AnnotationType::kInt,
       "unroll loop nests under it whose total steps are at most the value", "lowering"},
      {annotation_key::kUnrollExplicit, AnnotationTarget::kLoop, AnnotationType::kInt,
       "unroll in tessera's IR (1) or leave it to LLVM (0)", "lowering"},
      {annotation_key::kLoopPartition, AnnotationTarget::kLoop, AnnotationType::kInt,
       "cut the loop where the conditions inside it are decided (1)", "lowering"},
      {annotation_key::kParallel, AnnotationTarget::kBlock, AnnotationType::kInt,
       "parallelize the outer spatial loops up to this many jobs", "postprocessor"},
      {annotation_key::kVectorize, AnnotationTarget::kBlock, AnnotationType::kInt,
       "vectorize the inner spatial loops up to this extent", "postprocessor"},
      {annotation_key::kUnroll, AnnotationTarget::kBlock, AnnotationType::kInt,
       "unroll steps for the block's outer loop", "postprocessor"},
      {annotation_key::kTilingStructure, AnnotationTarget::kBlock, AnnotationType::kString,
       "structure chosen by multi-level tiling", "rules, features"},
      {annotation_key::kScheduleRule, AnnotationTarget::kBlock, AnnotationType::kString,
       "the only schedule rule PostOrderApply applies to the block (\"None\": none)",
       "space generator"},
      {annotation_key::kRandomComputeProducer, AnnotationTarget::kBlock, AnnotationType::kInt,
       "place the block's producer (its rfactor block) with it (1)", "rules"},
  };
  return kKeys;
}

void check_annotation(const std::string& key, const AnnotationValue& value,
                      AnnotationTarget target) {
  const bool reserved = key.rfind("pragma_", 0) == 0 || key.rfind("tessera.", 0) == 0;
  if (!reserved) return;
  for (const AnnotationKeyInfo& info : reserved_annotation_keys()) {
    if (info.key != key) continue;
    const char* where = info.target == AnnotationTarget::kLoop ? "loops" : "blocks";
    if (info.target != target) fail("annotation '{}' applies to {} only", key, where);
    if (info.type == AnnotationType::kInt && !std::holds_alternative<int64_t>(value)) {
      fail("annotation '{}' takes an integer value", key);
    }
    if (info.type == AnnotationType::kString && !std::holds_alternative<std::string>(value)) {
      fail("annotation '{}' takes a string value", key);
    }
    if ((key == annotation_key::kUnrollExplicit || key == annotation_key::kLoopPartition) &&
        std::get<int64_t>(value) != 0 && std::get<int64_t>(value) != 1) {
      fail("annotation '{}' must be 0 or 1, got {}", key, std::get<int64_t>(value));
    }
    return;
  }
  std::string known;
  for (const AnnotationKeyInfo& info : reserved_annotation_keys())
    known += (known.empty() ? "" : ", ") + std::string(info.key);
  fail(
      "unknown reserved annotation key '{}' (keys starting with pragma_ or tessera. are reserved; "
      "known: {})",
      key, known);
}

}  // namespace tessera
