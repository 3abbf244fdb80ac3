// Test helper: a scheduled program computes what the original does, on the same
// random inputs, in the reference interpreter.
#pragma once

#include <gtest/gtest.h>

#include "tessera/ir/printer.h"
#include "tessera/runtime/interpreter.h"

namespace tessera::testing_util {

inline void expect_same_results(const PrimFunc& original, const PrimFunc& scheduled,
                                uint64_t seed = 3) {
  std::vector<NDArray> a = make_random_arguments(original, seed),
                       b = make_random_arguments(scheduled, seed);
  run_reference(original, a);
  run_reference(scheduled, b);
  std::vector<bool> outputs = written_params(original);
  for (size_t i = 0; i < a.size(); ++i) {
    if (!outputs[i]) continue;
    Comparison c = compare(b[i], a[i], 1e-5, 1e-5);
    EXPECT_TRUE(c.match) << original->params[i]->name << ": " << c.summary << "\n"
                         << print(scheduled);
  }
}

}  // namespace tessera::testing_util
