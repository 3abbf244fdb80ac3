// The built-in intrinsic calls of the IR and their typing rules.
//
// Built-ins are pure math on one element type (exp, log, sqrt, tanh, sigmoid, abs,
// floor, ceil, round, erf, pow, fma) plus `if_then_else(cond, a, b)`, which
// evaluates only the chosen branch (Select evaluates both) and so may guard loads
// that would be out of bounds. Any other call must name a target intrinsic with a
// dotted name ("llvm.x86.avx512.vpdpbusd.512", "cuda.mma.sync", ...), whose type
// is given explicitly.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "tessera/ir/data_type.h"

namespace tessera {

struct IntrinsicInfo {
  std::string_view name;
  int arity;
  bool floating_only;  // arguments must be floating point
};

/// The built-in with this name, or nullptr.
const IntrinsicInfo* find_builtin_intrinsic(std::string_view name);
/// Every built-in, for documentation and tests.
const std::vector<IntrinsicInfo>& builtin_intrinsics();

}  // namespace tessera
