// Random variables: the opaque handles primitives take and return. A BlockRV
// names a block, a LoopRV a loop, an ExprRV an integer (usually drawn by a
// sampling instruction). They are resolved by the Schedule that made them.
#pragma once

#include <cstdint>
#include <optional>
#include <variant>

namespace tessera {

struct BlockRV {
  int64_t id = -1;
  bool operator==(const BlockRV&) const = default;
};
struct LoopRV {
  int64_t id = -1;
  bool operator==(const LoopRV&) const = default;
  /// The locations sample_compute_location may choose besides a loop: leave the
  /// block where it is (root) or inline it. compute_at accepts both.
  static LoopRV root() { return {-2}; }
  static LoopRV inlined() { return {-3}; }
  bool is_root() const { return id == -2; }
  bool is_inlined() const { return id == -3; }
};
struct ExprRV {
  int64_t id = -1;
  bool operator==(const ExprRV&) const = default;
};

/// Any random variable (an instruction's output).
using AnyRV = std::variant<BlockRV, LoopRV, ExprRV>;

/// One factor of `split` or one extent of `loop_partition`: an integer, an ExprRV,
/// or std::nullopt for the one factor to infer.
class FactorArg {
 public:
  FactorArg(std::nullopt_t) {}                      // NOLINT(implicit): {std::nullopt, 32}
  FactorArg(int64_t value) : value_(value) {}       // NOLINT(implicit)
  FactorArg(int value) : value_(int64_t{value}) {}  // NOLINT(implicit)
  FactorArg(ExprRV rv) : value_(rv) {}              // NOLINT(implicit)
  bool inferred() const { return std::holds_alternative<std::monostate>(value_); }
  const std::variant<std::monostate, int64_t, ExprRV>& value() const { return value_; }

 private:
  std::variant<std::monostate, int64_t, ExprRV> value_;
};

}  // namespace tessera
