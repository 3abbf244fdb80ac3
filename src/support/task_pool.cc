#include "tessera/support/task_pool.h"

#include <algorithm>
#include <atomic>

namespace tessera {

struct TaskPool::Job {
  const std::function<void(int64_t)>* fn = nullptr;
  int64_t n = 0;
  std::atomic<int64_t> next{0};
  int helpers_wanted = 0;  // guarded by the pool's mutex
  int helpers_active = 0;  // guarded by the pool's mutex
};

TaskPool::~TaskPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    quit_ = true;
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

TaskPool& TaskPool::shared() {
  static TaskPool pool;
  return pool;
}

int TaskPool::workers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(threads_.size());
}

void TaskPool::drain(Job& job) {
  for (int64_t i = job.next++; i < job.n; i = job.next++) (*job.fn)(i);
}

void TaskPool::run(int64_t n, int threads, const std::function<void(int64_t)>& fn) {
  if (n <= 0) return;
  const int helpers = static_cast<int>(std::min<int64_t>(std::max(threads, 1), n)) - 1;
  if (helpers == 0) {
    for (int64_t i = 0; i < n; ++i) fn(i);
    return;
  }
  Job job;
  job.fn = &fn;
  job.n = n;
  job.helpers_wanted = helpers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    while (static_cast<int>(threads_.size()) < helpers) threads_.emplace_back([this] { work(); });
    jobs_.push_back(&job);
  }
  wake_.notify_all();
  drain(job);
  std::unique_lock<std::mutex> lock(mutex_);
  // No helper may join once the work is taken; those that did finish their last call.
  jobs_.erase(std::remove(jobs_.begin(), jobs_.end(), &job), jobs_.end());
  done_.wait(lock, [&] { return job.helpers_active == 0; });
}

void TaskPool::work() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return quit_ || !jobs_.empty(); });
    if (quit_) return;
    Job* job = jobs_.front();
    if (--job->helpers_wanted == 0) jobs_.pop_front();
    ++job->helpers_active;
    lock.unlock();
    drain(*job);
    lock.lock();
    if (--job->helpers_active == 0) done_.notify_all();
  }
}

}  // namespace tessera
