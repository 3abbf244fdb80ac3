#include "tessera/support/logging.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "tessera/support/error.h"

namespace tessera {
namespace {

LogLevel initial_level() {
  const char* env = std::getenv("TESSERA_LOG_LEVEL");
  if (env == nullptr) return LogLevel::kWarning;
  try {
    return parse_log_level(env);
  } catch (const Error& e) {
    std::fprintf(stderr, "tessera: ignoring TESSERA_LOG_LEVEL: %s\n", e.what());
    return LogLevel::kWarning;
  }
}

std::atomic<LogLevel>& level_storage() {
  static std::atomic<LogLevel> level{initial_level()};
  return level;
}

}  // namespace

LogLevel log_level() { return level_storage().load(std::memory_order_relaxed); }
void set_log_level(LogLevel level) { level_storage().store(level, std::memory_order_relaxed); }

LogLevel parse_log_level(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warning") return LogLevel::kWarning;
  if (text == "error") return LogLevel::kError;
  if (text == "off") return LogLevel::kOff;
  fail("unknown log level '{}' (expected debug, info, warning, error or off)", text);
}

void log_message(LogLevel level, std::string_view message) {
  static std::mutex mutex;
  static constexpr const char* kNames[] = {"debug", "info", "warning", "error", "off"};
  std::lock_guard<std::mutex> lock(mutex);
  fmt::print(stderr, "[tessera {}] {}\n", kNames[static_cast<int>(level)], message);
}

}  // namespace tessera
