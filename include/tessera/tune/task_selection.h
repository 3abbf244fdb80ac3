// How a task scheduler (task_scheduler.h) chooses: the gradient of Ansor's task scheduler
// and FamilySeer's families, as plain functions of the tasks' histories so that the
// choice can be checked by hand.
//
// The objective is the weighted end-to-end latency f = Σ_i w_i · g_i, where g_i is task
// i's best latency and w_i its weight. After t_i rounds of task i (its history
// g_i(1..t_i)), the gradient of f with respect to the rounds given to task i is estimated as
//
//   ∂f/∂t_i ≈ w_i · ( α · (g_i(t_i) − g_i(t_i − Δ)) / Δ
//                   + (1 − α) · ( min( g_i(t_i) − g_i(t_i) / t_i,  β · C_i / max_{k∈N(i)} V_k )
//                                 − g_i(t_i) ) )
//
// the backward term over a window of Δ = 3 rounds (0 until the task has Δ + 1 rounds), the
// optimistic forward term (the next round gains as much as the average round so far), and
// the similar-task term: C_i is the task's FLOPs, V_k = C_k / g_k the FLOP/s reached by a
// task k of the same structure N(i) (itself included; only when N(i) has another task).
// α = 0.2, β = 2. The next round goes to the task with the most negative gradient.
//
//   std::vector<double> g = task_gradients(histories, GradientOptions{});
//   std::string family = family_key(task.func, "Conv", FamilyGrouping::kOperator);  //
//   "Conv/float32"
#pragma once

#include <string>
#include <vector>

#include "tessera/ir/function.h"

namespace tessera {

struct GradientOptions {
  double alpha = 0.2;       // weight of the backward term
  double beta = 2.0;        // how far behind its similar tasks' FLOP/s a task may stay
  int backward_window = 3;  // Δ, in rounds
};

/// What the gradient knows of one task.
struct TaskHistory {
  double weight = 1;
  double flops = 0;
  std::vector<double> best_after_round;  // the task's best latency after each of its rounds
  int similar_group = -1;                // tasks with the same group are similar; -1: none
};

/// ∂f/∂t_i per task (≤ 0; the most negative gains most). A task without rounds, or without
/// a finite best, gets −infinity: it must be measured before anything can be estimated.
std::vector<double> task_gradients(const std::vector<TaskHistory>& tasks,
                                   const GradientOptions& options);

/// How tasks are grouped into families (FamilySeer): by the anchor operator and dtype
/// (`op`), or by the structure of the program with every integer abstracted (`hash`).
enum class FamilyGrouping { kOperator, kStructure };
FamilyGrouping parse_family_grouping(const std::string& name);  // "op" or "hash"
std::string to_string(FamilyGrouping grouping);

/// A task's family: "Conv/float32" (an elementwise task: "elementwise/float32"), or
/// "structure:<16 hex digits>". The dtype is that of the program's last parameter (its
/// output).
std::string family_key(const PrimFunc& func, const std::string& anchor, FamilyGrouping by);

/// The structure group of each function (structural_hash_ignoring_integers): what the
/// gradient's similar-task term compares.
std::vector<int> structure_groups(const std::vector<PrimFunc>& funcs);

}  // namespace tessera
