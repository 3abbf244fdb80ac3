#include "tessera/ir/parser.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "tessera/ir/intrinsics.h"
#include "tessera/ir/op.h"
#include "tessera/support/error.h"
#include "text_format_common.h"
#include "text_lexer.h"
#include "text_parser.h"

namespace tessera::text_format_detail {

void Parser::define_free(const std::map<std::string, Var>& vars,
                         const std::map<std::string, Buffer>& buffers) {
  for (const auto& [name, v] : vars) var_scopes_.back()[name] = v;
  for (const auto& [name, b] : buffers) {
    buffer_scopes_.back()[name] = b;
    declared_buffers_.emplace(name, 0);
  }
}

PrimFunc Parser::func() {
  expect_keyword("func");
  std::string name = name_token("a function name");
  expect("(");
  std::vector<Buffer> params;
  if (!peek_is(")")) {
    do {
      params.push_back(buffer_decl());
      define_buffer(params.back());
    } while (accept(","));
  }
  expect(")");
  Annotations attrs = maybe_annotations();
  const Token& open = peek();
  expect("{");
  Stmt body = stmt_list();
  expect("}");
  expect_end();
  return checked(open, [&] { return PrimFunc::make(name, params, body, attrs); });
}

Expr Parser::only_expr() {
  Expr e = expr();
  expect_end();
  return e;
}

Stmt Parser::only_stmts() {
  Stmt s = stmt_list();
  expect_end();
  return s;
}

const Token& Parser::peek(size_t ahead) const {
  return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
}

const Token& Parser::next() {
  const Token& t = peek();
  if (pos_ < tokens_.size() - 1) ++pos_;
  return t;
}

bool Parser::peek_is(std::string_view text, size_t ahead) const {
  const Token& t = peek(ahead);
  return (t.kind == TokenKind::kPunct || t.kind == TokenKind::kIdentifier) && t.text == text;
}

bool Parser::accept(std::string_view text) {
  if (!peek_is(text)) return false;
  next();
  return true;
}

void Parser::error_at(const Token& t, const std::string& message) const {
  throw Error(fmt::format("{}:{}:{}: {}\n{}", source_, t.line, t.column, message,
                          lexer_.context_line(t.line, t.column)));
}

void Parser::expect(std::string_view text) {
  if (!peek_is(text))
    error_at(peek(), fmt::format("expected '{}' but found {}", text, describe(peek())));
  next();
}

void Parser::expect_end() {
  if (peek().kind != TokenKind::kEnd)
    error_at(peek(), fmt::format("expected end of input but found {}", describe(peek())));
}

std::string Parser::identifier(const char* what) {
  const Token& t = peek();
  if (t.kind != TokenKind::kIdentifier)
    error_at(t, fmt::format("expected {} but found {}", what, describe(t)));
  if (is_text_format_keyword(t.text))
    error_at(t, fmt::format("expected {} but found the keyword '{}'", what, t.text));
  return next().text;
}

std::string Parser::name_token(const char* what) {
  if (peek().kind == TokenKind::kString) return next().text;
  return identifier(what);
}

void Parser::push_scope() {
  var_scopes_.emplace_back();
  buffer_scopes_.emplace_back();
}

void Parser::pop_scope() {
  var_scopes_.pop_back();
  buffer_scopes_.pop_back();
}

Var Parser::lookup_var(const Token& t) const {
  for (auto it = var_scopes_.rbegin(); it != var_scopes_.rend(); ++it) {
    auto found = it->find(t.text);
    if (found != it->end()) return found->second;
  }
  error_at(t, fmt::format("undefined variable '{}'", t.text));
}

Buffer Parser::lookup_buffer(const Token& t) const {
  for (auto it = buffer_scopes_.rbegin(); it != buffer_scopes_.rend(); ++it) {
    auto found = it->find(t.text);
    if (found != it->end()) return found->second;
  }
  error_at(t, fmt::format("undefined buffer '{}'", t.text));
}

DataType Parser::dtype(const char* what) {
  const Token& t = peek();
  if (t.kind == TokenKind::kIdentifier) {
    if (auto d = DataType::from_string(t.text)) {
      next();
      return *d;
    }
  }
  error_at(t, fmt::format("expected {} (a type such as float32 or int8) but found {}", what,
                          describe(t)));
}

std::vector<Expr> Parser::expr_list(std::string_view close) {
  std::vector<Expr> items;
  if (!peek_is(close)) {
    do {
      items.push_back(expr());
    } while (accept(","));
  }
  expect(close);
  return items;
}

Buffer Parser::buffer_decl() {
  const Token& at = peek();
  std::string name = name_token("a buffer name");
  auto [previous, fresh] = declared_buffers_.emplace(name, at.line);
  if (!fresh) {
    error_at(at, fmt::format("buffer '{}' is already declared (line {}); buffer names are unique "
                             "within a function",
                             name, previous->second));
  }
  expect(":");
  DataType t = dtype("the buffer's element type");
  expect("[");
  std::vector<Expr> shape = expr_list("]");
  std::vector<Expr> strides;
  Expr offset;
  std::string scope = "global";
  if (accept("strides")) {
    expect("[");
    strides = expr_list("]");
  }
  if (accept("offset")) offset = unary();
  if (accept("scope")) {
    if (peek().kind != TokenKind::kString)
      error_at(peek(), fmt::format("expected a scope string such as \"shared\" but found {}",
                                   describe(peek())));
    scope = next().text;
  }
  return checked(at, [&] { return Buffer::make(name, t, shape, strides, offset, scope); });
}

AnnotationValue Parser::annotation_value() {
  const Token& t = peek();
  if (t.kind == TokenKind::kString) return next().text;
  bool negative = accept("-");
  const Token& n = peek();
  if (n.kind != TokenKind::kNumber)
    error_at(n, fmt::format("expected an annotation value (integer, real or string) but found {}",
                            describe(n)));
  next();
  bool is_real = n.text.find_first_of(".eE") != std::string::npos;
  if (is_real) {
    double v = 0;
    auto [p, ec] = std::from_chars(n.text.data(), n.text.data() + n.text.size(), v);
    if (ec != std::errc() || p != n.text.data() + n.text.size())
      error_at(n, fmt::format("malformed real number '{}'", n.text));
    return negative ? -v : v;
  }
  uint64_t magnitude = 0;
  auto [p, ec] = std::from_chars(n.text.data(), n.text.data() + n.text.size(), magnitude);
  if (ec != std::errc() || p != n.text.data() + n.text.size())
    error_at(n, fmt::format("malformed integer '{}'", n.text));
  if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0)) {
    error_at(n, fmt::format("integer {} out of range", n.text));
  }
  return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

