// tessera-worker: the measurement worker the isolated runner spawns (isolated_runner.h).
// It speaks a line protocol on stdin/stdout and is not meant to be run by hand.
#include <unistd.h>

#include <cstdio>

#include "tessera/codegen/reference_runner.h"
#include "tessera/runtime/measure_worker.h"

int main() {
  // The protocol keeps the real stdout; anything else printing to stdout (a kernel, a
  // library) goes to stderr, which the runner keeps for failure reasons.
  const int replies = dup(STDOUT_FILENO);
  if (replies < 0 || dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
    std::perror("tessera-worker: cannot set up its output");
    return 1;
  }
  return tessera::serve_measurements(STDIN_FILENO, replies, tessera::reference_runner_for);
}
