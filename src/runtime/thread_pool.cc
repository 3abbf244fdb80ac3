#include "tessera/runtime/thread_pool.h"

#include "tessera/support/attributes.h"

#include <algorithm>

namespace tessera {

namespace {

// The range of thread `index` of `threads` over [0, n): contiguous, sizes differing by at most one.
std::pair<int64_t, int64_t> range_of(int64_t n, int threads, int index) {
  int64_t base = n / threads, extra = n % threads;
  int64_t begin = index * base + std::min<int64_t>(index, extra);
  return {begin, begin + base + (index < extra ? 1 : 0)};
}

// Set while a thread runs a parallel body: a parallel loop nested in another runs
// serially on that thread (the pool is busy with the outer one).
thread_local bool inside_parallel = false;

TESSERA_CALLS_GENERATED_CODE void run_body(ParallelBody body, int64_t begin, int64_t end,
                                           void* closure) {
  bool was = inside_parallel;
  inside_parallel = true;
  body(begin, end, closure);
  inside_parallel = was;
}

}  // namespace

ThreadPool::ThreadPool(int num_threads) { start(std::max(1, num_threads)); }

ThreadPool::~ThreadPool() { stop(); }

ThreadPool& ThreadPool::global() {
  static ThreadPool pool(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
  return pool;
}

void ThreadPool::start(int n) {
  num_threads_ = n;
  uint64_t current;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = false;
    current = generation_;
  }
  // New workers start from the current launch: one that began from 0 would run the last
  // launch's body again, whose closure is gone (and whose library may be unloaded).
  for (int i = 1; i < n; ++i) workers_.emplace_back([this, i, current] { worker(i, current); });
}

void ThreadPool::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : workers_) t.join();
  workers_.clear();
}

void ThreadPool::set_num_threads(int n) {
  std::lock_guard<std::mutex> launch(launch_);
  if (std::max(1, n) == num_threads_) return;
  stop();
  start(std::max(1, n));
}

void ThreadPool::worker(int index, uint64_t seen) {
  for (;;) {
    int64_t n;
    ParallelBody body;
    void* closure;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [&] { return quit_ || generation_ != seen; });
      if (quit_) return;
      seen = generation_;
      n = n_, body = body_, closure = closure_;
    }
    auto [begin, end] = range_of(n, num_threads_, index);
    if (begin < end) run_body(body, begin, end, closure);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) done_.notify_one();
    }
  }
}

void ThreadPool::parallel_for(int64_t n, ParallelBody body, void* closure) {
  if (n <= 0) return;
  if (num_threads_ == 1 || n == 1 || inside_parallel) {
    run_body(body, 0, n, closure);
    return;
  }
  std::lock_guard<std::mutex> launch(launch_);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    n_ = n, body_ = body, closure_ = closure;
    pending_ = num_threads_ - 1;
    ++generation_;
  }
  wake_.notify_all();
  auto [begin, end] = range_of(n, num_threads_, 0);
  if (begin < end) run_body(body, begin, end, closure);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [&] { return pending_ == 0; });
}

}  // namespace tessera

extern "C" void tessera_parallel_for(int64_t n, tessera::ParallelBody body, void* closure) {
  tessera::ThreadPool::global().parallel_for(n, body, closure);
}