Annotations Parser::maybe_annotations() {
  Annotations result;
  if (!accept("with")) return result;
  expect("{");
  if (!peek_is("}")) {
    do {
      const Token& key = peek();
      if (key.kind != TokenKind::kString)
        error_at(key, fmt::format("expected an annotation key string but found {}", describe(key)));
      next();
      expect(":");
      AnnotationValue v = annotation_value();
      if (!result.emplace(key.text, std::move(v)).second)
        error_at(key, fmt::format("duplicate annotation key \"{}\"", key.text));
    } while (accept(","));
  }
  expect("}");
  return result;
}

Stmt Parser::stmt_list() {
  std::vector<Stmt> stmts;
  while (!peek_is("}") && peek().kind != TokenKind::kEnd) stmts.push_back(stmt());
  return make_seq(std::move(stmts));
}

Stmt Parser::braced_body() {
  expect("{");
  push_scope();
  Stmt body = stmt_list();
  pop_scope();
  expect("}");
  return body;
}

Stmt Parser::stmt() {
  DepthGuard guard(*this);
  const Token& t = peek();
  if (t.kind == TokenKind::kIdentifier) {
    if (t.text == "for") return for_stmt();
    if (t.text == "block") return block_stmt(/*bare=*/false);
    if (t.text == "bare") {
      next();
      if (!peek_is("block"))
        error_at(peek(),
                 fmt::format("expected 'block' after 'bare' but found {}", describe(peek())));
      return block_stmt(/*bare=*/true);
    }
    if (t.text == "if") return if_stmt();
    if (t.text == "let") return let_stmt();
    if (t.text == "evaluate") {
      next();
      Expr v = expr();
      expect(";");
      return make_evaluate(v);
    }
    if (t.text == "allocate") {
      next();
      push_scope();
      Buffer b = buffer_decl();
      define_buffer(b);
      Stmt body = braced_body();
      pop_scope();
      return make_allocate(b, body);
    }
  }
  if ((t.kind == TokenKind::kIdentifier || t.kind == TokenKind::kString) && peek_is("[", 1))
    return store_stmt();
  error_at(t, fmt::format("expected a statement (for, block, if, let, evaluate, allocate or a "
                          "store 'A[i] = ...;') but found {}",
                          describe(t)));
}

