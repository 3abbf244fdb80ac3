#include "text_format_common.h"

#include <set>

#include "tessera/ir/intrinsics.h"

namespace tessera {

bool is_text_format_keyword(const std::string& word) {
  static const std::set<std::string> kKeywords = {
      "func",    "for",      "in",        "block",    "bare",       "reads",    "writes",
      "init",    "alloc",    "match",     "where",    "with",       "if",       "else",
      "let",     "evaluate", "allocate",  "true",     "false",      "select",   "cast",
      "call",    "ramp",     "broadcast", "min",      "max",        "floordiv", "floormod",
      "spatial", "reduce",   "range",     "parallel", "vectorized", "unrolled", "thread_binding",
      "scope",   "strides",  "offset",    "inf",      "nan"};
  if (kKeywords.count(word) != 0) return true;
  if (find_builtin_intrinsic(word) != nullptr) return true;
  return DataType::from_string(word).has_value();
}

}  // namespace tessera
