// The trusted reference for correctness checks (correctness_check.h): the interpreter,
// which is the oracle, or, past a size where the interpreter takes seconds, the
// unscheduled program compiled by LLVM (which the test suite checks against the
// interpreter). The driver's --check and the measurement worker both use it.
//
//   ReferenceCache cache(reference_runner_for);
#pragma once

#include "tessera/ir/function.h"
#include "tessera/runtime/correctness_check.h"

namespace tessera {

/// True when `workload` is large enough (over 5e7 FLOP) to get the compiled reference.
bool uses_compiled_reference(const PrimFunc& workload);

/// The reference runner for `workload` (compiles it when uses_compiled_reference).
KernelRunner reference_runner_for(const PrimFunc& workload);

}  // namespace tessera
