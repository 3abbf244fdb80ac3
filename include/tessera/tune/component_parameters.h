// The parameters of a tuning component, declared once: its options struct lists its
// fields in for_each_parameter, and what the registry shows (`tessera rules`) is derived
// from a default-constructed struct, so the defaults printed are the defaults used.
//
//   struct MyRuleOptions {
//     int64_t factor = 8;
//     std::vector<int64_t> levels = {1, 2};
//     template <typename Visit> void for_each_parameter(Visit&& visit) const {
//       visit("factor", factor);
//       visit("levels", levels);
//     }
//   };
//   TESSERA_REGISTER_COMPONENT(ScheduleRule, MyRule, "tiles my blocks",
//   parameter_text<MyRuleOptions>());
//   // `tessera rules` shows: factor=8, levels=[1, 2]
#pragma once

#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include <fmt/format.h>

namespace tessera {

namespace component_parameters_detail {

inline std::string value_text(bool value) { return value ? "true" : "false"; }
inline std::string value_text(const std::string& value) { return value; }
template <typename T, typename = std::enable_if_t<std::is_arithmetic_v<T>>>
std::string value_text(T value) {
  return fmt::format("{}", value);
}
template <typename T>
std::string value_text(const std::vector<T>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) text += (i == 0 ? "" : ", ") + value_text(values[i]);
  return text + "]";
}

}  // namespace component_parameters_detail

/// "name=default, ..." for every parameter Options lists, in its order.
template <typename Options>
std::string parameter_text(const Options& options = Options{}) {
  std::string text;
  options.for_each_parameter([&](const char* name, const auto& value) {
    if (!text.empty()) text += ", ";
    text += std::string(name) + "=" + component_parameters_detail::value_text(value);
  });
  return text;
}

}  // namespace tessera
