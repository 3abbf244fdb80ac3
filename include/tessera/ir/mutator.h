// IRMutator: rewrites expressions and statements bottom-up with copy-on-write:
// a node none of whose children changed is returned as is (the same node), so a
// mutator that changes nothing returns its input unchanged and cheaply.
//
//   struct RenameBuffer : IRMutator { ... Buffer mutate_buffer(const Buffer& b) override; };
#pragma once

#include "tessera/ir/function.h"

namespace tessera {

class IRMutator {
 public:
  virtual ~IRMutator() = default;

  virtual Expr mutate_expr(const Expr& e);
  virtual Stmt mutate_stmt(const Stmt& s);
  PrimFunc mutate_func(const PrimFunc& f);

 protected:
  /// Every buffer reference (loads, stores, regions, allocations) passes through here.
  virtual Buffer mutate_buffer(const Buffer& b) { return b; }

  virtual Expr mutate_int_imm(const Expr& e) { return e; }
  virtual Expr mutate_float_imm(const Expr& e) { return e; }
  virtual Expr mutate_var(const Expr& e) { return e; }
  virtual Expr mutate_binary(const BinaryNode* op, const Expr& e);
  virtual Expr mutate_not(const NotNode* op, const Expr& e);
  virtual Expr mutate_select(const SelectNode* op, const Expr& e);
  virtual Expr mutate_cast(const CastNode* op, const Expr& e);
  virtual Expr mutate_buffer_load(const BufferLoadNode* op, const Expr& e);
  virtual Expr mutate_call(const CallNode* op, const Expr& e);
  virtual Expr mutate_ramp(const RampNode* op, const Expr& e);
  virtual Expr mutate_broadcast(const BroadcastNode* op, const Expr& e);
  virtual Expr mutate_let(const LetNode* op, const Expr& e);

  virtual Stmt mutate_buffer_store(const BufferStoreNode* op, const Stmt& s);
  virtual Stmt mutate_for(const ForNode* op, const Stmt& s);
  virtual Stmt mutate_block(const BlockNode* op, const Stmt& s);
  virtual Stmt mutate_block_realize(const BlockRealizeNode* op, const Stmt& s);
  virtual Stmt mutate_seq(const SeqStmtNode* op, const Stmt& s);
  virtual Stmt mutate_if(const IfThenElseNode* op, const Stmt& s);
  virtual Stmt mutate_let_stmt(const LetStmtNode* op, const Stmt& s);
  virtual Stmt mutate_evaluate(const EvaluateNode* op, const Stmt& s);
  virtual Stmt mutate_allocate(const AllocateNode* op, const Stmt& s);

  BufferRegion mutate_region(const BufferRegion& r);
  /// Mutates each element; returns true if any changed.
  bool mutate_exprs(const std::vector<Expr>& in, std::vector<Expr>* out);
};

}  // namespace tessera
