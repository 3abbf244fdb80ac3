#include "tessera/ir/data_type.h"

#include <charconv>

#include <fmt/format.h>

namespace tessera {

std::string DataType::str() const {
  std::string base;
  switch (code_) {
    case TypeCode::kInt: base = fmt::format("int{}", bits_); break;
    case TypeCode::kUInt: base = bits_ == 1 ? "bool" : fmt::format("uint{}", bits_); break;
    case TypeCode::kFloat: base = fmt::format("float{}", bits_); break;
    case TypeCode::kBFloat: base = fmt::format("bfloat{}", bits_); break;
    case TypeCode::kHandle: base = "handle"; break;
  }
  if (lanes_ > 1) base += fmt::format("x{}", lanes_);
  return base;
}

std::optional<DataType> DataType::from_string(std::string_view text) {
  int lanes = 1;
  if (size_t x = text.rfind('x'); x != std::string_view::npos && x + 1 < text.size()) {
    int parsed = 0;
    auto [end, ec] = std::from_chars(text.data() + x + 1, text.data() + text.size(), parsed);
    if (ec == std::errc() && end == text.data() + text.size() && parsed > 1 && parsed <= 1024) {
      lanes = parsed;
      text = text.substr(0, x);
    }
  }
  if (text == "bool") return DataType::boolean().with_lanes(lanes);
  if (text == "handle") return lanes == 1 ? std::optional(DataType::handle()) : std::nullopt;
  struct Prefix {
    std::string_view name;
    TypeCode code;
  };
  // "bfloat" before "float" is irrelevant (prefix match is exact), but "uint" must precede "int".
  for (const Prefix& p : {Prefix{"bfloat", TypeCode::kBFloat}, Prefix{"float", TypeCode::kFloat},
                          Prefix{"uint", TypeCode::kUInt}, Prefix{"int", TypeCode::kInt}}) {
    if (text.substr(0, p.name.size()) != p.name) continue;
    std::string_view digits = text.substr(p.name.size());
    int bits = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), bits);
    if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty())
      return std::nullopt;
    bool ok = false;
    switch (p.code) {
      case TypeCode::kInt:
      case TypeCode::kUInt: ok = bits == 8 || bits == 16 || bits == 32 || bits == 64; break;
      case TypeCode::kFloat: ok = bits == 16 || bits == 32 || bits == 64; break;
      case TypeCode::kBFloat: ok = bits == 16; break;
      case TypeCode::kHandle: break;
    }
    if (!ok) return std::nullopt;
    return DataType(p.code, bits, lanes);
  }
  return std::nullopt;
}

}  // namespace tessera
