#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <set>
#include <stdexcept>

#include "tessera/support/error.h"
#include "tessera/support/hash.h"
#include "tessera/support/logging.h"
#include "tessera/support/random.h"
#include "tessera/support/file_system.h"
#include "tessera/support/run_command.h"
#include "tessera/support/task_pool.h"

namespace tessera {
namespace {

TEST(Error, RendersMessageAndContextChain) {
  Error e("unknown block 'D'");
  e.add_context("in instruction 3 (GetBlock)").add_context("while replaying trace.json");
  EXPECT_EQ(e.message(), "unknown block 'D'");
  EXPECT_STREQ(e.what(),
               "unknown block 'D'\n  in instruction 3 (GetBlock)\n  while replaying trace.json");
  EXPECT_NE(std::string(e.where().file).find("support_test.cc"), std::string::npos);
  EXPECT_GT(e.where().line, 0);
}

TEST(Error, FailFormats) {
  try {
    fail("split factor {} does not divide {}", 3, 10);
    FAIL() << "fail() returned";
  } catch (const Error& e) {
    EXPECT_EQ(e.message(), "split factor 3 does not divide 10");
  }
}

TEST(Random, SameSeedSameStreamOnEveryMachine) {
  // Golden values: the generator and its sampling algorithms are tessera's own,
  // so these must never change (traces and tests depend on them).
  Random rng(42);
  EXPECT_EQ(rng.next(), 1546998764402558742ULL);
  Random a(7), b(7);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.next(), b.next());
  Random c(123);
  std::vector<int64_t> draws;
  for (int i = 0; i < 8; ++i) draws.push_back(c.uniform_int(0, 10));
  EXPECT_EQ(draws, (std::vector<int64_t>{7, 8, 7, 0, 4, 4, 5, 5}));
}

TEST(Random, ForkGivesIndependentStreams) {
  Random parent(5);
  Random child1 = parent.fork();
  Random child2 = parent.fork();
  std::set<uint64_t> seen;
  for (int i = 0; i < 64; ++i) {
    seen.insert(child1.next());
    seen.insert(child2.next());
    seen.insert(parent.next());
  }
  EXPECT_EQ(seen.size(), 192u);
  // Forking is itself deterministic.
  Random again(5);
  Random child1_again = again.fork();
  Random child1_replay = Random(5).fork();
  EXPECT_EQ(child1_again.next(), child1_replay.next());
}

TEST(Random, UniformIntStaysInRangeAndCoversIt) {
  Random rng(1);
  std::vector<int> counts(7, 0);
  for (int i = 0; i < 7000; ++i) {
    int64_t v = rng.uniform_int(-3, 4);
    ASSERT_GE(v, -3);
    ASSERT_LT(v, 4);
    ++counts[static_cast<size_t>(v + 3)];
  }
  for (int c : counts) EXPECT_GT(c, 800);
  EXPECT_THROW(rng.uniform_int(3, 3), Error);
}

TEST(Random, UniformDoubleInUnitInterval) {
  Random rng(9);
  double sum = 0;
  for (int i = 0; i < 10000; ++i) {
    double d = rng.uniform_double();
    ASSERT_GE(d, 0.0);
    ASSERT_LT(d, 1.0);
    sum += d;
  }
  EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

TEST(Random, CategoricalFollowsWeightsAndRejectsBadOnes) {
  Random rng(3);
  std::vector<int> counts(3, 0);
  for (int i = 0; i < 10000; ++i) ++counts[rng.categorical({0.2, 0.0, 0.8})];
  EXPECT_EQ(counts[1], 0);
  EXPECT_NEAR(counts[0] / 10000.0, 0.2, 0.03);
  EXPECT_THROW(rng.categorical({0.0, 0.0}), Error);
  EXPECT_THROW(rng.categorical({1.0, -1.0}), Error);
}

TEST(TaskPool, ResultsInOrderWithPersistentThreads) {
  for (int round = 0; round < 20; ++round) {
    std::vector<int64_t> squares = parallel_map<int64_t>(100, 4, [](int64_t i) { return i * i; });
    ASSERT_EQ(squares.size(), 100u);
    for (int64_t i = 0; i < 100; ++i) EXPECT_EQ(squares[static_cast<size_t>(i)], i * i);
  }
  // Twenty calls on 4 threads started 3 workers once, not 60 threads.
  EXPECT_EQ(TaskPool::shared().workers(), 3);
  EXPECT_TRUE(parallel_map<int>(0, 4, [](int64_t) { return 1; }).empty());
}

TEST(TaskPool, TheFirstErrorByIndexIsRethrownAfterEveryCall) {
  std::atomic<int> calls{0};
  try {
    parallel_map<int>(50, 3, [&](int64_t i) -> int {
      ++calls;
      if (i == 7 || i == 30) throw std::runtime_error("failed at " + std::to_string(i));
      return 0;
    });
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "failed at 7");
  }
  EXPECT_EQ(calls.load(), 50);
}

TEST(TaskPool, NestedCallsFinish) {
  std::vector<int64_t> sums = parallel_map<int64_t>(8, 4, [](int64_t i) {
    std::vector<int64_t> inner = parallel_map<int64_t>(16, 4, [&](int64_t j) { return i + j; });
    int64_t sum = 0;
    for (int64_t v : inner) sum += v;
    return sum;
  });
  for (int64_t i = 0; i < 8; ++i) EXPECT_EQ(sums[static_cast<size_t>(i)], 16 * i + 120);
}

TEST(FileSystem, TemporaryDirectoriesAndAtomicReplacement) {
  std::string kept;
  {
    TemporaryDirectory dir("tessera-support-test");
    kept = dir.path();
    EXPECT_TRUE(std::filesystem::is_directory(kept));
    const std::string file = kept + "/f.txt";
    write_file_atomically(file, "first\n");
    write_file_atomically(file, "second\n");
    std::ifstream in(file);
    std::string line;
    std::getline(in, line);
    EXPECT_EQ(line, "second");
    EXPECT_FALSE(std::filesystem::exists(file + ".tmp"));
    try {
      write_file_atomically(kept + "/missing/f.txt", "x");
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("the directory " + kept + "/missing does not exist"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_FALSE(std::filesystem::exists(kept)) << "removed with its owner";
}

TEST(RunCommand, ArgumentsNeedNoQuoting) {
  CommandResult r = run_command({"printf", "%s|%s", "two words", "it's"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.output, "two words|it's");
  EXPECT_EQ(run_command({"sh", "-c", "echo oops >&2; exit 3"}).status, 3);
  EXPECT_EQ(run_command({"sh", "-c", "echo oops >&2; exit 3"}).output, "oops\n");
  CommandResult missing = run_command({"/nonexistent/tool"});
  EXPECT_NE(missing.status, 0);
  EXPECT_EQ(command_text({"cc", "-o", "a b.so"}), "cc -o 'a b.so'");
}

TEST(Hash, FixedAlgorithm) {
  EXPECT_EQ(hash_string(""), 0xcbf29ce484222325ULL);
  EXPECT_EQ(hash_string("a"), 0xaf63dc4c8601ec8cULL);
  EXPECT_NE(hash_combine(1, 2), hash_combine(2, 1));
  EXPECT_EQ(hash_combine(1, 2), hash_combine(1, 2));
  EXPECT_NE(hash_double(0.0), hash_double(-0.0));
  EXPECT_EQ(hash_double(std::nan("1")), hash_double(std::nan("2")));
  EXPECT_EQ(hash_to_hex(255), "00000000000000ff");
}

TEST(Logging, ParsesLevels) {
  EXPECT_EQ(parse_log_level("debug"), LogLevel::kDebug);
  EXPECT_EQ(parse_log_level("off"), LogLevel::kOff);
  try {
    parse_log_level("verbose");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(e.message().find("unknown log level 'verbose'"), std::string::npos);
  }
  LogLevel saved = log_level();
  set_log_level(LogLevel::kError);
  EXPECT_EQ(log_level(), LogLevel::kError);
  set_log_level(saved);
}

}  // namespace
}  // namespace tessera
