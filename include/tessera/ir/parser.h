// Parser for the IR text format (docs/ir-text-format.md).
//
// Errors are tessera::Error with the source name, line and column, the offending
// line with a caret under the problem, and what was expected:
//
//   gemm.tir:4:21: expected ']' but found ';'
//     C[vi, vj = 0f32;
//             ^
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "tessera/ir/function.h"

namespace tessera {

/// Parses a file holding one function.
PrimFunc parse_prim_func(std::string_view text, std::string_view source_name = "<input>");

/// Parses one expression; names in `vars` and `buffers` may be referenced freely.
Expr parse_expr(std::string_view text, const std::map<std::string, Var>& vars = {},
                const std::map<std::string, Buffer>& buffers = {},
                std::string_view source_name = "<input>");

/// Parses a statement sequence; free names resolve through `vars` and `buffers`.
Stmt parse_stmt(std::string_view text, const std::map<std::string, Var>& vars = {},
                const std::map<std::string, Buffer>& buffers = {},
                std::string_view source_name = "<input>");

}  // namespace tessera
