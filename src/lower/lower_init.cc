// lower_init: a reduction block's init runs at its first reduction step, written out
// as a condition on the reduction variables.
#include "tessera/ir/mutator.h"
#include "tessera/ir/op.h"
#include "tessera/lower/passes.h"

namespace tessera {

PrimFunc lower_init(const PrimFunc& func) {
  class LowerInit : public IRMutator {
   protected:
    Stmt mutate_block(const BlockNode* op, const Stmt& s) override {
      Stmt out = IRMutator::mutate_block(op, s);
      const auto* b = out.as<BlockNode>();
      if (!b->init.defined()) return out;
      Expr first;
      for (const IterVar& iv : b->iter_vars) {
        if (iv.kind != IterKind::kReduce) continue;
        Expr at_min = eq(iv.var, iv.dom.min);
        first = first.defined() ? logical_and(first, at_min) : at_min;
      }
      auto node = std::make_shared<BlockNode>(*b);
      node->body = first.defined() ? make_seq({make_if(first, b->init), b->body})
                                   : make_seq({b->init, b->body});
      node->init = Stmt();
      return Stmt(node);
    }
  } pass;
  return pass.mutate_func(func);
}

}  // namespace tessera
