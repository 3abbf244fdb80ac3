// The canonical form of integer index expressions used by the simplifier
// (internal to src/arith): constant + sum of coefficient × atom, where an atom
// is a variable, floordiv/floormod of a canonical sum by a constant, or any
// other (simplified) expression. Terms keep the order of first appearance, so
// the printed form is deterministic and simplification is idempotent.
#pragma once

#include <vector>

#include "bound_internal.h"

namespace tessera {

struct SumTerm {
  Expr atom;
  int64_t coeff;
};

struct CanonicalSum {
  std::vector<SumTerm> terms;
  int64_t constant = 0;
  DataType dtype;

  void add_term(const Expr& atom, int64_t coeff);
  void add(const CanonicalSum& other, int64_t scale);
};

class Simplifier {
 public:
  explicit Simplifier(const Analyzer& analyzer);

  Expr simplify(const Expr& e);
  CanonicalSum to_sum(const Expr& e);
  Expr from_sum(const CanonicalSum& s);
  ConstIntBound sum_bound(const CanonicalSum& s);
  /// The bound of the sum's mathematical value, not clamped to its type (a difference of two
  /// uint8 values lies in [-255, 255], which the type's [0, 255] would misstate).
  ConstIntBound exact_sum_bound(const CanonicalSum& s);

 private:
  Expr simplify_any(const Expr& e);
  Expr simplify_structure(const Expr& e);
  ConstIntBound atom_bound(const Expr& atom);
  CanonicalSum atom_sum(const Expr& atom);
  CanonicalSum divide(const CanonicalSum& s, int64_t c);
  CanonicalSum modulo(const CanonicalSum& s, int64_t c);
  void merge_split_pairs(CanonicalSum& s);

  const Analyzer& analyzer_;
  BoundContext ctx_;
};

}  // namespace tessera
