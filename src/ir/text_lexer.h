// The tokenizer of the IR text format (internal to src/ir): identifiers, numbers, strings
// and punctuation with their line and column, so the parser's errors point at the text.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "tessera/support/error.h"
#include "text_format_common.h"

namespace tessera::text_format_detail {

enum class TokenKind { kIdentifier, kNumber, kString, kPunct, kEnd };

struct Token {
  TokenKind kind;
  std::string text;  // for strings: the unescaped contents
  int line;
  int column;
};

inline std::string describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::kEnd: return "end of input";
    case TokenKind::kString: return fmt::format("string {}", quote_string(t.text));
    default: return fmt::format("'{}'", t.text);
  }
}

class Lexer {
 public:
  Lexer(std::string_view text, const std::string& source) : text_(text), source_(source) {}

  std::vector<Token> run() {
    std::vector<Token> tokens;
    for (;;) {
      skip_space();
      Token t{TokenKind::kEnd, "", line_, column()};
      if (pos_ >= text_.size()) {
        tokens.push_back(t);
        return tokens;
      }
      char c = text_[pos_];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t start = pos_;
        while (pos_ < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[pos_])) || text_[pos_] == '_'))
          ++pos_;
        t.kind = TokenKind::kIdentifier;
        t.text = std::string(text_.substr(start, pos_ - start));
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        t.kind = TokenKind::kNumber;
        t.text = number();
      } else if (c == '"') {
        t.kind = TokenKind::kString;
        t.text = string_literal(t);
      } else {
        t.kind = TokenKind::kPunct;
        static constexpr std::string_view kTwo[] = {"==", "!=", "<=", ">=", "&&", "||", ":+"};
        std::string_view rest = text_.substr(pos_);
        bool matched = false;
        for (std::string_view two : kTwo) {
          if (rest.substr(0, 2) == two) {
            t.text = std::string(two);
            pos_ += 2;
            matched = true;
            break;
          }
        }
        if (!matched) {
          if (std::string_view("()[]{},;:=<>+-*/%!").find(c) == std::string_view::npos) {
            throw Error(fmt::format("{}:{}:{}: unexpected character '{}'\n{}", source_, t.line,
                                    t.column, printable(c), context_line(t.line, t.column)));
          }
          t.text = std::string(1, c);
          ++pos_;
        }
      }
      tokens.push_back(std::move(t));
    }
  }

  std::string context_line(int line, int col) const {
    // Find the text of line `line` (1-based).
    size_t start = 0;
    for (int l = 1; l < line && start < text_.size(); ++l) {
      size_t nl = text_.find('\n', start);
      if (nl == std::string_view::npos) break;
      start = nl + 1;
    }
    size_t end = text_.find('\n', start);
    std::string_view content =
        text_.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    std::string shown;
    for (char ch : content) shown += (ch == '\t') ? ' ' : ch;
    return fmt::format("  {}\n  {}^", shown,
                       std::string(static_cast<size_t>(std::max(col - 1, 0)), ' '));
  }

 private:
  static std::string printable(char c) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
      return fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    }
    return std::string(1, c);
  }

  int column() const { return static_cast<int>(pos_ - line_start_) + 1; }

  void skip_space() {
    while (pos_ < text_.size()) {
      char c = text_[pos_];
      if (c == '\n') {
        ++pos_;
        ++line_;
        line_start_ = pos_;
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ++pos_;
      } else if (c == '#') {
        while (pos_ < text_.size() && text_[pos_] != '\n') ++pos_;
      } else {
        return;
      }
    }
  }

  std::string number() {
    size_t start = pos_;
    auto digits = [&] {
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    };
    digits();
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      digits();
    }
    if (pos_ < text_.size() && (text_[pos_] == 'e' || text_[pos_] == 'E')) {
      size_t save = pos_;
      ++pos_;
      if (pos_ < text_.size() && (text_[pos_] == '+' || text_[pos_] == '-')) ++pos_;
      if (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        digits();
      } else {
        pos_ = save;
      }
    }
    // Type suffix (i32, u8, f16, bf16, ...): letters then digits.
    while (pos_ < text_.size() && std::isalnum(static_cast<unsigned char>(text_[pos_]))) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }

  std::string string_literal(const Token& t) {
    ++pos_;  // opening quote
    std::string value;
    while (true) {
      if (pos_ >= text_.size() || text_[pos_] == '\n') {
        throw Error(fmt::format("{}:{}:{}: unterminated string\n{}", source_, t.line, t.column,
                                context_line(t.line, t.column)));
      }
      char c = text_[pos_++];
      if (c == '"') return value;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (pos_ >= text_.size()) continue;
      char e = text_[pos_++];
      switch (e) {
        case 'n': value += '\n'; break;
        case 't': value += '\t'; break;
        case '\\': value += '\\'; break;
        case '"': value += '"'; break;
        case 'x': {
          int code = 0;
          auto [p, ec] = std::from_chars(text_.data() + pos_,
                                         text_.data() + std::min(pos_ + 2, text_.size()), code, 16);
          if (ec != std::errc() || p != text_.data() + pos_ + 2) {
            throw Error(fmt::format("{}:{}:{}: bad \\x escape in string\n{}", source_, t.line,
                                    t.column, context_line(t.line, t.column)));
          }
          pos_ += 2;
          value += static_cast<char>(code);
          break;
        }
        default:
          throw Error(fmt::format("{}:{}:{}: unknown escape '\\{}' in string\n{}", source_, t.line,
                                  t.column, printable(e), context_line(t.line, t.column)));
      }
    }
  }

  std::string_view text_;
  const std::string& source_;
  size_t pos_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
};

}  // namespace tessera::text_format_detail
