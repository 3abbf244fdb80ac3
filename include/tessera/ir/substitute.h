// Variable substitution: replace variables by expressions throughout an
// expression or statement (copy-on-write: untouched subtrees are shared).
//
//   Expr e2 = substitute(e, {{i.get(), vi}});
#pragma once

#include <unordered_map>

#include "tessera/ir/stmt.h"

namespace tessera {

using VarMap = std::unordered_map<const VarNode*, Expr>;

Expr substitute(const Expr& e, const VarMap& map);
Stmt substitute(const Stmt& s, const VarMap& map);

}  // namespace tessera
