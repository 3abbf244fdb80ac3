// The property test that matters most: random sequences of primitives and samplers,
// chosen by querying the schedule, on every kind of workload. Every resulting program
// must compute exactly what the original does (reference interpreter), its trace must
// replay through JSON to a structurally equal program, and a primitive that fails
// must change nothing. TESSERA_RANDOM_SCHEDULES=N runs N schedules per workload
// (default 100, about 2200 schedules) for longer or shorter runs.
#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "tessera/ir/op.h"
#include "tessera/ir/printer.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/schedule/schedule.h"
#include "tessera/schedule/schedule_error.h"
#include "tessera/te/workloads.h"
#include "../common/random_schedule.h"

namespace tessera {
namespace {

using testing_util::random_step;
using testing_util::small_workloads;
using testing_util::Stats;

void check_equivalent(const PrimFunc& original, const PrimFunc& scheduled,
                      const std::string& context) {
  std::vector<NDArray> a = make_random_arguments(original, 11),
                       b = make_random_arguments(scheduled, 11);
  run_reference(original, a);
  try {
    run_reference(scheduled, b);
  } catch (const Error& e) {
    FAIL() << context << "\nthe scheduled program fails: " << e.what() << "\n" << print(scheduled);
  }
  std::vector<bool> outputs = written_params(original);
  for (size_t i = 0; i < a.size(); ++i) {
    if (!outputs[i]) continue;
    Comparison c = compare(b[i], a[i], 1e-4, 1e-4);
    ASSERT_TRUE(c.match) << context << "\n"
                         << original->params[i]->name << ": " << c.summary << "\n"
                         << print(scheduled);
  }
}

int schedules_per_workload() {
  const char* env = std::getenv("TESSERA_RANDOM_SCHEDULES");
  return env != nullptr ? std::max(1, std::atoi(env)) : 100;
}

TEST(RandomSchedules, ComputeWhatTheOriginalDoesAndReplay) {
  Stats stats;
  int schedules = 0;
  for (const std::string& spec : small_workloads()) {
    PrimFunc f = workloads::get(spec).func;
    for (int n = 0; n < schedules_per_workload(); ++n, ++schedules) {
      Random rng(static_cast<uint64_t>(n) * 7919 + spec.size());
      Schedule sch(f, static_cast<uint64_t>(n), /*traced=*/true, /*debug=*/true);
      int steps = static_cast<int>(rng.uniform_int(1, 9));
      for (int s = 0; s < steps; ++s) {
        random_step(sch, rng, stats);
        if (HasFatalFailure()) return;
      }
      const std::string json = sch.trace()->to_json_string();
      const std::string context = spec + " seed " + std::to_string(n) + "\ntrace: " + json;
      check_equivalent(f, sch.func(), context);
      if (HasFatalFailure()) return;
      Schedule replay(f);
      Trace::from_json_string(json).apply(replay);
      ASSERT_TRUE(structural_equal(replay.func(), sch.func())) << context;
      ASSERT_EQ(replay.trace()->to_json_string(), json) << context;
    }
  }
  RecordProperty("schedules", schedules);
  std::printf(
      "random schedules: %d programs, %d primitives applied, %d refused (%d by invariant checks)\n",
      schedules, stats.applied, stats.refused, stats.invariant_broken);
  EXPECT_GT(stats.applied, schedules);  // the generator does real work
}

TEST(RandomSchedules, SameSeedSameTraceOnAnyThread) {
  PrimFunc f = workloads::get("C2D:n=1,h=6,w=5,ci=2,co=3,kernel=3,stride=1,pad=1").func;
  auto run = [&](uint64_t seed) {
    Random rng(seed);
    Schedule sch(f, seed);
    Stats stats;
    for (int s = 0; s < 8; ++s) random_step(sch, rng, stats);
    return sch.trace()->to_json_string();
  };
  std::vector<std::string> expected;
  for (uint64_t seed = 0; seed < 8; ++seed) expected.push_back(run(seed));
  std::vector<std::string> results(8);
  std::vector<std::thread> threads;
  for (uint64_t seed = 0; seed < 8; ++seed)
    threads.emplace_back([&, seed] { results[seed] = run(seed); });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(results, expected);
}

}  // namespace
}  // namespace tessera
