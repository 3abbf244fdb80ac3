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

namespace tessera {
namespace {

using text_format_detail::describe;
using text_format_detail::Lexer;
using text_format_detail::Token;
using text_format_detail::TokenKind;

class Parser {
 public:
  Parser(std::string_view text, std::string_view source) : source_(source), lexer_(text, source_) {
    tokens_ = lexer_.run();
    var_scopes_.emplace_back();
    buffer_scopes_.emplace_back();
  }

  void define_free(const std::map<std::string, Var>& vars,
                   const std::map<std::string, Buffer>& buffers) {
    for (const auto& [name, v] : vars) var_scopes_.back()[name] = v;
    for (const auto& [name, b] : buffers) {
      buffer_scopes_.back()[name] = b;
      declared_buffers_.emplace(name, 0);
    }
  }

  PrimFunc func() {
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

  Expr only_expr() {
    Expr e = expr();
    expect_end();
    return e;
  }

  Stmt only_stmts() {
    Stmt s = stmt_list();
    expect_end();
    return s;
  }

 private:
  // ---- token helpers -------------------------------------------------------
  const Token& peek(size_t ahead = 0) const {
    return tokens_[std::min(pos_ + ahead, tokens_.size() - 1)];
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  bool peek_is(std::string_view text, size_t ahead = 0) const {
    const Token& t = peek(ahead);
    return (t.kind == TokenKind::kPunct || t.kind == TokenKind::kIdentifier) && t.text == text;
  }
  bool accept(std::string_view text) {
    if (!peek_is(text)) return false;
    next();
    return true;
  }

  [[noreturn]] void error_at(const Token& t, const std::string& message) const {
    throw Error(fmt::format("{}:{}:{}: {}\n{}", source_, t.line, t.column, message,
                            lexer_.context_line(t.line, t.column)));
  }

  void expect(std::string_view text) {
    if (!peek_is(text))
      error_at(peek(), fmt::format("expected '{}' but found {}", text, describe(peek())));
    next();
  }
  void expect_keyword(std::string_view word) { expect(word); }
  void expect_end() {
    if (peek().kind != TokenKind::kEnd)
      error_at(peek(), fmt::format("expected end of input but found {}", describe(peek())));
  }

  std::string identifier(const char* what) {
    const Token& t = peek();
    if (t.kind != TokenKind::kIdentifier)
      error_at(t, fmt::format("expected {} but found {}", what, describe(t)));
    if (is_text_format_keyword(t.text))
      error_at(t, fmt::format("expected {} but found the keyword '{}'", what, t.text));
    return next().text;
  }

  /// A name that may also be written as a quoted string (functions, blocks, buffers).
  std::string name_token(const char* what) {
    if (peek().kind == TokenKind::kString) return next().text;
    return identifier(what);
  }

  template <typename F>
  auto checked(const Token& at, F&& f) -> decltype(f()) {
    try {
      return f();
    } catch (const Error& e) {
      error_at(at, e.message());
    }
  }

  // ---- scopes -----------------------------------------------------------------
  void push_scope() {
    var_scopes_.emplace_back();
    buffer_scopes_.emplace_back();
  }
  void pop_scope() {
    var_scopes_.pop_back();
    buffer_scopes_.pop_back();
  }
  void define_var(const std::string& name, const Var& v) { var_scopes_.back()[name] = v; }
  void define_buffer(const Buffer& b) { buffer_scopes_.back()[b->name] = b; }

  Var lookup_var(const Token& t) const {
    for (auto it = var_scopes_.rbegin(); it != var_scopes_.rend(); ++it) {
      auto found = it->find(t.text);
      if (found != it->end()) return found->second;
    }
    error_at(t, fmt::format("undefined variable '{}'", t.text));
  }

  Buffer lookup_buffer(const Token& t) const {
    for (auto it = buffer_scopes_.rbegin(); it != buffer_scopes_.rend(); ++it) {
      auto found = it->find(t.text);
      if (found != it->end()) return found->second;
    }
    error_at(t, fmt::format("undefined buffer '{}'", t.text));
  }

  // ---- declarations -----------------------------------------------------------
  DataType dtype(const char* what) {
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

  std::vector<Expr> expr_list(std::string_view close) {
    std::vector<Expr> items;
    if (!peek_is(close)) {
      do {
        items.push_back(expr());
      } while (accept(","));
    }
    expect(close);
    return items;
  }

  // Buffer names are part of a program's identity, so they are unique within a
  // function: a second declaration of a name is an error, not a shadowing.
  Buffer buffer_decl() {
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

  AnnotationValue annotation_value() {
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
    if (magnitude >
        static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0)) {
      error_at(n, fmt::format("integer {} out of range", n.text));
    }
    return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  }

  Annotations maybe_annotations() {
    Annotations result;
    if (!accept("with")) return result;
    expect("{");
    if (!peek_is("}")) {
      do {
        const Token& key = peek();
        if (key.kind != TokenKind::kString)
          error_at(key,
                   fmt::format("expected an annotation key string but found {}", describe(key)));
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

  // ---- statements -------------------------------------------------------------
  Stmt stmt_list() {
    std::vector<Stmt> stmts;
    while (!peek_is("}") && peek().kind != TokenKind::kEnd) stmts.push_back(stmt());
    return make_seq(std::move(stmts));
  }

  Stmt braced_body() {
    expect("{");
    push_scope();
    Stmt body = stmt_list();
    pop_scope();
    expect("}");
    return body;
  }

  Stmt stmt() {
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

  Stmt store_stmt() {
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

  Stmt for_stmt() {
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

  Stmt if_stmt() {
    const Token& at = next();
    Expr c = expr();
    Stmt then_case = braced_body();
    Stmt else_case;
    if (accept("else")) else_case = braced_body();
    return checked(at, [&] { return make_if(c, then_case, else_case); });
  }

  Stmt let_stmt() {
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

  Range region_range() {
    const Token& at = peek();
    Expr min = expr();
    Expr extent = accept(":+") ? mul_level() : make_int(1, min.dtype());
    return checked(at, [&] { return Range::from_min_extent(min, extent); });
  }

  BufferRegion region() {
    const Token& at = peek();
    if (at.kind != TokenKind::kIdentifier && at.kind != TokenKind::kString) {
      error_at(at, fmt::format("expected a buffer region such as A[i, 0:+16] but found {}",
                               describe(at)));
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

  std::vector<BufferRegion> region_list(const char* keyword, const std::string& block) {
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

  Stmt block_stmt(bool bare) {
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

  // ---- expressions ------------------------------------------------------------
  Expr binary(const Token& at, ExprKind op, Expr a, Expr b) {
    return checked(at, [&] { return make_binary(op, std::move(a), std::move(b)); });
  }

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

  Expr expr() {
    DepthGuard guard(*this);
    Expr left = and_level();
    while (peek_is("||")) {
      const Token& at = next();
      left = binary(at, ExprKind::kOr, left, and_level());
    }
    return left;
  }

  Expr and_level() {
    Expr left = comparison_level();
    while (peek_is("&&")) {
      const Token& at = next();
      left = binary(at, ExprKind::kAnd, left, comparison_level());
    }
    return left;
  }

  std::optional<ExprKind> comparison_op() const {
    static const std::pair<const char*, ExprKind> kOps[] = {
        {"==", ExprKind::kEQ}, {"!=", ExprKind::kNE}, {"<", ExprKind::kLT},
        {"<=", ExprKind::kLE}, {">", ExprKind::kGT},  {">=", ExprKind::kGE}};
    if (peek().kind != TokenKind::kPunct) return std::nullopt;
    for (const auto& [text, op] : kOps) {
      if (peek().text == text) return op;
    }
    return std::nullopt;
  }

  Expr comparison_level() {
    Expr left = add_level();
    if (auto op = comparison_op()) {
      const Token& at = next();
      left = binary(at, *op, left, add_level());
      if (comparison_op()) error_at(peek(), "comparisons do not chain; add parentheses");
    }
    return left;
  }

  Expr add_level() {
    Expr left = mul_level();
    while (peek_is("+") || peek_is("-")) {
      const Token& at = next();
      left = binary(at, at.text == "+" ? ExprKind::kAdd : ExprKind::kSub, left, mul_level());
    }
    return left;
  }

  Expr mul_level() {
    Expr left = unary();
    while (peek_is("*") || peek_is("/") || peek_is("%")) {
      const Token& at = next();
      ExprKind op = at.text == "*"   ? ExprKind::kMul
                    : at.text == "/" ? ExprKind::kDiv
                                     : ExprKind::kMod;
      left = binary(at, op, left, unary());
    }
    return left;
  }

  Expr unary() {
    DepthGuard guard(*this);
    if (peek_is("!")) {
      const Token& at = next();
      Expr a = unary();
      return checked(at, [&] { return make_not(a); });
    }
    if (peek_is("-")) {
      const Token& at = next();
      if (peek().kind == TokenKind::kNumber) return number(next(), /*negative=*/true);
      Expr a = unary();
      return checked(at, [&] { return make_binary(ExprKind::kSub, make_const(a.dtype(), 0), a); });
    }
    return primary();
  }

  Expr number(const Token& t, bool negative) {
    const std::string& text = t.text;
    // Digits, '.', an exponent ('e' then a digit or sign), then the type suffix.
    size_t suffix_at = 0;
    while (suffix_at < text.size()) {
      const char c = text[suffix_at];
      const bool exponent = (c == 'e' || c == 'E') && suffix_at + 1 < text.size() &&
                            (std::isdigit(static_cast<unsigned char>(text[suffix_at + 1])) ||
                             text[suffix_at + 1] == '+' || text[suffix_at + 1] == '-');
      if (std::isalpha(static_cast<unsigned char>(c)) && !exponent) break;
      suffix_at += exponent ? 2 : 1;
    }
    std::string digits = text.substr(0, suffix_at);
    std::string suffix = text.substr(suffix_at);
    bool looks_real = digits.find_first_of(".eE") != std::string::npos;
    DataType type = DataType::int32();
    if (suffix.empty()) {
      type = looks_real ? DataType::float32() : DataType::int32();
    } else if (suffix == "bf16") {
      type = DataType::bfloat16();
    } else {
      std::string name;
      if (suffix[0] == 'i')
        name = "int" + suffix.substr(1);
      else if (suffix[0] == 'u')
        name = "uint" + suffix.substr(1);
      else if (suffix[0] == 'f')
        name = "float" + suffix.substr(1);
      auto d = DataType::from_string(name);
      if (!d || name.empty())
        error_at(t, fmt::format(
                        "unknown literal suffix '{}' (use i8..i64, u8..u64, f16, f32, f64 or bf16)",
                        suffix));
      type = *d;
    }
    if (type.is_floating()) {
      double v = 0;
      auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
      if (ec != std::errc() || p != digits.data() + digits.size())
        error_at(t, fmt::format("malformed number '{}'", text));
      return make_float(negative ? -v : v, type);
    }
    if (looks_real)
      error_at(t, fmt::format("'{}' has a fraction or exponent but an integer type", text));
    uint64_t magnitude = 0;
    auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), magnitude);
    if (ec != std::errc() || p != digits.data() + digits.size())
      error_at(t, fmt::format("integer '{}' out of range", text));
    if (magnitude >
        static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0)) {
      error_at(t, fmt::format("integer '{}{}' out of range", negative ? "-" : "", text));
    }
    int64_t value =
        negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
    return checked(t, [&] { return make_int(value, type); });
  }

  int lanes_literal() {
    const Token& t = peek();
    if (t.kind != TokenKind::kNumber)
      error_at(t, fmt::format("expected a lane count but found {}", describe(t)));
    next();
    int lanes = 0;
    auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), lanes);
    if (ec != std::errc() || p != t.text.data() + t.text.size())
      error_at(t, fmt::format("malformed lane count '{}'", t.text));
    return lanes;
  }

  Expr primary() {
    const Token& t = peek();
    if (t.kind == TokenKind::kNumber) return number(next(), false);
    if (t.kind == TokenKind::kPunct && t.text == "(") {
      next();
      if (peek_is("let")) {
        const Token& at = next();
        std::string name = identifier("a variable name");
        expect("=");
        Expr value = expr();
        expect("in");
        Var v(name, value.dtype());
        push_scope();
        define_var(name, v);
        Expr body = expr();
        pop_scope();
        expect(")");
        return checked(at, [&] { return make_let(v, value, body); });
      }
      Expr inner = expr();
      expect(")");
      return inner;
    }
    if (t.kind == TokenKind::kString && peek_is("[", 1)) return load();
    if (t.kind != TokenKind::kIdentifier)
      error_at(t, fmt::format("expected an expression but found {}", describe(t)));
    const std::string& word = t.text;
    if (peek_is("[", 1)) return load();
    if (word == "true" || word == "false") {
      next();
      return make_bool(word == "true");
    }
    if (peek_is("(", 1)) {
      if (auto d = DataType::from_string(word)) {
        next();
        next();
        bool negative = accept("-");
        const Token& v = peek();
        if (!(v.kind == TokenKind::kIdentifier && (v.text == "inf" || v.text == "nan"))) {
          error_at(v, fmt::format("expected inf or nan in {}(...) (write casts as cast({}, x))",
                                  word, word));
        }
        next();
        expect(")");
        double value = v.text == "inf" ? std::numeric_limits<double>::infinity()
                                       : std::numeric_limits<double>::quiet_NaN();
        return checked(t, [&] { return make_float(negative ? -value : value, *d); });
      }
      if (word == "select") {
        next();
        next();
        std::vector<Expr> args = expr_list(")");
        if (args.size() != 3)
          error_at(t, fmt::format("select takes 3 arguments, got {}", args.size()));
        return checked(t, [&] { return make_select(args[0], args[1], args[2]); });
      }
      if (word == "cast") {
        next();
        next();
        DataType d = dtype("the target type of the cast");
        expect(",");
        Expr v = expr();
        expect(")");
        return checked(t, [&] { return make_cast(d, v); });
      }
      if (word == "ramp" || word == "broadcast") {
        next();
        next();
        Expr base = expr();
        expect(",");
        Expr stride;
        if (word == "ramp") {
          stride = expr();
          expect(",");
        }
        int lanes = lanes_literal();
        expect(")");
        return checked(t, [&] {
          return word == "ramp" ? make_ramp(base, stride, lanes) : make_broadcast(base, lanes);
        });
      }
      static const std::pair<const char*, ExprKind> kFunctions[] = {
          {"min", ExprKind::kMin},
          {"max", ExprKind::kMax},
          {"floordiv", ExprKind::kFloorDiv},
          {"floormod", ExprKind::kFloorMod}};
      for (const auto& [fn, op] : kFunctions) {
        if (word != fn) continue;
        next();
        next();
        std::vector<Expr> args = expr_list(")");
        if (args.size() != 2)
          error_at(t, fmt::format("{} takes 2 arguments, got {}", word, args.size()));
        return binary(t, op, args[0], args[1]);
      }
      if (find_builtin_intrinsic(word) != nullptr) {
        next();
        next();
        std::vector<Expr> args = expr_list(")");
        if (args.empty()) error_at(t, fmt::format("{} needs arguments", word));
        DataType result =
            word == "if_then_else" && args.size() == 3 ? args[1].dtype() : args[0].dtype();
        return checked(t, [&] { return make_call(result, word, args); });
      }
    }
    if (word == "call" && peek_is("<", 1)) {
      next();
      next();
      DataType d = dtype("the call's result type");
      expect(">");
      expect("(");
      const Token& op = peek();
      if (op.kind != TokenKind::kString)
        error_at(op, fmt::format("expected the intrinsic's name as a string but found {}",
                                 describe(op)));
      next();
      std::vector<Expr> args;
      while (accept(",")) args.push_back(expr());
      expect(")");
      return checked(t, [&] { return make_call(d, op.text, args); });
    }
    if (is_text_format_keyword(word))
      error_at(t, fmt::format("expected an expression but found the keyword '{}'", word));
    next();
    return lookup_var(t);
  }

  Expr load() {
    const Token& at = next();
    Buffer b = lookup_buffer(at);
    expect("[");
    std::vector<Expr> indices = expr_list("]");
    return checked(at, [&] { return make_load(b, indices); });
  }

  std::string source_;
  Lexer lexer_;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  int depth_ = 0;
  std::map<std::string, int> declared_buffers_;  // name -> line of its declaration
  std::vector<std::map<std::string, Var>> var_scopes_;
  std::vector<std::map<std::string, Buffer>> buffer_scopes_;
};

}  // namespace

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
