// Tests of the thread pool that generated code runs its parallel loops on.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tessera/runtime/thread_pool.h"

namespace tessera {
namespace {

void count_iterations(int64_t begin, int64_t end, void* closure) {
  *static_cast<std::atomic<int64_t>*>(closure) += end - begin;
}

TEST(ThreadPoolTest, EveryIterationRunsOnce) {
  ThreadPool pool(3);
  std::atomic<int64_t> count{0};
  pool.parallel_for(100, count_iterations, &count);
  EXPECT_EQ(count.load(), 100);
}

// Regression: workers started by a resize began from launch 0 and ran the previous
// launch's body again, with a closure that no longer existed (the isolated worker
// crashed on every second candidate, whose library had been unloaded meanwhile).
TEST(ThreadPoolTest, ResizingDoesNotRunTheLastLaunchAgain) {
  ThreadPool pool(2);
  std::atomic<int64_t> count{0};
  pool.parallel_for(8, count_iterations, &count);
  ASSERT_EQ(count.load(), 8);
  pool.set_num_threads(3);
  pool.set_num_threads(2);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(count.load(), 8);
  pool.parallel_for(8, count_iterations, &count);
  EXPECT_EQ(count.load(), 16);
}

}  // namespace
}  // namespace tessera
