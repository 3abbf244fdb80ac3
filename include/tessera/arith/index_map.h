// IndexMap: a function from n index variables to m index expressions, the argument of
// the layout primitives (transform_layout maps a buffer's indices to the new layout's,
// transform_block_layout a block's iteration point to the new iteration space).
//
// Written as a C++ lambda or as text in the IR expression syntax; the text is what a
// trace stores, and to_string() gives it back:
//
//   IndexMap m = IndexMap::from_lambda({"i", "j"}, [](const std::vector<Var>& v) {
//     return std::vector<Expr>{floordiv(v[0], 16), v[1], floormod(v[0], 16)};
//   });
//   IndexMap same = IndexMap::parse("(i, j) -> (floordiv(i, 16), j, floormod(i, 16))");
//   IndexMap::Analysis a = m.analyze({127, 64});  // shape [8, 64, 16], injective, not surjective
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/arith/analyzer.h"
#include "tessera/ir/expr.h"

namespace tessera {

class IndexMap {
 public:
  IndexMap() = default;
  /// Throws Error if an output uses a variable that is not an input, or names repeat.
  IndexMap(std::vector<Var> inputs, std::vector<Expr> outputs);
  /// The lambda receives one int32 variable per name.
  static IndexMap from_lambda(const std::vector<std::string>& names,
                              const std::function<std::vector<Expr>(const std::vector<Var>&)>& f);
  /// "(i, j) -> (floordiv(i, 16), j, floormod(i, 16))"; Error with the position on bad text.
  static IndexMap parse(std::string_view text);
  std::string to_string() const;

  const std::vector<Var>& inputs() const { return inputs_; }
  const std::vector<Expr>& outputs() const { return outputs_; }

  /// The outputs with the inputs replaced by `indices`, simplified.
  std::vector<Expr> apply(const std::vector<Expr>& indices, Analyzer& az) const;

  /// What the map does to the box [0, input_shape): the output box (each output's largest
  /// value + 1), whether distinct points stay distinct, whether every output point is hit.
  /// `failure` says why the map cannot be used (a negative or unbounded output, or a box
  /// too large to check point by point when the map is not a recognised affine one).
  struct Analysis {
    std::vector<int64_t> shape;
    bool injective = false;
    bool surjective = false;
    std::string failure;
  };
  Analysis analyze(const std::vector<int64_t>& input_shape) const;

  /// For a bijective affine map of the box [0, input_shape) (splits and fusions of the
  /// inputs): the inverse, from the output box back to the inputs. nullopt otherwise.
  std::optional<IndexMap> inverse(const std::vector<int64_t>& input_shape) const;

 private:
  std::vector<Var> inputs_;
  std::vector<Expr> outputs_;
};

}  // namespace tessera
