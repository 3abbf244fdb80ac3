// Random: tessera's deterministic, portable, forkable random number generator.
//
// The same seed gives the same stream on every machine, compiler and standard
// library: the generator (xoshiro256**, seeded through SplitMix64) and every
// sampling algorithm here are tessera's own, never <random>'s distributions,
// whose output differs between library implementations. `fork()` derives an
// independent stream, so parallel workers each get their own generator and the
// result does not depend on the number of threads.
//
//   Random rng(42);
//   int64_t tile = rng.uniform_int(1, 8);     // in [1, 8)
//   Random child = rng.fork();                // independent stream
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera {

class Random {
 public:
  explicit Random(uint64_t seed = 0) { seed_with(seed); }

  /// Re-seeds; a seed fully determines the stream.
  void seed_with(uint64_t seed);

  /// Next raw 64-bit value.
  uint64_t next();

  /// An independent generator: seeded from this stream, which advances by one draw.
  Random fork();

  /// Uniform integer in [low, high). Requires low < high. Unbiased (rejection sampling).
  int64_t uniform_int(int64_t low, int64_t high);

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform_double();

  /// Index drawn with probability proportional to weights[i] (non-negative, positive sum).
  size_t categorical(const std::vector<double>& weights);

  /// The full state, for saving and restoring a generator.
  std::array<uint64_t, 4> state() const { return state_; }
  void set_state(const std::array<uint64_t, 4>& state) { state_ = state; }

 private:
  std::array<uint64_t, 4> state_{};
};

}  // namespace tessera
