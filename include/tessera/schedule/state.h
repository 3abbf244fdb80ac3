// ScheduleState: the function being scheduled plus an index of its blocks and
// loops, rebuilt after every primitive.
//
// Stable references: a block is referred to by its name and a loop by its loop
// variable. Both are unique within a function (the state checks this), both
// survive every rewrite that keeps the block or loop (a loop rebuilt around a new
// body keeps its variable), and both disappear exactly when the block or loop
// does (split and fuse make loops with new variables). So a reference stays valid
// across rewrites without any bookkeeping in the primitives, and a stale one is
// detected, not silently misused.
//
// Per-block facts (affine binding, complete/reduction block) are computed on
// demand and cached until the next rewrite. In debug mode every rewrite is
// followed by a check of the invariants (unique names, bindings inside their
// domains, affine bindings stay affine).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "tessera/ir/function.h"

namespace tessera {

class ScheduleState {
 public:
  struct BlockEntry {
    const BlockRealizeNode* realize = nullptr;
    const BlockNode* block = nullptr;
    const BlockNode* scope = nullptr;   // the enclosing block; null for the root
    std::vector<const ForNode*> loops;  // between the scope and the block, outermost first
    int order = 0;                      // pre-order position in the function
  };
  struct LoopEntry {
    const ForNode* loop = nullptr;
    const BlockNode* scope = nullptr;   // the enclosing block
    std::vector<const ForNode*> outer;  // loops around it within the scope, outermost first
  };

  explicit ScheduleState(PrimFunc func, bool debug = false);

  const PrimFunc& func() const { return func_; }
  bool debug() const { return debug_; }
  /// Installs a rewritten function and re-indexes it (checking invariants in debug mode).
  void replace_func(PrimFunc func, const std::string& primitive);

  const BlockEntry* find_block(const std::string& name) const;
  const LoopEntry* find_loop(const VarNode* var) const;
  /// Every block except the root, in program order.
  std::vector<const BlockNode*> blocks() const;
  /// Blocks directly under `parent` (a loop or block node), not inside nested blocks, in order.
  std::vector<const BlockNode*> child_blocks(const StmtNode* parent) const;
  const BlockNode* root_block() const { return root_; }
  /// The producers of a block: the blocks of its scope that come before it and write a
  /// buffer it reads; its consumers: those after it that read a buffer it writes. In
  /// program order; computed with the index, so primitives, rules and the invariant
  /// checks all use this one definition. The block is found by name.
  const std::vector<const BlockNode*>& producers(const BlockNode* block) const;
  const std::vector<const BlockNode*>& consumers(const BlockNode* block) const;

  /// The block's binding is an affine, surjective map of its loops (arith/iter_map.h).
  bool affine_binding(const BlockEntry& entry);
  /// Failure reason of affine_binding (empty if affine).
  std::string affine_binding_failure(const BlockEntry& entry);
  /// All iteration variables spatial, and it reads no buffer it writes.
  bool is_complete(const BlockEntry& entry) const;
  /// It has reduction variables and an init, writes one buffer at a point indexed
  /// by spatial variables only, and its reduction variables index no write.
  bool is_reduction(const BlockEntry& entry) const;
  /// Every block of the scope that writes a buffer this block reads comes before it.
  bool stage_pipeline(const BlockEntry& entry) const;
  /// What the block reads of each buffer produced in its scope, over all its iterations,
  /// is covered by what the producers write over all theirs (both clipped to the buffer).
  /// Empty when covered; otherwise which buffer is not.
  std::string region_cover_failure(const BlockEntry& entry) const;

 private:
  void index();
  void link_producers_and_consumers();
  void verify(const std::string& primitive);

  PrimFunc func_;
  bool debug_;
  const BlockNode* root_ = nullptr;
  std::unordered_map<std::string, BlockEntry> blocks_;
  std::unordered_map<const VarNode*, LoopEntry> loops_;
  std::unordered_map<const StmtNode*, std::vector<const BlockNode*>> children_;
  std::unordered_map<const BlockRealizeNode*, std::string> affine_cache_;
  // By block name, the stable reference: a node from before a rewrite of the block (an
  // annotation, say) still finds the block's current lists.
  std::unordered_map<std::string, std::vector<const BlockNode*>> producers_, consumers_;
};

}  // namespace tessera
