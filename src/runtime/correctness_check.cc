#include "tessera/runtime/correctness_check.h"

#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "tessera/ir/op.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/ir/visitor.h"
#include "tessera/runtime/interpreter.h"

namespace tessera {

namespace {

double machine_epsilon(DataType t) {
  if (t.bits() == 16)
    return t.code() == TypeCode::kBFloat ? std::ldexp(1.0, -7) : std::ldexp(1.0, -10);
  if (t.bits() == 64) return std::numeric_limits<double>::epsilon();
  return std::numeric_limits<float>::epsilon();
}

double smallest_normal(DataType t) {
  if (t.bits() == 16)
    return t.code() == TypeCode::kBFloat ? static_cast<double>(std::numeric_limits<float>::min())
                                         : std::ldexp(1.0, -14);
  if (t.bits() == 64) return std::numeric_limits<double>::min();
  return static_cast<double>(std::numeric_limits<float>::min());
}

// "[3, 5]" for the flat index of an array of this shape.
std::string coordinates(const std::vector<int64_t>& shape, int64_t flat) {
  std::vector<int64_t> c(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    c[d] = shape[d] > 0 ? flat % shape[d] : 0;
    flat = shape[d] > 0 ? flat / shape[d] : 0;
  }
  return fmt::format("[{}]", fmt::join(c, ", "));
}

// The argument pattern a candidate's output starts with: NaN, or for integers a value
// the reference is unlikely to produce everywhere.
void poison(NDArray& a) {
  if (a.dtype().is_floating()) {
    a.fill(std::numeric_limits<double>::quiet_NaN());
  } else {
    for (int64_t i = 0; i < a.size(); ++i)
      a.set_int(i, wrap_to_type(a.dtype(), 0x5A5A5A5A5A5A5A5ALL + i * 7919));
  }
}

OutputCheck check_output(const std::string& name, const NDArray& actual, const NDArray& expected,
                         const NDArray& magnitude, int64_t n) {
  OutputCheck c;
  c.name = name;
  c.elements = actual.size();
  const DataType t = expected.dtype();
  const bool floating = t.is_floating();
  const double factor = floating ? 2.0 * static_cast<double>(n + 2) * machine_epsilon(t) : 0.0;
  const double floor = floating ? smallest_normal(t) : 0.0;
  int64_t worst = -1;
  double worst_ratio = -1;
  for (int64_t i = 0; i < actual.size(); ++i) {
    double a, e, error, bound;
    if (floating) {
      a = actual.get(i);
      e = expected.get(i);
      bool same_nan = std::isnan(a) && std::isnan(e);
      bool same_inf = std::isinf(a) && std::isinf(e) && (a > 0) == (e > 0);
      error = same_nan || same_inf             ? 0.0
              : std::isnan(a) || std::isnan(e) ? std::numeric_limits<double>::infinity()
                                               : std::fabs(a - e);
      double m = std::fabs(magnitude.get(i));
      if (!std::isfinite(m)) m = 0;  // |inputs| overflowed: fall back to the relative bound
      bound = factor * (m + (std::isfinite(e) ? std::fabs(e) : 0.0)) + floor;
    } else {
      a = static_cast<double>(actual.get_int(i));
      e = static_cast<double>(expected.get_int(i));
      error = actual.get_int(i) == expected.get_int(i) ? 0.0 : std::fabs(a - e) + 1;
      bound = 0;
    }
    if (error > bound) ++c.mismatches;
    double ratio = error == 0   ? 0
                   : bound == 0 ? std::numeric_limits<double>::infinity()
                                : error / bound;
    if (ratio > worst_ratio) {
      worst_ratio = ratio;
      worst = i;
      c.worst_error = floating ? error : std::fabs(a - e);
      c.worst_bound = bound;
      c.actual = a;
      c.expected = e;
    }
  }
  c.match = c.mismatches == 0;
  if (worst >= 0 && c.worst_error != 0) c.worst_index = coordinates(expected.shape(), worst);
  if (c.match) {
    c.summary = c.worst_index.empty()
                    ? fmt::format("{}: match ({} elements, exact)", name, c.elements)
                    : fmt::format("{}: match ({} elements, worst error {:.3g} at {}, bound {:.3g})",
                                  name, c.elements, c.worst_error, c.worst_index, c.worst_bound);
  } else {
    c.summary = fmt::format(
        "{}: MISMATCH at {} of {} elements; worst at {}: got {}, expected {} (error {:.3g}, bound "
        "{:.3g})",
        name, c.mismatches, c.elements, c.worst_index, c.actual, c.expected, c.worst_error,
        c.worst_bound);
  }
  return c;
}

}  // namespace

int64_t longest_reduction(const PrimFunc& func) {
  struct Longest : IRVisitor {
    int64_t longest = 1;
    void visit_block(const BlockNode* op) override {
      int64_t n = 1;
      for (const IterVar& iv : op->iter_vars) {
        if (iv.kind != IterKind::kReduce) continue;
        auto extent = as_const_int(iv.dom.extent);
        n *= extent ? std::max<int64_t>(*extent, 1) : 1;
      }
      longest = std::max(longest, n);
      IRVisitor::visit_block(op);
    }
  } v;
  v.visit_func(func);
  return v.longest;
}

std::string CheckResult::summary() const {
  std::string out;
  for (const OutputCheck& o : outputs) out += o.summary + "\n";
  return out;
}

ReferenceCache::ReferenceCache(std::function<KernelRunner(const PrimFunc&)> make_reference_runner)
    : make_runner_(std::move(make_reference_runner)) {}

std::shared_ptr<const ReferenceCache::Entry> ReferenceCache::get(const PrimFunc& workload,
                                                                 uint64_t seed) {
  const auto key = std::make_pair(structural_hash(workload), seed);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (auto it = entries_.find(key); it != entries_.end()) return it->second;
  }
  KernelRunner run =
      make_runner_
          ? make_runner_(workload)
          : KernelRunner([workload](std::vector<NDArray>& args) { run_reference(workload, args); });
  auto entry = std::make_shared<Entry>();
  entry->inputs = make_random_arguments(workload, seed);
  entry->reduction_length = longest_reduction(workload);
  std::vector<NDArray> expected, magnitude;
  for (const NDArray& a : entry->inputs) {
    expected.push_back(a.copy());
    NDArray m = a.copy();
    if (m.dtype().is_floating()) {
      for (int64_t i = 0; i < m.size(); ++i) m.set(i, std::fabs(m.get(i)));
    }
    magnitude.push_back(m);
  }
  run(expected);
  run(magnitude);
  entry->expected = std::move(expected);
  entry->magnitude = std::move(magnitude);
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.emplace(key, std::move(entry)).first->second;
}

CheckResult check_correctness(const PrimFunc& workload, const KernelRunner& run_candidate,
                              ReferenceCache& cache, uint64_t seed) {
  std::shared_ptr<const ReferenceCache::Entry> ref = cache.get(workload, seed);
  const std::vector<bool> outputs = written_params(workload);
  std::vector<NDArray> args;
  for (size_t i = 0; i < ref->inputs.size(); ++i) {
    args.push_back(ref->inputs[i].copy());
    if (outputs[i]) poison(args.back());
  }
  run_candidate(args);
  CheckResult result;
  for (size_t i = 0; i < args.size(); ++i) {
    if (!outputs[i]) continue;
    result.outputs.push_back(check_output(workload->params[i]->name, args[i], ref->expected[i],
                                          ref->magnitude[i], ref->reduction_length));
    result.match = result.match && result.outputs.back().match;
  }
  return result;
}

}  // namespace tessera
