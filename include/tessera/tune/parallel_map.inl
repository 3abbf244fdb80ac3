// parallel_map's definition (declared in search_strategy.h).
#pragma once

#include <algorithm>
#include <atomic>
#include <exception>
#include <functional>
#include <optional>
#include <thread>
#include <vector>

namespace tessera {

template <typename T>
std::vector<T> parallel_map(int64_t n, int threads, const std::function<T(int64_t)>& fn) {
  std::vector<std::optional<T>> slots(static_cast<size_t>(std::max<int64_t>(n, 0)));
  std::vector<std::exception_ptr> errors(slots.size());
  std::atomic<int64_t> next{0};
  auto work = [&] {
    for (int64_t i = next++; i < n; i = next++) {
      try {
        slots[i].emplace(fn(i));
      } catch (...) {
        errors[i] = std::current_exception();
      }
    }
  };
  const int workers = static_cast<int>(std::min<int64_t>(std::max(threads, 1), std::max<int64_t>(n, 1)));
  std::vector<std::thread> pool;
  for (int t = 1; t < workers; ++t) pool.emplace_back(work);
  work();
  for (std::thread& t : pool) t.join();
  for (const std::exception_ptr& e : errors) {
    if (e) std::rethrow_exception(e);
  }
  std::vector<T> out;
  out.reserve(slots.size());
  for (std::optional<T>& s : slots) out.push_back(std::move(*s));
  return out;
}

}  // namespace tessera
