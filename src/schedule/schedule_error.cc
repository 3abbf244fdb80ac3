#include "tessera/schedule/schedule_error.h"

#include "tessera/ir/printer.h"

namespace tessera {

ScheduleError::ScheduleError(std::string primitive, std::string message, PrimFunc func,
                             const StmtNode* marked, SourceLocation where)
    : Error(primitive + ": " + message, where),
      primitive_(std::move(primitive)),
      func_(std::move(func)),
      marked_(marked) {}

const char* ScheduleError::what() const noexcept {
  if (rendered_.empty()) {
    try {
      rendered_ = Error::what();
      if (func_.defined()) rendered_ += "\n" + print_marked(func_, marked_, "error: " + primitive_);
    } catch (...) {
      return Error::what();
    }
  }
  return rendered_.c_str();
}

}  // namespace tessera
