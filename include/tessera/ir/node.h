// Base classes of the IR: immutable, reference-counted nodes behind small value handles.
//
// `Expr` and `Stmt` are handles (a shared pointer to a const node). Nodes are never
// modified once a handle points at them; passes build new nodes and share every
// unchanged subtree (copy-on-write). Downcast with `as<T>()`, which returns nullptr
// when the node is of another kind:
//
//   if (const auto* add = e.as<BinaryNode>()) ...
#pragma once

#include <memory>
#include <string>

#include "tessera/ir/data_type.h"

namespace tessera {

enum class ExprKind : uint8_t {
  kIntImm,
  kFloatImm,
  kVar,
  // Binary operators (BinaryNode), in this order; see is_binary().
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kFloorDiv,
  kFloorMod,
  kMin,
  kMax,
  kEQ,
  kNE,
  kLT,
  kLE,
  kGT,
  kGE,
  kAnd,
  kOr,
  kNot,
  kSelect,
  kCast,
  kBufferLoad,
  kCall,
  kRamp,
  kBroadcast,
  kLet,
};

constexpr bool is_binary(ExprKind k) { return k >= ExprKind::kAdd && k <= ExprKind::kOr; }
constexpr bool is_comparison(ExprKind k) { return k >= ExprKind::kEQ && k <= ExprKind::kGE; }
/// Name of a kind as used in messages ("Add", "FloorDiv", ...).
const char* expr_kind_name(ExprKind kind);

class ExprNode {
 public:
  ExprNode(ExprKind kind, DataType dtype) : kind(kind), dtype(dtype) {}
  virtual ~ExprNode() = default;
  ExprKind kind;
  DataType dtype;
};

class Expr {
 public:
  Expr() = default;
  explicit Expr(std::shared_ptr<const ExprNode> node) : node_(std::move(node)) {}

  bool defined() const { return node_ != nullptr; }
  explicit operator bool() const { return defined(); }
  const ExprNode* get() const { return node_.get(); }
  const ExprNode* operator->() const { return node_.get(); }
  ExprKind kind() const { return node_->kind; }
  DataType dtype() const { return node_->dtype; }
  /// Same node (not structural equality; see structural_equal).
  bool same_as(const Expr& other) const { return node_ == other.node_; }

  template <typename T>
  const T* as() const {
    if (node_ == nullptr || !T::matches(node_->kind)) return nullptr;
    return static_cast<const T*>(node_.get());
  }

  const std::shared_ptr<const ExprNode>& node() const { return node_; }

 private:
  std::shared_ptr<const ExprNode> node_;
};

enum class StmtKind : uint8_t {
  kBufferStore,
  kFor,
  kBlock,
  kBlockRealize,
  kSeqStmt,
  kIfThenElse,
  kLetStmt,
  kEvaluate,
  kAllocate,
};
const char* stmt_kind_name(StmtKind kind);

class StmtNode {
 public:
  explicit StmtNode(StmtKind kind) : kind(kind) {}
  virtual ~StmtNode() = default;
  StmtKind kind;
};

class Stmt {
 public:
  Stmt() = default;
  explicit Stmt(std::shared_ptr<const StmtNode> node) : node_(std::move(node)) {}

  bool defined() const { return node_ != nullptr; }
  explicit operator bool() const { return defined(); }
  const StmtNode* get() const { return node_.get(); }
  const StmtNode* operator->() const { return node_.get(); }
  StmtKind kind() const { return node_->kind; }
  bool same_as(const Stmt& other) const { return node_ == other.node_; }

  template <typename T>
  const T* as() const {
    if (node_ == nullptr || node_->kind != T::kKind) return nullptr;
    return static_cast<const T*>(node_.get());
  }

  const std::shared_ptr<const StmtNode>& node() const { return node_; }

 private:
  std::shared_ptr<const StmtNode> node_;
};

}  // namespace tessera
