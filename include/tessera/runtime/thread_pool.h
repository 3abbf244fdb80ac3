// ThreadPool: the persistent threads that generated code runs parallel loops on.
// parallel_for(n, fn, closure) splits [0, n) into one contiguous range per thread
// (static partitioning), runs fn(begin, end, closure) on each and returns when all are
// done; nothing is allocated per launch. The calling thread takes the first range.
// Generated code calls the C entry point tessera_parallel_for on the global pool.
//
//   ThreadPool::global().set_num_threads(2);
//   tessera_parallel_for(1024, body, &captures);
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

namespace tessera {

using ParallelBody = void (*)(int64_t begin, int64_t end, void* closure);

class ThreadPool {
 public:
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  /// The pool generated code uses; starts with one thread per hardware thread.
  static ThreadPool& global();

  int num_threads() const { return num_threads_; }
  /// Restarts the workers (not while a parallel_for runs).
  void set_num_threads(int n);
  void parallel_for(int64_t n, ParallelBody body, void* closure);

 private:
  void start(int n);
  void stop();
  void worker(int index, uint64_t seen);  // `seen`: the launch it has already taken part in

  int num_threads_ = 1;
  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  uint64_t generation_ = 0;
  int pending_ = 0;
  bool quit_ = false;
  // The current launch.
  int64_t n_ = 0;
  ParallelBody body_ = nullptr;
  void* closure_ = nullptr;
  std::mutex launch_;  // one launch at a time
};

}  // namespace tessera

extern "C" void tessera_parallel_for(int64_t n, tessera::ParallelBody body, void* closure);
