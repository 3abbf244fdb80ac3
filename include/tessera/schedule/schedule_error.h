// ScheduleError: a primitive's precondition failed. The message names the
// primitive, the block or loop, and the violated condition in plain words;
// `what()` adds the function's IR with the offending block or loop marked.
// The IR is rendered only when someone reads it, so failures during search
// (where rules try primitives and catch errors) cost little.
#pragma once

#include <string>

#include "tessera/ir/function.h"
#include "tessera/support/error.h"

namespace tessera {

class ScheduleError : public Error {
 public:
  /// `marked` (a For or Block node of `func`, may be null) is highlighted in the rendering.
  ScheduleError(std::string primitive, std::string message, PrimFunc func, const StmtNode* marked,
                SourceLocation where = SourceLocation::current());

  const std::string& primitive() const { return primitive_; }
  const char* what() const noexcept override;

 private:
  std::string primitive_;
  PrimFunc func_;
  const StmtNode* marked_;
  mutable std::string rendered_;
};

}  // namespace tessera
