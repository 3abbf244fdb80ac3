// Affine iteration-map detection: is a block's binding (one expression per
// iteration variable, in terms of loop variables) an affine, bijective map of
// the loop nest onto the block's iteration space, and what is its split/fuse
// structure?
//
// Each binding is decomposed into a sum of *splits*: scale * the digit
// floormod(floordiv(source, lower_factor), extent) of a source iterator, where a
// source is a loop variable or a *fused* iterator (itself such a sum, e.g. the
// i * 16 + j inside floordiv(i * 16 + j, 8)). The map is bijective when each
// binding's splits form a mixed-radix number (scales 1, e1, e1*e2, ...) and the
// splits of every source tile it exactly (lower factors 1, e1, e1*e2, ... up to
// its extent), using every loop variable. A predicate `binding < c` (from a
// split whose factors do not divide the extent) narrows that binding's range.
//
//   IterMapResult r = detect_iter_map({floordiv(f, 16), floormod(f, 16)}, {{f, 64}},
//   make_bool(true),
//                                     IterMapLevel::kBijective, az);
//   r.ok()  r.indices[0].extent == 4   r.failure explains a negative answer
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "tessera/arith/analyzer.h"

namespace tessera {

struct IterSum;

/// A source iterator: a loop variable or a fused iterator.
struct IterMark {
  Var var;                               // set for a loop variable
  std::shared_ptr<const IterSum> fused;  // set for a fused iterator
  int64_t extent = 1;
};

struct IterSplit {
  std::shared_ptr<const IterMark> source;
  int64_t lower_factor = 1;
  int64_t extent = 1;
  int64_t scale = 1;
};

/// base + sum of splits, outermost (largest scale) first; its values cover
/// [base, base + extent).
struct IterSum {
  std::vector<IterSplit> args;
  int64_t base = 0;
  int64_t extent = 1;
};

enum class IterMapLevel {
  kBijective,   // every loop iteration maps to a distinct block iteration, and all are hit
  kSurjective,  // every block iteration is hit (a loop may be unused: iterations repeat)
};

struct IterMapResult {
  std::vector<IterSum> indices;  // one per binding
  std::string failure;           // empty on success; otherwise why the map is not affine/bijective
  bool ok() const { return failure.empty(); }
};

/// `loops`: every loop variable the bindings may use, with its extent (loops start at 0).
IterMapResult detect_iter_map(const std::vector<Expr>& bindings,
                              const std::vector<std::pair<Var, int64_t>>& loops,
                              const Expr& predicate, IterMapLevel level, Analyzer& az);

/// "i(1, 4) * 16 + j(1, 16)": source(lower_factor, extent) * scale terms, for messages and tests.
std::string to_string(const IterSum& sum);

}  // namespace tessera