Stmt Parser::store_stmt() {
  const Token& at = peek();
  next();
  Buffer b = lookup_buffer(at);
  expect("[");
  std::vector<Expr> indices = expr_list("]");
  expect("=");
  Expr value = expr();
  expect(";");
  return checked(at, [&] { return make_store(b, value, indices); });
}

Stmt Parser::for_stmt() {
  const Token& at = next();
  std::string name = identifier("a loop variable name");
  expect("in");
  const Token& kind_token = peek();
  ForKind kind;
  std::string k = kind_token.kind == TokenKind::kIdentifier ? kind_token.text : "";
  if (k == "range")
    kind = ForKind::kSerial;
  else if (k == "parallel")
    kind = ForKind::kParallel;
  else if (k == "vectorized")
    kind = ForKind::kVectorized;
  else if (k == "unrolled")
    kind = ForKind::kUnrolled;
  else if (k == "thread_binding")
    kind = ForKind::kThreadBinding;
  else
    error_at(kind_token, fmt::format("expected a loop kind (range, parallel, vectorized, "
                                     "unrolled, thread_binding) but found {}",
                                     describe(kind_token)));
  next();
  expect("(");
  Expr min = expr();
  expect(",");
  Expr extent = expr();
  std::string tag;
  if (kind == ForKind::kThreadBinding) {
    expect(",");
    if (peek().kind != TokenKind::kString)
      error_at(peek(),
               fmt::format("expected a thread tag string such as \"threadIdx.x\" but found {}",
                           describe(peek())));
    tag = next().text;
  }
  expect(")");
  Annotations ann = maybe_annotations();
  Var v(name, min.dtype());
  push_scope();
  define_var(name, v);
  Stmt body = braced_body();
  pop_scope();
  return checked(at, [&] { return make_for(v, min, extent, kind, body, tag, ann); });
}

Stmt Parser::if_stmt() {
  const Token& at = next();
  Expr c = expr();
  Stmt then_case = braced_body();
  Stmt else_case;
  if (accept("else")) else_case = braced_body();
  return checked(at, [&] { return make_if(c, then_case, else_case); });
}

Stmt Parser::let_stmt() {
  const Token& at = next();
  std::string name = identifier("a variable name");
  expect("=");
  Expr value = expr();
  Var v(name, value.dtype());
  push_scope();
  define_var(name, v);
  Stmt body = braced_body();
  pop_scope();
  return checked(at, [&] { return make_let_stmt(v, value, body); });
}

Range Parser::region_range() {
  const Token& at = peek();
  Expr min = expr();
  Expr extent = accept(":+") ? mul_level() : make_int(1, min.dtype());
  return checked(at, [&] { return Range::from_min_extent(min, extent); });
}

