// The IR text format: a readable, parseable rendering of functions, statements and
// expressions. `parse_prim_func(print(f))` is structurally equal to `f`. The
// grammar is documented in docs/ir-text-format.md.
//
//   std::cout << print(func);
#pragma once

#include <string>

#include "tessera/ir/function.h"

namespace tessera {

std::string print(const PrimFunc& func);
std::string print(const Stmt& stmt);
std::string print(const Expr& expr);

/// True if `name` can be written unquoted (an identifier that is not a keyword).
bool is_plain_identifier(const std::string& name);

}  // namespace tessera

namespace tessera {

/// Prints `func` with a marker comment ("# <== note") at the end of the line where
/// the statement `marked` (a For or Block/BlockRealize node) begins.
std::string print_marked(const PrimFunc& func, const StmtNode* marked, const std::string& note);

}  // namespace tessera
