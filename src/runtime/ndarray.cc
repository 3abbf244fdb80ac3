#include "tessera/runtime/ndarray.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "tessera/support/error.h"
#include "tessera/support/random.h"

namespace tessera {
namespace {

uint16_t float_to_half_bits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  const uint32_t sign = (x >> 16) & 0x8000u;
  const uint32_t exponent = (x >> 23) & 0xffu;
  uint32_t mantissa = x & 0x7fffffu;
  if (exponent == 0xff) return static_cast<uint16_t>(sign | 0x7c00u | (mantissa ? 0x200u : 0u));
  int e = static_cast<int>(exponent) - 127 + 15;
  if (e >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    mantissa |= 0x800000u;
    const int shift = 14 - e;
    uint32_t half = mantissa >> shift;
    const uint32_t rest = mantissa & ((1u << shift) - 1);
    const uint32_t midpoint = 1u << (shift - 1);
    if (rest > midpoint || (rest == midpoint && (half & 1u))) ++half;
    return static_cast<uint16_t>(sign | half);
  }
  uint32_t half = (static_cast<uint32_t>(e) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  if (rest > 0x1000u || (rest == 0x1000u && (half & 1u)))
    ++half;  // may carry into the exponent: correct
  return static_cast<uint16_t>(sign | half);
}

float half_bits_to_float(uint16_t h) {
  const uint32_t sign = (h & 0x8000u) << 16;
  uint32_t exponent = (h >> 10) & 0x1fu;
  uint32_t mantissa = h & 0x3ffu;
  uint32_t x;
  if (exponent == 0x1f) {
    x = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent == 0) {
    if (mantissa == 0) {
      x = sign;
    } else {
      int e = -1;
      do {
        ++e;
        mantissa <<= 1;
      } while ((mantissa & 0x400u) == 0);
      x = sign | (static_cast<uint32_t>(127 - 15 - e) << 23) | ((mantissa & 0x3ffu) << 13);
    }
  } else {
    x = sign | ((exponent - 15 + 127) << 23) | (mantissa << 13);
  }
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

uint16_t float_to_bfloat_bits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if (std::isnan(f)) return static_cast<uint16_t>((x >> 16) | 0x40u);
  const uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>((x + rounding) >> 16);
}

float bfloat_bits_to_float(uint16_t b) {
  uint32_t x = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

template <typename T>
T load_as(const unsigned char* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

template <typename T>
void store_as(unsigned char* p, T v) {
  std::memcpy(p, &v, sizeof(T));
}

}  // namespace

double round_to_type(DataType t, double v) {
  if (t.code() == TypeCode::kFloat) {
    if (t.bits() == 32) return static_cast<double>(static_cast<float>(v));
    if (t.bits() == 16)
      return static_cast<double>(half_bits_to_float(float_to_half_bits(static_cast<float>(v))));
    return v;
  }
  if (t.code() == TypeCode::kBFloat) {
    return static_cast<double>(bfloat_bits_to_float(float_to_bfloat_bits(static_cast<float>(v))));
  }
  return v;
}

int64_t wrap_to_type(DataType t, int64_t v) {
  if (t.is_bool()) return v != 0 ? 1 : 0;
  if (t.bits() >= 64) return v;
  const uint64_t mask = (uint64_t{1} << t.bits()) - 1;
  uint64_t u = static_cast<uint64_t>(v) & mask;
  if (t.is_int() && (u >> (t.bits() - 1)) != 0) u |= ~mask;  // sign-extend
  return static_cast<int64_t>(u);
}

NDArray NDArray::empty(std::vector<int64_t> shape, DataType dtype) {
  if (!dtype.is_scalar() || dtype.is_handle())
    fail("NDArray of type {} (scalar numeric types only)", dtype.str());
  int64_t size = 1;
  for (int64_t d : shape) {
    if (d < 0) fail("NDArray with negative dimension {}", d);
    if (d != 0 && size > std::numeric_limits<int64_t>::max() / d) fail("NDArray too large");
    size *= d;
  }
  NDArray a;
  a.shape_ = std::move(shape);
  a.dtype_ = dtype;
  a.size_ = size;
  size_t bytes = std::max<size_t>(64, (a.nbytes() + 63) / 64 * 64);
  void* p = std::aligned_alloc(64, bytes);
  if (p == nullptr) fail("out of memory allocating {} bytes for an NDArray", bytes);
  std::memset(p, 0, bytes);
  a.storage_ = std::shared_ptr<unsigned char>(static_cast<unsigned char*>(p),
                                              [](unsigned char* q) { std::free(q); });
  return a;
}

double NDArray::get(int64_t flat) const {
  TESSERA_CHECK(flat >= 0 && flat < size_, "NDArray index {} out of range [0, {})", flat, size_);
  const unsigned char* p = storage_.get() + flat * dtype_.bytes();
  switch (dtype_.code()) {
    case TypeCode::kFloat:
      if (dtype_.bits() == 32) return load_as<float>(p);
      if (dtype_.bits() == 64) return load_as<double>(p);
      return half_bits_to_float(load_as<uint16_t>(p));
    case TypeCode::kBFloat: return bfloat_bits_to_float(load_as<uint16_t>(p));
    default: return static_cast<double>(get_int(flat));
  }
}

void NDArray::set(int64_t flat, double value) {
  TESSERA_CHECK(flat >= 0 && flat < size_, "NDArray index {} out of range [0, {})", flat, size_);
  unsigned char* p = storage_.get() + flat * dtype_.bytes();
  switch (dtype_.code()) {
    case TypeCode::kFloat:
      if (dtype_.bits() == 32) return store_as<float>(p, static_cast<float>(value));
      if (dtype_.bits() == 64) return store_as<double>(p, value);
      return store_as<uint16_t>(p, float_to_half_bits(static_cast<float>(value)));
    case TypeCode::kBFloat:
      return store_as<uint16_t>(p, float_to_bfloat_bits(static_cast<float>(value)));
    default: {
      // Integers: truncate toward zero, as a C cast would (NaN/inf become 0).
      double t = std::trunc(value);
      int64_t v = std::isfinite(t) && std::fabs(t) < 9.2e18 ? static_cast<int64_t>(t) : 0;
      return set_int(flat, v);
    }
  }
}

int64_t NDArray::get_int(int64_t flat) const {
  TESSERA_CHECK(flat >= 0 && flat < size_, "NDArray index {} out of range [0, {})", flat, size_);
  const unsigned char* p = storage_.get() + flat * dtype_.bytes();
  if (dtype_.is_floating()) return static_cast<int64_t>(get(flat));
  const bool s = dtype_.is_int();
  switch (dtype_.bytes()) {
    case 1:
      return dtype_.is_bool() ? (load_as<uint8_t>(p) != 0)
             : s              ? load_as<int8_t>(p)
                              : load_as<uint8_t>(p);
    case 2: return s ? load_as<int16_t>(p) : load_as<uint16_t>(p);
    // Not one ?: expression: int32_t and uint32_t would meet in uint32_t, turning -3 into 2^32-3.
    case 4:
      if (s) return load_as<int32_t>(p);
      return load_as<uint32_t>(p);
    default: return load_as<int64_t>(p);
  }
}

void NDArray::set_int(int64_t flat, int64_t value) {
  TESSERA_CHECK(flat >= 0 && flat < size_, "NDArray index {} out of range [0, {})", flat, size_);
  if (dtype_.is_floating()) return set(flat, static_cast<double>(value));
  unsigned char* p = storage_.get() + flat * dtype_.bytes();
  const int64_t v = wrap_to_type(dtype_, value);
  switch (dtype_.bytes()) {
    case 1: return store_as<uint8_t>(p, static_cast<uint8_t>(v));
    case 2: return store_as<uint16_t>(p, static_cast<uint16_t>(v));
    case 4: return store_as<uint32_t>(p, static_cast<uint32_t>(v));
    default: return store_as<int64_t>(p, v);
  }
}

void NDArray::fill(double value) {
  for (int64_t i = 0; i < size_; ++i) set(i, value);
}

void NDArray::fill_random(uint64_t seed, double low, double high) {
  Random rng(seed);
  if (dtype_.is_floating()) {
    for (int64_t i = 0; i < size_; ++i) set(i, low + (high - low) * rng.uniform_double());
    return;
  }
  double type_low = dtype_.is_bool()  ? 0
                    : dtype_.is_int() ? -std::ldexp(1.0, dtype_.bits() - 1)
                                      : 0;
  double type_high = dtype_.is_bool()  ? 1
                     : dtype_.is_int() ? std::ldexp(1.0, dtype_.bits() - 1) - 1
                                       : std::ldexp(1.0, dtype_.bits()) - 1;
  int64_t lo = static_cast<int64_t>(std::ceil(std::max(low, type_low)));
  int64_t hi = static_cast<int64_t>(std::floor(std::min(high, type_high)));
  if (lo > hi) fail("fill_random: empty integer range [{}, {}] for {}", low, high, dtype_.str());
  for (int64_t i = 0; i < size_; ++i) set_int(i, rng.uniform_int(lo, hi + 1));
}

double NDArray::sum() const {
  double s = 0;
  for (int64_t i = 0; i < size_; ++i) s += get(i);
  return s;
}

NDArray NDArray::copy() const {
  NDArray c = empty(shape_, dtype_);
  std::memcpy(c.data(), data(), nbytes());
  return c;
}

NDArray NDArray::reshaped(std::vector<int64_t> shape) const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  TESSERA_CHECK(n == size_, "reshape of {} elements to {}", size_, n);
  NDArray view = *this;
  view.shape_ = std::move(shape);
  return view;
}

std::string shape_string(const NDArray& a) {
  return fmt::format("{}[{}]", a.dtype().str(), fmt::join(a.shape(), ", "));
}

Comparison compare(const NDArray& actual, const NDArray& expected, double rtol, double atol,
                   bool nan_equal) {
  Comparison c;
  if (actual.shape() != expected.shape() || actual.dtype() != expected.dtype()) {
    c.match = false;
    c.summary = fmt::format("shape/type mismatch: {} vs expected {}", shape_string(actual),
                            shape_string(expected));
    return c;
  }
  const bool exact = !actual.dtype().is_floating();
  for (int64_t i = 0; i < actual.size(); ++i) {
    double a = actual.get(i), e = expected.get(i);
    double error;
    bool ok;
    if (exact) {
      int64_t ai = actual.get_int(i), ei = expected.get_int(i);
      ok = ai == ei;
      error = std::fabs(static_cast<double>(ai) - static_cast<double>(ei));
    } else if (std::isnan(a) || std::isnan(e)) {
      ok = nan_equal && std::isnan(a) && std::isnan(e);
      error = ok ? 0 : std::numeric_limits<double>::infinity();
    } else {
      error = a == e ? 0 : std::fabs(a - e);
      ok = error <= atol + rtol * std::fabs(e);
    }
    if (!ok) ++c.mismatches;
    if (c.worst_index < 0 || error > c.worst_error || (!ok && c.match)) {
      c.worst_index = i;
      c.worst_error = error;
      c.expected = e;
      c.actual = a;
    }
    if (!ok) c.match = false;
  }
  c.summary =
      c.match
          ? fmt::format("match ({} elements, worst error {:.3g})", actual.size(), c.worst_error)
          : fmt::format(
                "MISMATCH: {} of {} elements differ; worst at flat index {}: got {}, expected {} "
                "(error {:.3g})",
                c.mismatches, actual.size(), c.worst_index, c.actual, c.expected, c.worst_error);
  return c;
}

}  // namespace tessera
