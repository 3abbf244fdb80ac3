// What the LLVM backend's files share (internal to src/codegen): LLVM error handling, the
// one-time initialisation, and building a lowered PrimFunc into an LLVM module
// (llvm_function_builder.cc).
#pragma once

#include <string>

#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>

#include "tessera/ir/function.h"
#include "tessera/support/error.h"

namespace tessera::llvm_detail {

std::string llvm_message(llvm::Error error);

template <typename T>
T unwrap(llvm::Expected<T> value, const char* what) {
  if (!value) fail("LLVM backend: {}: {}", what, llvm_message(value.takeError()));
  return std::move(*value);
}

/// The native target, its assembly printer and TESSERA_LLVM_OPTIONS, once per process.
void initialize_llvm();

/// Adds `func` (lowered: flat parameters) to `module` as `void NAME(T* p, ...)`, its
/// parallel loops outlined into functions run by tessera_parallel_for, and the checked
/// entry point `int NAME_packed(void** args)`.
void build_function(const PrimFunc& func, llvm::Module& module);

}  // namespace tessera::llvm_detail
