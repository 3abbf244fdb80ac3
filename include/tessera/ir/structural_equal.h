// Structural equality and hashing, modulo variable renaming.
//
// Two programs are structurally equal when they have the same shape and every
// field matches, with variables (and buffers) matched by a one-to-one
// correspondence built in traversal order rather than by name or identity. Any
// other difference (a constant, a type, a loop kind, an annotation, a buffer
// name or scope, a block name) makes them differ. The hash agrees with the
// equality: equal programs hash equal, on every machine (see support/hash.h).
//
//   structural_equal(parse_prim_func(print(f)), f)   // true
//   structural_hash(f)                               // identity of a workload
#pragma once

#include <cstdint>

#include "tessera/ir/function.h"

namespace tessera {

bool structural_equal(const PrimFunc& a, const PrimFunc& b);
bool structural_equal(const Stmt& a, const Stmt& b);
bool structural_equal(const Expr& a, const Expr& b);

uint64_t structural_hash(const PrimFunc& f);
/// The structure alone: every integer constant (shapes, extents, strides, offsets, pads)
/// hashes alike, so programs that differ only in sizes hash equal (what groups a model's
/// tasks into families of the same computation at different shapes).
uint64_t structural_hash_ignoring_integers(const PrimFunc& f);
uint64_t structural_hash(const Stmt& s);
uint64_t structural_hash(const Expr& e);

}  // namespace tessera
