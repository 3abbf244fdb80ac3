// PrimFunc: a tensor program. Its parameters are buffers (inputs first, then
// outputs, by convention), its body is normally the realization of a root block,
// and attributes hold function-level facts ("global_symbol", ...).
//
// Every parameter is a buffer: tessera's programs have static shapes, so the
// handle-plus-buffer-map indirection other IRs use buys nothing here.
//
//   PrimFunc f = PrimFunc::make("gemm", {a, b, c}, body);
#pragma once

#include "tessera/ir/stmt.h"

namespace tessera {

class PrimFuncNode {
 public:
  std::string name;
  std::vector<Buffer> params;
  Stmt body;
  Annotations attrs;
};

class PrimFunc {
 public:
  PrimFunc() = default;
  explicit PrimFunc(std::shared_ptr<const PrimFuncNode> node) : node_(std::move(node)) {}
  /// Checks that parameter buffers are distinct and have distinct names.
  static PrimFunc make(std::string name, std::vector<Buffer> params, Stmt body,
                       Annotations attrs = {});

  bool defined() const { return node_ != nullptr; }
  const PrimFuncNode* get() const { return node_.get(); }
  const PrimFuncNode* operator->() const { return node_.get(); }
  bool same_as(const PrimFunc& other) const { return node_ == other.node_; }

  PrimFunc with_body(Stmt body) const;
  /// The root block's realization when the body is one; nullptr after lowering.
  const BlockRealizeNode* root_realize() const { return node_->body.as<BlockRealizeNode>(); }

 private:
  std::shared_ptr<const PrimFuncNode> node_;
};

}  // namespace tessera
