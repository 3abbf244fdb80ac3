// IRVisitor: walks expressions and statements; passes override the node kinds they
// care about and call the base implementation to keep recursing.
//
//   struct CountLoads : IRVisitor {
//     int n = 0;
//     void visit_buffer_load(const BufferLoadNode* op) override { ++n;
//     IRVisitor::visit_buffer_load(op); }
//   };
#pragma once

#include "tessera/ir/function.h"

namespace tessera {

class IRVisitor {
 public:
  virtual ~IRVisitor() = default;

  virtual void visit_expr(const Expr& e);
  virtual void visit_stmt(const Stmt& s);
  void visit_func(const PrimFunc& f);

 protected:
  virtual void visit_int_imm(const IntImmNode*) {}
  virtual void visit_float_imm(const FloatImmNode*) {}
  virtual void visit_var(const VarNode*) {}
  virtual void visit_binary(const BinaryNode* op);
  virtual void visit_not(const NotNode* op);
  virtual void visit_select(const SelectNode* op);
  virtual void visit_cast(const CastNode* op);
  virtual void visit_buffer_load(const BufferLoadNode* op);
  virtual void visit_call(const CallNode* op);
  virtual void visit_ramp(const RampNode* op);
  virtual void visit_broadcast(const BroadcastNode* op);
  virtual void visit_let(const LetNode* op);

  virtual void visit_buffer_store(const BufferStoreNode* op);
  virtual void visit_for(const ForNode* op);
  virtual void visit_block(const BlockNode* op);
  virtual void visit_block_realize(const BlockRealizeNode* op);
  virtual void visit_seq(const SeqStmtNode* op);
  virtual void visit_if(const IfThenElseNode* op);
  virtual void visit_let_stmt(const LetStmtNode* op);
  virtual void visit_evaluate(const EvaluateNode* op);
  virtual void visit_allocate(const AllocateNode* op);

  /// Called for every buffer region of a block (reads, writes, match sources).
  virtual void visit_region(const BufferRegion& region);
};

/// True if `v` occurs anywhere in `e`.
bool uses_var(const Expr& e, const VarNode* v);

}  // namespace tessera
