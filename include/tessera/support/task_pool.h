// TaskPool: persistent worker threads for tessera's own parallel work on the host
// (sampling candidates, compiling them, replaying records, extracting features), and
// parallel_map on top of it. The threads start once and wait between calls, so a call
// costs a wake-up, not a thread start. Generated kernels run on a different pool
// (runtime/thread_pool.h): a task that runs a kernel never waits for its own pool.
//
//   std::vector<double> squares = parallel_map<double>(n, threads, [&](int64_t i) { return f(i);
//   });
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace tessera {

class TaskPool {
 public:
  TaskPool() = default;
  ~TaskPool();
  TaskPool(const TaskPool&) = delete;
  TaskPool& operator=(const TaskPool&) = delete;

  /// The process's pool; it grows to the most threads any call asked for.
  static TaskPool& shared();

  /// Runs fn(i) for every i in [0, n) on up to `threads` threads, the calling thread one of
  /// them, and returns when all calls returned. fn must not throw. Calls may nest (fn may
  /// call run): the caller always works on its own call, so it finishes even when every
  /// worker is busy.
  void run(int64_t n, int threads, const std::function<void(int64_t)>& fn);

  /// Worker threads started so far.
  int workers() const;

 private:
  struct Job;
  void work();
  static void drain(Job& job);

  mutable std::mutex mutex_;
  std::condition_variable wake_, done_;
  std::deque<Job*> jobs_;  // calls that still want helpers
  std::vector<std::thread> threads_;
  bool quit_ = false;
};

/// Runs fn(i) for i in [0, n) on up to `threads` threads of the shared pool; results in
/// index order. The first exception (by index) is rethrown after every call finished.
template <typename T>
std::vector<T> parallel_map(int64_t n, int threads, const std::function<T(int64_t)>& fn) {
  std::vector<std::optional<T>> slots(static_cast<size_t>(n > 0 ? n : 0));
  std::vector<std::exception_ptr> errors(slots.size());
  TaskPool::shared().run(n, threads, [&](int64_t i) {
    try {
      slots[static_cast<size_t>(i)].emplace(fn(i));
    } catch (...) {
      errors[static_cast<size_t>(i)] = std::current_exception();
    }
  });
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  std::vector<T> out;
  out.reserve(slots.size());
  for (std::optional<T>& s : slots) out.push_back(std::move(*s));
  return out;
}

}  // namespace tessera
