// DataType: the element type of an expression or buffer: int/uint/float/bfloat ×
// bits × lanes (lanes > 1 only after vectorization), plus `handle` for opaque pointers.
//
//   DataType::float32()                 "float32"
//   DataType::int32().with_lanes(16)    "int32x16"
//   DataType::parse("bfloat16")
//   DataType::boolean()                 "bool" (uint1)
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tessera {

enum class TypeCode : uint8_t { kInt, kUInt, kFloat, kBFloat, kHandle };

class DataType {
 public:
  constexpr DataType() = default;
  constexpr DataType(TypeCode code, int bits, int lanes = 1)
      : code_(code), bits_(static_cast<uint8_t>(bits)), lanes_(static_cast<uint16_t>(lanes)) {}

  static constexpr DataType int8() { return {TypeCode::kInt, 8}; }
  static constexpr DataType int16() { return {TypeCode::kInt, 16}; }
  static constexpr DataType int32() { return {TypeCode::kInt, 32}; }
  static constexpr DataType int64() { return {TypeCode::kInt, 64}; }
  static constexpr DataType uint8() { return {TypeCode::kUInt, 8}; }
  static constexpr DataType boolean() { return {TypeCode::kUInt, 1}; }
  static constexpr DataType float16() { return {TypeCode::kFloat, 16}; }
  static constexpr DataType float32() { return {TypeCode::kFloat, 32}; }
  static constexpr DataType float64() { return {TypeCode::kFloat, 64}; }
  static constexpr DataType bfloat16() { return {TypeCode::kBFloat, 16}; }
  static constexpr DataType handle() { return {TypeCode::kHandle, 64}; }

  constexpr TypeCode code() const { return code_; }
  constexpr int bits() const { return bits_; }
  constexpr int lanes() const { return lanes_; }
  /// Storage size of one element (lanes == 1), in bytes; bool takes one byte.
  constexpr int bytes() const { return (bits_ + 7) / 8; }

  constexpr bool is_bool() const { return code_ == TypeCode::kUInt && bits_ == 1; }
  constexpr bool is_int() const { return code_ == TypeCode::kInt; }
  constexpr bool is_uint() const { return code_ == TypeCode::kUInt; }
  /// Signed or unsigned integer, bool included.
  constexpr bool is_integer() const { return is_int() || is_uint(); }
  /// IEEE float or bfloat.
  constexpr bool is_floating() const {
    return code_ == TypeCode::kFloat || code_ == TypeCode::kBFloat;
  }
  constexpr bool is_handle() const { return code_ == TypeCode::kHandle; }
  constexpr bool is_scalar() const { return lanes_ == 1; }
  constexpr bool is_vector() const { return lanes_ > 1; }

  constexpr DataType with_lanes(int lanes) const { return {code_, bits_, lanes}; }
  constexpr DataType element_of() const { return with_lanes(1); }

  constexpr bool operator==(const DataType&) const = default;

  /// "int32", "float32x8", "bool", "bfloat16", "handle".
  std::string str() const;
  /// Inverse of str(); nullopt when the text names no type.
  static std::optional<DataType> from_string(std::string_view text);

 private:
  TypeCode code_ = TypeCode::kInt;
  uint8_t bits_ = 32;
  uint16_t lanes_ = 1;
};

}  // namespace tessera
