// Test helper: the rendered message of the tessera::Error a callable throws.
#pragma once

#include <functional>
#include <string>

#include "tessera/support/error.h"

namespace tessera::testing_util {

/// Runs `f`; returns the Error's what() text, or "<no error>" if nothing was thrown.
inline std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace tessera::testing_util
