#include "tessera/support/random.h"

#include "tessera/support/error.h"

namespace tessera {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

void Random::seed_with(uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t& word : state_) word = splitmix64(x);
}

uint64_t Random::next() {
  const uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

Random Random::fork() {
  // Mixing the draw with a constant keeps the child's stream unrelated to the
  // parent's continuation even though both come from the same state.
  return Random(next() ^ 0x6a09e667f3bcc909ULL);
}

int64_t Random::uniform_int(int64_t low, int64_t high) {
  TESSERA_CHECK(low < high, "uniform_int needs low < high, got [{}, {})", low, high);
  const uint64_t range = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
  // Reject the top partial bucket so every value is equally likely.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % range);
  uint64_t draw;
  do {
    draw = next();
  } while (draw >= limit);
  return static_cast<int64_t>(static_cast<uint64_t>(low) + draw % range);
}

double Random::uniform_double() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

size_t Random::categorical(const std::vector<double>& weights) {
  double total = 0;
  for (double w : weights) {
    TESSERA_CHECK(w >= 0, "categorical weight {} is negative", w);
    total += w;
  }
  TESSERA_CHECK(total > 0, "categorical weights sum to {}", total);
  const double target = uniform_double() * total;
  double running = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    running += weights[i];
    if (target < running) return i;
  }
  // Rounding can leave target == total; the last positive weight takes it.
  for (size_t i = weights.size(); i-- > 0;) {
    if (weights[i] > 0) return i;
  }
  return 0;
}

}  // namespace tessera
