// tessera::Error: the one exception type tessera throws for user-facing failures.
//
// An Error carries a message, a chain of context lines added as it propagates
// ("while parsing workloads.jsonl line 3", "in block C"), and the source location
// where it was raised. `what()` renders all of it; `message()` is the bare text.
//
//   throw Error("unknown workload 'gemmm'");
//   try { ... } catch (Error& e) { e.add_context("while loading --trace x.json"); throw; }
#pragma once

#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace tessera {

/// Where an error was raised. Built from compiler builtins (not std::source_location,
/// which clang before 15 cannot provide with libstdc++ 12).
struct SourceLocation {
  const char* file = "";
  int line = 0;
  const char* function = "";

  static SourceLocation current(const char* file = __builtin_FILE(), int line = __builtin_LINE(),
                                const char* function = __builtin_FUNCTION()) {
    return SourceLocation{file, line, function};
  }
};

class Error : public std::exception {
 public:
  explicit Error(std::string message, SourceLocation where = SourceLocation::current());

  /// Adds a line of context, outermost last; returns *this so `throw e.add_context(..)` works.
  Error& add_context(std::string context);

  const std::string& message() const { return message_; }
  const std::vector<std::string>& context() const { return context_; }
  const SourceLocation& where() const { return where_; }

  /// Message followed by the context chain, one "  while ..." line each.
  const char* what() const noexcept override { return rendered_.c_str(); }

 private:
  void render();

  std::string message_;
  std::vector<std::string> context_;
  SourceLocation where_;
  std::string rendered_;
};

/// Throws Error with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

/// Internal invariant check: failures are tessera bugs, reported with their location.
#define TESSERA_CHECK(condition, ...)                                                 \
  do {                                                                                \
    if (!(condition)) {                                                               \
      throw ::tessera::Error(std::string("internal check failed: " #condition ": ") + \
                             ::fmt::format(__VA_ARGS__));                             \
    }                                                                                 \
  } while (false)

}  // namespace tessera
