// NDArray: a host tensor with shape, element type and 64-byte aligned storage.
//
// An NDArray is a handle: copies share storage (use copy() for a deep copy).
// Elements are read and written as double (or int64 for integers) whatever the
// storage type, converting with the same rounding the hardware uses
// (round-to-nearest-even for float16/bfloat16).
//
//   NDArray a = NDArray::empty({4, 4}, DataType::float32());
//   a.fill_random(/*seed=*/1, -1.0, 1.0);
//   double x = a.get(5);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/ir/data_type.h"

namespace tessera {

class NDArray {
 public:
  NDArray() = default;
  /// Zero-filled storage for `shape` (all dimensions non-negative; scalar type only).
  static NDArray empty(std::vector<int64_t> shape, DataType dtype);

  bool defined() const { return storage_ != nullptr; }
  const std::vector<int64_t>& shape() const { return shape_; }
  DataType dtype() const { return dtype_; }
  int64_t size() const { return size_; }
  size_t nbytes() const { return static_cast<size_t>(size_) * static_cast<size_t>(dtype_.bytes()); }
  void* data() { return storage_.get(); }
  const void* data() const { return storage_.get(); }

  /// Element `flat` (row-major) as a double.
  double get(int64_t flat) const;
  void set(int64_t flat, double value);
  /// Exact access for integer types.
  int64_t get_int(int64_t flat) const;
  void set_int(int64_t flat, int64_t value);

  void fill(double value);
  /// Uniform values in [low, high) for floats; integers uniform in [low, high] (clamped to the
  /// type).
  void fill_random(uint64_t seed, double low, double high);
  double sum() const;
  NDArray copy() const;
  /// The same storage seen with another shape of the same element count (no copy).
  NDArray reshaped(std::vector<int64_t> shape) const;

 private:
  std::shared_ptr<unsigned char> storage_;
  std::vector<int64_t> shape_;
  DataType dtype_;
  int64_t size_ = 0;
};

std::string shape_string(const NDArray& a);  // "float32[4, 4]"

/// Rounds `value` to the nearest value representable in `dtype` (floats), or
/// wraps it to the type's width (integers; bool is value != 0).
double round_to_type(DataType dtype, double value);
int64_t wrap_to_type(DataType dtype, int64_t value);

/// Result of comparing two arrays element by element.
struct Comparison {
  bool match = true;
  int64_t mismatches = 0;
  int64_t worst_index = -1;
  double worst_error = 0;  // absolute
  double expected = 0, actual = 0;
  std::string summary;  // one line for users
};

/// Compares element by element: integers exactly; floats within atol + rtol * |expected|;
/// NaN only matches NaN when `nan_equal`.
Comparison compare(const NDArray& actual, const NDArray& expected, double rtol = 1e-5,
                   double atol = 1e-6, bool nan_equal = false);

}  // namespace tessera
