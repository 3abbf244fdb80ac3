// The gradient of Ansor's task scheduler and FamilySeer's family keys (task_selection.h).
#include "tessera/tune/task_selection.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "tessera/ir/structural_equal.h"
#include "tessera/support/error.h"
#include "tessera/support/hash.h"

namespace tessera {

std::vector<double> task_gradients(const std::vector<TaskHistory>& tasks,
                                   const GradientOptions& options) {
  if (options.backward_window < 1)
    fail("the gradient's backward window must be at least 1 round, got {}",
         options.backward_window);
  // The best FLOP/s of each similar group.
  std::map<int, double> best_throughput;
  std::map<int, int> group_size;
  for (const TaskHistory& t : tasks) {
    if (t.similar_group < 0) continue;
    ++group_size[t.similar_group];
    if (t.best_after_round.empty()) continue;
    const double g = t.best_after_round.back();
    if (std::isfinite(g) && g > 0 && t.flops > 0)
      best_throughput[t.similar_group] = std::max(best_throughput[t.similar_group], t.flops / g);
  }
  std::vector<double> gradients;
  for (const TaskHistory& t : tasks) {
    const std::vector<double>& h = t.best_after_round;
    if (h.empty() || !std::isfinite(h.back())) {
      gradients.push_back(-std::numeric_limits<double>::infinity());
      continue;
    }
    const int rounds = static_cast<int>(h.size());
    const double g = h.back();
    const int window = options.backward_window;
    double backward = 0;
    if (rounds - 1 - window >= 0 && std::isfinite(h[static_cast<size_t>(rounds - 1 - window)]))
      backward = (g - h[static_cast<size_t>(rounds - 1 - window)]) / window;
    double next = g - g / rounds;
    if (t.similar_group >= 0 && group_size[t.similar_group] > 1 && t.flops > 0) {
      auto best = best_throughput.find(t.similar_group);
      if (best != best_throughput.end() && best->second > 0)
        next = std::min(next, options.beta * t.flops / best->second);
    }
    const double forward = next - g;
    gradients.push_back(t.weight * (options.alpha * backward + (1 - options.alpha) * forward));
  }
  return gradients;
}

FamilyGrouping parse_family_grouping(const std::string& name) {
  if (name == "op") return FamilyGrouping::kOperator;
  if (name == "hash") return FamilyGrouping::kStructure;
  fail(
      "unknown family grouping '{}': op (anchor operator and dtype) or hash (the program's "
      "structure with sizes abstracted)",
      name);
}

std::string to_string(FamilyGrouping grouping) {
  return grouping == FamilyGrouping::kOperator ? "op" : "hash";
}

std::string family_key(const PrimFunc& func, const std::string& anchor, FamilyGrouping by) {
  if (by == FamilyGrouping::kStructure)
    return "structure:" + hash_to_hex(structural_hash_ignoring_integers(func));
  const std::string dtype = func->params.empty() ? "none" : func->params.back()->dtype.str();
  return fmt::format("{}/{}", anchor.empty() ? "elementwise" : anchor, dtype);
}

std::vector<int> structure_groups(const std::vector<PrimFunc>& funcs) {
  std::map<uint64_t, int> ids;
  std::vector<int> groups;
  for (const PrimFunc& f : funcs) {
    auto [it, inserted] =
        ids.emplace(structural_hash_ignoring_integers(f), static_cast<int>(ids.size()));
    groups.push_back(it->second);
  }
  return groups;
}

}  // namespace tessera
