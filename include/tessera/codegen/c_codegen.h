// The C backend: readable, self-contained C11 for a lowered function (lower.h), for
// inspecting what a schedule did and for users without LLVM at the other end. Parallel
// loops become `#pragma omp parallel for`, vectorized loops `#pragma omp simd`, unrolled
// loops `#pragma GCC unroll`. Integer arithmetic wraps (compile with -fwrapv, as
// compile_c does) and floats round after every operation (no fast-math, no contraction),
// as in the reference interpreter.
//
//   std::string source = emit_c({lower(sch.func())});
//   // void gemm(float* restrict A, float* restrict B, float* restrict C);
//   // void gemm_packed(void** args);   one pointer per parameter, in order
#pragma once

#include <string>
#include <vector>

#include "tessera/ir/function.h"

namespace tessera {

/// One C translation unit holding every function (each lowered and flattened), each
/// with its typed entry point and a `<name>_packed(void** args)` wrapper. Throws Error
/// naming the function and construct the backend cannot express (a vector expression,
/// a data type C lacks, a target intrinsic).
std::string emit_c(const std::vector<PrimFunc>& funcs);

/// A C header declaring both entry points of every function, for programs linking the
/// shared library or object that `LLVMModule::write` (or the C source) makes;
/// `comment` (for example the workload) goes in its first line.
std::string emit_c_header(const std::vector<PrimFunc>& funcs, const std::string& comment = "");

}  // namespace tessera
