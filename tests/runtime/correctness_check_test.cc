// The correctness check: matches what it should, names the element that is wrong, and
// bounds float errors by the sum of |terms|.
#include <gtest/gtest.h>

#include <cmath>

#include "tessera/runtime/correctness_check.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

TEST(CorrectnessCheck, TheReferenceItselfMatchesAndIsCached) {
  PrimFunc f = workloads::get("gemm:m=6,n=5,k=40").func;
  int reference_runs = 0;
  ReferenceCache cache([&](const PrimFunc& w) {
    return KernelRunner([&, w](std::vector<NDArray>& args) {
      ++reference_runs;
      run_reference(w, args);
    });
  });
  KernelRunner same = [&](std::vector<NDArray>& args) { run_reference(f, args); };
  CheckResult r = check_correctness(f, same, cache);
  EXPECT_TRUE(r.match) << r.summary();
  ASSERT_EQ(r.outputs.size(), 1u);
  EXPECT_EQ(r.outputs[0].summary, "C: match (30 elements, exact)");
  EXPECT_EQ(reference_runs, 2);  // the values and their magnitudes
  EXPECT_TRUE(check_correctness(f, same, cache).match);
  EXPECT_EQ(reference_runs, 2);
  check_correctness(f, same, cache, /*seed=*/1);
  EXPECT_EQ(reference_runs, 4);
  EXPECT_EQ(longest_reduction(f), 40);
}

TEST(CorrectnessCheck, AnElementNeverWrittenIsNaNAndFails) {
  PrimFunc f = workloads::get("gemm:m=6,n=5,k=4").func;
  ReferenceCache cache;
  CheckResult r = check_correctness(
      f,
      [&](std::vector<NDArray>& args) {
        NDArray saved = args[2].copy();
        run_reference(f, args);
        args[2].set(2 * 5 + 3, saved.get(2 * 5 + 3));  // as if C[2, 3] were skipped
      },
      cache);
  EXPECT_FALSE(r.match);
  EXPECT_NE(r.outputs[0].summary.find("C: MISMATCH at 1 of 30 elements; worst at [2, 3]: got nan"),
            std::string::npos)
      << r.summary();
}

TEST(CorrectnessCheck, FloatErrorsAreBoundedByTheSumOfAbsoluteTerms) {
  PrimFunc f = workloads::get("gemm:m=4,n=4,k=64").func;
  ReferenceCache cache;
  auto perturbed = [&](double relative) {
    return [&, relative](std::vector<NDArray>& args) {
      run_reference(f, args);
      args[2].set(5, args[2].get(5) + relative * (std::fabs(args[2].get(5)) + 1));
    };
  };
  EXPECT_TRUE(check_correctness(f, perturbed(1e-7), cache).match);  // a few roundings
  CheckResult r = check_correctness(f, perturbed(1e-2), cache);     // a real error
  EXPECT_FALSE(r.match);
  EXPECT_EQ(r.outputs[0].worst_index, "[1, 1]");
}

TEST(CorrectnessCheck, IntegersMustBeExact) {
  PrimFunc f = workloads::get("gemm:m=3,n=3,k=3,dtype=int8").func;
  ReferenceCache cache;
  CheckResult r = check_correctness(
      f,
      [&](std::vector<NDArray>& args) {
        run_reference(f, args);
        args[2].set_int(0, args[2].get_int(0) + 1);
      },
      cache);
  EXPECT_FALSE(r.match) << r.summary();
  EXPECT_EQ(r.outputs[0].worst_index, "[0, 0]");
}

}  // namespace
}  // namespace tessera
