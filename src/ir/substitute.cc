#include "tessera/ir/substitute.h"

#include "tessera/ir/mutator.h"

namespace tessera {
namespace {

class Substituter : public IRMutator {
 public:
  explicit Substituter(const VarMap& map) : map_(map) {}

 protected:
  Expr mutate_var(const Expr& e) override {
    auto it = map_.find(e.as<VarNode>());
    return it == map_.end() ? e : it->second;
  }

 private:
  const VarMap& map_;
};

}  // namespace

Expr substitute(const Expr& e, const VarMap& map) {
  if (map.empty()) return e;
  return Substituter(map).mutate_expr(e);
}

Stmt substitute(const Stmt& s, const VarMap& map) {
  if (map.empty()) return s;
  return Substituter(map).mutate_stmt(s);
}

}  // namespace tessera
