// Compiler attributes tessera needs in a few places.
//
// TESSERA_CALLS_GENERATED_CODE marks a function that calls code generated at run time
// (JIT-compiled or dlopen'ed kernels) through a function pointer. Clang's
// -fsanitize=function checks such calls by reading a signature word just before the
// callee, which generated code does not have (and which may lie on an unmapped page).
#pragma once

#if defined(__clang__)
#define TESSERA_CALLS_GENERATED_CODE __attribute__((no_sanitize("function")))
#else
#define TESSERA_CALLS_GENERATED_CODE
#endif
