// The expression half of the IR text format's parser: precedence levels, literals,
// calls and loads (text_parser.h).
#include <charconv>
#include <cmath>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "tessera/ir/intrinsics.h"
#include "tessera/ir/op.h"
#include "tessera/support/error.h"
#include "text_format_common.h"
#include "text_parser.h"

namespace tessera::text_format_detail {

Expr Parser::binary(const Token& at, ExprKind op, Expr a, Expr b) {
  return checked(at, [&] { return make_binary(op, std::move(a), std::move(b)); });
}

Expr Parser::expr() {
  DepthGuard guard(*this);
  Expr left = and_level();
  while (peek_is("||")) {
    const Token& at = next();
    left = binary(at, ExprKind::kOr, left, and_level());
  }
  return left;
}

Expr Parser::and_level() {
  Expr left = comparison_level();
  while (peek_is("&&")) {
    const Token& at = next();
    left = binary(at, ExprKind::kAnd, left, comparison_level());
  }
  return left;
}

std::optional<ExprKind> Parser::comparison_op() const {
  static const std::pair<const char*, ExprKind> kOps[] = {
      {"==", ExprKind::kEQ}, {"!=", ExprKind::kNE}, {"<", ExprKind::kLT},
      {"<=", ExprKind::kLE}, {">", ExprKind::kGT},  {">=", ExprKind::kGE}};
  if (peek().kind != TokenKind::kPunct) return std::nullopt;
  for (const auto& [text, op] : kOps) {
    if (peek().text == text) return op;
  }
  return std::nullopt;
}

Expr Parser::comparison_level() {
  Expr left = add_level();
  if (auto op = comparison_op()) {
    const Token& at = next();
    left = binary(at, *op, left, add_level());
    if (comparison_op()) error_at(peek(), "comparisons do not chain; add parentheses");
  }
  return left;
}

Expr Parser::add_level() {
  Expr left = mul_level();
  while (peek_is("+") || peek_is("-")) {
    const Token& at = next();
    left = binary(at, at.text == "+" ? ExprKind::kAdd : ExprKind::kSub, left, mul_level());
  }
  return left;
}

Expr Parser::mul_level() {
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

Expr Parser::unary() {
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

Expr Parser::number(const Token& t, bool negative) {
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
  if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + (negative ? 1 : 0)) {
    error_at(t, fmt::format("integer '{}{}' out of range", negative ? "-" : "", text));
  }
  int64_t value = negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
  return checked(t, [&] { return make_int(value, type); });
}

int Parser::lanes_literal() {
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

Expr Parser::primary() {
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
        error_at(v, fmt::format("expected inf or nan in {}(...) (write casts as cast({}, x))", word,
                                word));
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
      error_at(op,
               fmt::format("expected the intrinsic's name as a string but found {}", describe(op)));
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

Expr Parser::load() {
  const Token& at = next();
  Buffer b = lookup_buffer(at);
  expect("[");
  std::vector<Expr> indices = expr_list("]");
  return checked(at, [&] { return make_load(b, indices); });
}
}  // namespace tessera::text_format_detail
