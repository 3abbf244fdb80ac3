// Test helper for large programs (a 127^3 GEMM takes seconds in the interpreter, ten
// times that under the sanitizers): the original runs once in the reference
// interpreter per test binary (cached by structural hash and seed); the scheduled
// program is lowered, JIT-compiled by the LLVM backend and compared with it.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "tessera/codegen/llvm_codegen.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/interpreter.h"

namespace tessera::testing_util {

inline const std::vector<NDArray>& cached_reference(const PrimFunc& original, uint64_t seed) {
  static std::map<std::pair<uint64_t, uint64_t>, std::vector<NDArray>> cache;
  static std::mutex mutex;
  std::lock_guard<std::mutex> lock(mutex);
  auto key = std::make_pair(structural_hash(original), seed);
  auto it = cache.find(key);
  if (it == cache.end()) {
    std::vector<NDArray> args = make_random_arguments(original, seed);
    run_reference(original, args);
    it = cache.emplace(key, std::move(args)).first;
  }
  return it->second;
}

inline void expect_same_results_compiled(const PrimFunc& original, const PrimFunc& scheduled,
                                         uint64_t seed = 3) {
  const std::vector<NDArray>& expected = cached_reference(original, seed);
  std::vector<NDArray> actual = make_random_arguments(original, seed);
  PrimFunc lowered = lower(scheduled);
  LLVMModule::compile({lowered}, /*opt_level=*/1).run(lowered->name, actual);
  std::vector<bool> outputs = written_params(original);
  for (size_t i = 0; i < actual.size(); ++i) {
    if (!outputs[i]) continue;
    Comparison c = compare(actual[i], expected[i], 1e-4, 1e-4);
    EXPECT_TRUE(c.match) << original->params[i]->name << ": " << c.summary << "\n"
                         << print(scheduled);
  }
}

}  // namespace tessera::testing_util
