// Statement nodes: stores, loops, blocks and their realizations, sequences,
// conditionals, let-bindings, evaluations and (after lowering) allocations.
//
// A Block is the unit scheduling reasons about: iteration variables (spatial or
// reduction, each with a domain), the regions it reads and writes, an optional
// `init` (the reduction identity, run when every reduction variable is at its
// domain's minimum), buffers it allocates, matched sub-buffers and annotations.
// A BlockRealize binds the block's iteration variables to expressions of the
// surrounding loops, under a predicate.
//
//   Stmt loop = make_for(i, make_int(0), make_int(512), ForKind::kSerial, body);
#pragma once

#include <map>
#include <string>
#include <variant>
#include <vector>

#include "tessera/ir/expr.h"

namespace tessera {

/// Annotation values are plain data: integers, reals or strings.
using AnnotationValue = std::variant<int64_t, double, std::string>;
/// Ordered by key so printing and hashing are deterministic.
using Annotations = std::map<std::string, AnnotationValue>;

enum class ForKind : uint8_t { kSerial, kParallel, kVectorized, kUnrolled, kThreadBinding };
const char* for_kind_name(
    ForKind kind);  // "range", "parallel", "vectorized", "unrolled", "thread_binding"

enum class IterKind : uint8_t { kSpatial, kReduce };
const char* iter_kind_name(IterKind kind);  // "spatial", "reduce"

struct IterVar {
  Var var;
  Range dom;
  IterKind kind = IterKind::kSpatial;
};

struct MatchBufferRegion {
  Buffer buffer;        // the view, declared by the block
  BufferRegion source;  // the region of an outer buffer it aliases
};

class BufferStoreNode : public StmtNode {
 public:
  static constexpr StmtKind kKind = StmtKind::kBufferStore;
  BufferStoreNode() : StmtNode(kKind) {}
  Buffer buffer;
  Expr value;
  std::vector<Expr> indices;
};

class ForNode : public StmtNode {
 public:
  static constexpr StmtKind kKind = StmtKind::kFor;
  ForNode() : StmtNode(kKind) {}
  Var loop_var;
  Expr min, extent;
  ForKind for_kind = ForKind::kSerial;
  Stmt body;
  std::string thread_tag;  // for kThreadBinding: "blockIdx.x", "threadIdx.y", ...
  Annotations annotations;
};

class BlockNode : public StmtNode {
 public:
  static constexpr StmtKind kKind = StmtKind::kBlock;
  BlockNode() : StmtNode(kKind) {}
  std::string name;
  std::vector<IterVar> iter_vars;
  std::vector<BufferRegion> reads;
  std::vector<BufferRegion> writes;
  Stmt init;  // may be undefined
  Stmt body;
  std::vector<Buffer> alloc_buffers;
  std::vector<MatchBufferRegion> match_buffers;
  Annotations annotations;
};

class BlockRealizeNode : public StmtNode {
 public:
  static constexpr StmtKind kKind = StmtKind::kBlockRealize;
  BlockRealizeNode() : StmtNode(kKind) {}
  std::vector<Expr> iter_values;  // one per block iteration variable
  Expr predicate;                 // bool
  Stmt block;                     // always a Block
  const BlockNode* block_node() const { return block.as<BlockNode>(); }
};

class SeqStmtNode : public StmtNode {
 public:
  static constexpr StmtKind kKind = StmtKind::kSeqStmt;
  SeqStmtNode() : StmtNode(kKind) {}
  std::vector<Stmt> seq;  // never a nested SeqStmt; never exactly one element
};

class IfThenElseNode : public StmtNode {
 public:
  static constexpr StmtKind kKind = StmtKind::kIfThenElse;
  IfThenElseNode() : StmtNode(kKind) {}
  Expr condition;
  Stmt then_case;
  Stmt else_case;  // may be undefined
};

class LetStmtNode : public StmtNode {
 public:
  static constexpr StmtKind kKind = StmtKind::kLetStmt;
  LetStmtNode() : StmtNode(kKind) {}
  Var var;
  Expr value;
  Stmt body;
};

class EvaluateNode : public StmtNode {
 public:
  static constexpr StmtKind kKind = StmtKind::kEvaluate;
  EvaluateNode() : StmtNode(kKind) {}
  Expr value;
};

/// Storage for `buffer` that lives while `body` runs (introduced by lowering).
class AllocateNode : public StmtNode {
 public:
  static constexpr StmtKind kKind = StmtKind::kAllocate;
  AllocateNode() : StmtNode(kKind) {}
  Buffer buffer;
  Stmt body;
};

// Constructors check their invariants and throw Error with the reason.
Stmt make_store(Buffer buffer, Expr value, std::vector<Expr> indices);
Stmt make_for(Var loop_var, Expr min, Expr extent, ForKind kind, Stmt body,
              std::string thread_tag = "", Annotations annotations = {});
/// Fields of a block, for make_block.
struct BlockFields {
  std::string name;
  std::vector<IterVar> iter_vars;
  std::vector<BufferRegion> reads;
  std::vector<BufferRegion> writes;
  Stmt init;
  Stmt body;
  std::vector<Buffer> alloc_buffers;
  std::vector<MatchBufferRegion> match_buffers;
  Annotations annotations;
};
Stmt make_block(BlockFields fields);
Stmt make_block_realize(std::vector<Expr> iter_values, Expr predicate, Stmt block);
/// Flattens nested sequences; a sequence of one statement is that statement.
Stmt make_seq(std::vector<Stmt> seq);
Stmt make_if(Expr condition, Stmt then_case, Stmt else_case = Stmt());
Stmt make_let_stmt(Var var, Expr value, Stmt body);
Stmt make_evaluate(Expr value);
Stmt make_allocate(Buffer buffer, Stmt body);

}  // namespace tessera
