#include "tessera/support/error.h"

namespace tessera {

Error::Error(std::string message, SourceLocation where)
    : message_(std::move(message)), where_(where) {
  render();
}

Error& Error::add_context(std::string context) {
  context_.push_back(std::move(context));
  render();
  return *this;
}

void Error::render() {
  rendered_ = message_;
  for (const std::string& line : context_) {
    rendered_ += "\n  ";
    rendered_ += line;
  }
}

}  // namespace tessera
