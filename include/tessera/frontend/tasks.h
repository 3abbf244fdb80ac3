// Partition: a resolved Graph cut into tuning tasks. Each anchor operator (convolution,
// matmul, pooling, reduction, normalization) becomes a task together with the injective
// producers only it reads (a Pad, a Transpose) and the chain of elementwise consumers after
// it (bias, batch-norm, activation, residual add) as its epilogue; elementwise and
// injective operators left over form tasks of their own, one per connected chain. View
// operators (Reshape, Flatten, Squeeze, Unsqueeze, Identity, Dropout) move no data: the
// runner reuses their input's storage. Each task is a PrimFunc built with te (parameters:
// the task's inputs, then its outputs); tasks with the same structural hash are one task
// whose weight is how often it occurs.
//
//   Partition p = partition(graph);
//   for (const Task& t : p.tasks) fmt::print("{} x{} {} FLOP\n", t.name, t.weight, t.flops);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/frontend/graph.h"
#include "tessera/ir/function.h"

namespace tessera::frontend {

/// A distinct tuning task.
struct Task {
  std::string name;    // from its operators: "conv_add_relu"
  std::string anchor;  // the anchor's op type, or "" for a task without one
  PrimFunc func;
  int64_t flops = 0;
  int weight = 0;                    // occurrences in the model
  std::vector<int> constant_params;  // parameters that are weights (same at every run)
  std::string shape;                 // the anchor's (or first node's) output shape, for listings
};

/// One step of running the model, in order.
struct Step {
  enum class Kind { kTask, kView } kind = Kind::kTask;
  int task = -1;             // index into Partition::tasks (kTask)
  std::vector<int> inputs;   // graph values bound to the leading parameters (kTask), or the
                             // viewed value (kView)
  std::vector<int> outputs;  // graph values the trailing parameters produce / the view
  std::vector<int> nodes;    // the graph nodes it covers
  bool at_load = false;      // every input is a constant: runs once, when the model loads
};

struct Partition {
  std::vector<Task> tasks;
  std::vector<Step> steps;
};

Partition partition(const Graph& graph);

}  // namespace tessera::frontend
