// The parser of the IR text format (internal to src/ir): recursive descent over the
// lexer's tokens, with scopes for variables and buffers; errors name the line and column.
// Declarations, statements and the function are parsed in parser.cc, expressions in
// parser_expressions.cc.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/ir/stmt.h"
#include "text_lexer.h"

namespace tessera::text_format_detail {

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : source_(source), lexer_(text, source_) {
    tokens_ = lexer_.run();
    var_scopes_.emplace_back();
    buffer_scopes_.emplace_back();
  }

  void define_free(const std::map<std::string, Var>& vars,
                   const std::map<std::string, Buffer>& buffers);

  PrimFunc func();

  Expr only_expr();

  Stmt only_stmts();

 private:
  // ---- token helpers -------------------------------------------------------
  const Token& peek(size_t ahead = 0) const;
  const Token& next();
  bool peek_is(std::string_view text, size_t ahead = 0) const;
  bool accept(std::string_view text);

  [[noreturn]] void error_at(const Token& t, const std::string& message) const;

  void expect(std::string_view text);
  void expect_keyword(std::string_view word) { expect(word); }
  void expect_end();

  std::string identifier(const char* what);

  /// A name that may also be written as a quoted string (functions, blocks, buffers).
  std::string name_token(const char* what);

  template <typename F>
  auto checked(const Token& at, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const Error& e) {
      error_at(at, e.message());
    }
  }

  // ---- scopes -----------------------------------------------------------------
  void push_scope();
  void pop_scope();
  void define_var(const std::string& name, const Var& v) { var_scopes_.back()[name] = v; }
  void define_buffer(const Buffer& b) { buffer_scopes_.back()[b->name] = b; }

  Var lookup_var(const Token& t) const;

  Buffer lookup_buffer(const Token& t) const;

  // ---- declarations -----------------------------------------------------------
  DataType dtype(const char* what);

  std::vector<Expr> expr_list(std::string_view close);

  // Buffer names are part of a program's identity, so they are unique within a
  // function: a second declaration of a name is an error, not a shadowing.
  Buffer buffer_decl();

  AnnotationValue annotation_value();

  Annotations maybe_annotations();

  // ---- statements -------------------------------------------------------------
  Stmt stmt_list();

  Stmt braced_body();

  Stmt stmt();

  Stmt store_stmt();

  Stmt for_stmt();

  Stmt if_stmt();

  Stmt let_stmt();

  Range region_range();

  BufferRegion region();

  std::vector<BufferRegion> region_list(const char* keyword, const std::string& block);

  Stmt block_stmt(bool bare);

  // ---- expressions ------------------------------------------------------------
  Expr binary(const Token& at, ExprKind op, Expr a, Expr b);

  // Recursion guard: deeply nested input is an error, not a stack overflow.
  class DepthGuard {
   public:
    explicit DepthGuard(Parser& p) : p_(p) {
      if (++p_.depth_ > kMaxDepth)
        p_.error_at(p_.peek(), fmt::format("nesting deeper than {} levels", kMaxDepth));
    }
    ~DepthGuard() { --p_.depth_; }

   private:
    Parser& p_;
  };
  static constexpr int kMaxDepth = 256;

  Expr expr();

  Expr and_level();

  std::optional<ExprKind> comparison_op() const;

  Expr comparison_level();

  Expr add_level();

  Expr mul_level();

  Expr unary();

  Expr number(const Token& t, bool negative);

  int lanes_literal();

  Expr primary();

  Expr load();

  std::string source_;
  Lexer lexer_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::map<std::string, int> declared_buffers_;  // name -> line of its declaration
  std::vector<std::map<std::string, Var>> var_scopes_;
  std::vector<std::map<std::string, Buffer>> buffer_scopes_;
};

}  // namespace tessera::text_format_detail
