// SamplePerfectTile: n factors whose product is exactly the loop's extent, the
// innermost at most max_innermost_factor; the decision is the factor list.
#include "../instruction_traits.h"

namespace tessera {

using namespace schedule_detail;

namespace {
struct SamplePerfectTileTraits : InstructionTraitsBase {
  static constexpr const char* kName = "SamplePerfectTile";
  static constexpr const char* kMethod = "sample_perfect_tile";
  static constexpr bool kPure = true;
  static constexpr bool kSampler = true;
  static constexpr std::array<const char*, 4> kArguments = {"loop", "n", "max_innermost_factor",
                                                            "decision"};
  static std::vector<ExprRV> apply(Schedule& sch, const LoopRV& loop, int n,
                                   int64_t max_innermost_factor,
                                   const Decision<std::vector<int64_t>>& decision) {
    return sch.sample_perfect_tile(loop, n, max_innermost_factor, decision.value);
  }
};
const InstructionRegistration registration = register_instruction<SamplePerfectTileTraits>();
}  // namespace

namespace {

std::vector<int64_t> prime_factors(int64_t n) {
  std::vector<int64_t> primes;
  for (int64_t p = 2; p * p <= n; ++p) {
    while (n % p == 0) {
      primes.push_back(p);
      n /= p;
    }
  }
  if (n > 1) primes.push_back(n);
  return primes;
}

// Each prime factor goes to a uniformly chosen position; draws whose innermost
// factor is too large are redrawn (a bounded number of times, then the innermost
// factor is the largest divisor within the limit).
std::vector<int64_t> sample_tile(Random& rng, int64_t extent, int n, int64_t max_innermost) {
  const std::vector<int64_t> primes = prime_factors(extent);
  for (int attempt = 0; attempt < 64; ++attempt) {
    std::vector<int64_t> factors(static_cast<size_t>(n), 1);
    for (int64_t p : primes) factors[static_cast<size_t>(rng.uniform_int(0, n))] *= p;
    if (max_innermost <= 0 || factors.back() <= max_innermost) return factors;
  }
  std::vector<int64_t> factors(static_cast<size_t>(n), 1);
  int64_t inner = 1;
  for (int64_t d = std::min(extent, max_innermost); d >= 1; --d) {
    if (extent % d == 0) {
      inner = d;
      break;
    }
  }
  factors.back() = inner;
  for (int64_t p : prime_factors(extent / inner))
    factors[static_cast<size_t>(rng.uniform_int(0, n - 1))] *= p;
  return factors;
}

// The nearest valid tiling: from the innermost factor outwards, keep each factor
// if it still divides what is left, else take the largest divisor below it.
std::vector<int64_t> repair_tile(const std::vector<int64_t>& decision, int64_t extent, int n,
                                 int64_t max_innermost) {
  std::vector<int64_t> out(static_cast<size_t>(n), 1);
  int64_t remaining = extent;
  for (int k = n - 1; k >= 1; --k) {
    int64_t f = k < static_cast<int>(decision.size())
                    ? std::max<int64_t>(decision[static_cast<size_t>(k)], 1)
                    : 1;
    if (k == n - 1 && max_innermost > 0) f = std::min(f, max_innermost);
    f = std::min(f, remaining);
    while (remaining % f != 0) --f;
    out[static_cast<size_t>(k)] = f;
    remaining /= f;
  }
  out[0] = remaining;
  return out;
}

}  // namespace

std::vector<ExprRV> Schedule::sample_perfect_tile(const LoopRV& loop_rv, int n,
                                                  int64_t max_innermost_factor,
                                                  std::optional<std::vector<int64_t>> decision) {
  const ForNode* loop = get(loop_rv);
  const int64_t extent = constant_extent(*this, "sample_perfect_tile", loop);
  if (n < 1)
    schedule_fail(*this, "sample_perfect_tile", fmt::format("n must be at least 1, got {}", n),
                  loop);
  std::vector<int64_t> factors;
  if (decision) {
    factors = *decision;
    int64_t product = 1;
    bool positive = true;
    for (int64_t f : factors) {
      positive = positive && f >= 1;
      product *= positive ? f : 1;
    }
    std::string problem;
    if (static_cast<int>(factors.size()) != n)
      problem = fmt::format("has {} factors, expected {}", factors.size(), n);
    else if (!positive)
      problem = "has a factor below 1";
    else if (product != extent)
      problem = fmt::format("multiplies to {}, not to the extent {} of loop '{}'", product, extent,
                            loop->loop_var.name());
    else if (max_innermost_factor > 0 && factors.back() > max_innermost_factor) {
      problem = fmt::format("has innermost factor {} above the limit {}", factors.back(),
                            max_innermost_factor);
    }
    if (!problem.empty()) {
      if (mode_ == ReplayMode::kStrict) {
        schedule_fail(*this, "sample_perfect_tile",
                      fmt::format("decision [{}] {}", fmt::join(factors, ", "), problem), loop);
      }
      factors = repair_tile(factors, extent, n, max_innermost_factor);
    }
  } else {
    factors = sample_tile(rng_, extent, n, max_innermost_factor);
  }
  std::vector<ExprRV> out;
  for (int64_t f : factors) out.push_back(new_expr_rv(f));
  record_instruction<SamplePerfectTileTraits>(*this, out, loop_rv, n, max_innermost_factor,
                                              Decision<std::vector<int64_t>>{factors});
  return out;
}

}  // namespace tessera
