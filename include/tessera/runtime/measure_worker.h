// The worker side of the isolated runner (isolated_runner.h): the loop that the
// `tessera-worker` executable runs. It reads one request per line, computes (and caches)
// the workload's reference outputs, loads the candidate's shared library, checks it
// against the reference and times it, and answers one line per step. A candidate that
// crashes takes this process with it; the runner notices, reports and starts another.
//
//   int main() { return serve_measurements(0, 1, reference_runner_for); }
#pragma once

#include <functional>

#include "tessera/runtime/correctness_check.h"

namespace tessera {

/// Serves requests from `in_fd` until it closes (returns 0) and answers on `out_fd`.
/// `make_reference_runner` gives the trusted runner for a workload's reference
/// (empty: the interpreter). Prepares the process first: no core files, and it dies
/// with its parent.
int serve_measurements(int in_fd, int out_fd,
                       std::function<KernelRunner(const PrimFunc&)> make_reference_runner);

}  // namespace tessera