BufferRegion Parser::region() {
  const Token& at = peek();
  if (at.kind != TokenKind::kIdentifier && at.kind != TokenKind::kString) {
    error_at(
        at, fmt::format("expected a buffer region such as A[i, 0:+16] but found {}", describe(at)));
  }
  next();
  BufferRegion r{lookup_buffer(at), {}};
  expect("[");
  if (!peek_is("]")) {
    do {
      r.region.push_back(region_range());
    } while (accept(","));
  }
  expect("]");
  if (r.region.size() != r.buffer.ndim()) {
    error_at(at, fmt::format("region of buffer '{}' has {} dimensions, the buffer has {}",
                             r.buffer->name, r.region.size(), r.buffer.ndim()));
  }
  return r;
}

std::vector<BufferRegion> Parser::region_list(const char* keyword, const std::string& block) {
  if (!peek_is(keyword)) {
    error_at(peek(),
             fmt::format("block '{}': expected {}(...) listing its buffer regions but found {}",
                         block, keyword, describe(peek())));
  }
  next();
  expect("(");
  std::vector<BufferRegion> regions;
  if (!peek_is(")")) {
    do {
      regions.push_back(region());
    } while (accept(","));
  }
  expect(")");
  expect(";");
  return regions;
}

Stmt Parser::block_stmt(bool bare) {
  const Token& at = next();  // 'block'
  BlockFields f;
  f.name = name_token("a block name");
  expect("(");
  std::vector<std::string> names;
  std::vector<Expr> bindings;
  struct Pending {
    std::string name;
    IterKind kind;
    Range dom;
  };
  std::vector<Pending> pending;
  if (!peek_is(")")) {
    do {
      std::string name = identifier("an iteration variable name");
      expect(":");
      const Token& kt = peek();
      IterKind kind;
      if (peek_is("spatial"))
        kind = IterKind::kSpatial;
      else if (peek_is("reduce"))
        kind = IterKind::kReduce;
      else
        error_at(kt, fmt::format("expected 'spatial' or 'reduce' but found {}", describe(kt)));
      next();
      expect("(");
      Expr min = expr();
      expect(",");
      Expr extent = expr();
      expect(")");
      Range dom = checked(kt, [&] { return Range::from_min_extent(min, extent); });
      if (!bare) {
        expect("=");
        bindings.push_back(expr());
      }
      pending.push_back({name, kind, dom});
    } while (accept(","));
  }
  expect(")");
  Expr predicate = make_bool(true);
  if (!bare && accept("where")) predicate = expr();
  f.annotations = maybe_annotations();
  expect("{");
  push_scope();
  for (const Pending& p : pending) {
    Var v(p.name, p.dom.min.dtype());
    define_var(p.name, v);
    f.iter_vars.push_back(IterVar{v, p.dom, p.kind});
  }
  f.reads = region_list("reads", f.name);
  f.writes = region_list("writes", f.name);
  while (peek_is("alloc") || peek_is("match")) {
    bool is_alloc = next().text == "alloc";
    Buffer b = buffer_decl();
    if (is_alloc) {
      f.alloc_buffers.push_back(b);
    } else {
      expect("=");
      f.match_buffers.push_back(MatchBufferRegion{b, region()});
    }
    expect(";");
    define_buffer(b);
  }
  if (accept("init")) f.init = braced_body();
  f.body = stmt_list();
  pop_scope();
  expect("}");
  Stmt block = checked(at, [&] { return make_block(std::move(f)); });
  if (bare) return block;
  return checked(at, [&] { return make_block_realize(bindings, predicate, block); });
}

}  // namespace tessera::text_format_detail

namespace tessera {

using text_format_detail::Parser;

PrimFunc parse_prim_func(std::string_view text, std::string_view source_name) {
  return Parser(text, source_name).func();
}

Expr parse_expr(std::string_view text, const std::map<std::string, Var>& vars,
                const std::map<std::string, Buffer>& buffers, std::string_view source_name) {
  Parser p(text, source_name);
  p.define_free(vars, buffers);
  return p.only_expr();
}

Stmt parse_stmt(std::string_view text, const std::map<std::string, Var>& vars,
                const std::map<std::string, Buffer>& buffers, std::string_view source_name) {
  Parser p(text, source_name);
  p.define_free(vars, buffers);
  return p.only_stmts();
}

}  // namespace tessera
