// Logging through fmt with levels.
//
// The level comes from the TESSERA_LOG_LEVEL environment variable
// (debug|info|warning|error|off, default warning) or set_log_level(). Messages go
// to stderr, one line each, prefixed with the level.
//
//   log_info("tuning {} for {} trials", name, trials);
#pragma once

#include <string_view>

#include <fmt/format.h>

namespace tessera {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kOff = 4 };

LogLevel log_level();
void set_log_level(LogLevel level);
/// Parses "debug", "info", "warning", "error", "off"; throws Error otherwise.
LogLevel parse_log_level(std::string_view text);
void log_message(LogLevel level, std::string_view message);

template <typename... Args>
void log_at(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (level < log_level()) return;
  log_message(level, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void log_debug(fmt::format_string<Args...> f, Args&&... a) {
  log_at(LogLevel::kDebug, f, std::forward<Args>(a)...);
}
template <typename... Args>
void log_info(fmt::format_string<Args...> f, Args&&... a) {
  log_at(LogLevel::kInfo, f, std::forward<Args>(a)...);
}
template <typename... Args>
void log_warning(fmt::format_string<Args...> f, Args&&... a) {
  log_at(LogLevel::kWarning, f, std::forward<Args>(a)...);
}
template <typename... Args>
void log_error(fmt::format_string<Args...> f, Args&&... a) {
  log_at(LogLevel::kError, f, std::forward<Args>(a)...);
}

}  // namespace tessera
