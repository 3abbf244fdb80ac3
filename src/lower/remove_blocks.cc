// remove_blocks: block IR becomes loop IR. A block's body runs with its iteration
// variables replaced by their bindings, under its predicate; its allocations become
// Allocate statements around it (place_allocations moves them to where they are used).
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/ir/substitute.h"
#include "tessera/lower/passes.h"
#include "tessera/support/error.h"

namespace tessera {

namespace {

Stmt with_allocations(const BlockNode* b, Stmt body) {
  for (size_t i = b->alloc_buffers.size(); i-- > 0;)
    body = make_allocate(b->alloc_buffers[i], body);
  return body;
}

class RemoveBlocks : public IRMutator {
 protected:
  Stmt mutate_block_realize(const BlockRealizeNode* op, const Stmt&) override {
    const BlockNode* b = op->block_node();
    if (b->init.defined())
      fail("remove_blocks: block '{}' still has an init; run lower_init first", b->name);
    if (!b->match_buffers.empty())
      fail("remove_blocks: block '{}' matches sub-buffers, which lowering does not support yet",
           b->name);
    VarMap bindings;
    for (size_t i = 0; i < b->iter_vars.size(); ++i)
      bindings[b->iter_vars[i].var.get()] = op->iter_values[i];
    Stmt body = mutate_stmt(substitute(b->body, bindings));
    if (!is_const_int(op->predicate, 1)) body = make_if(op->predicate, body);
    return with_allocations(b, body);
  }
  Stmt mutate_block(const BlockNode* op, const Stmt&) override {
    fail("remove_blocks: block '{}' has no realization", op->name);
  }
};

}  // namespace

PrimFunc remove_blocks(const PrimFunc& func) {
  RemoveBlocks pass;
  return pass.mutate_func(func);
}

}  // namespace tessera
