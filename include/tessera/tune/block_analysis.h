// Block analysis: the facts about a block that schedule rules and postprocessors decide
// by (is it spatial, is its binding trivial, does it need multi-level tiling, which loops
// step contiguously through memory). Plugin rules use the same questions.
//
//   const ScheduleState::BlockEntry* e = sch.state().find_block("C");
//   if (needs_multi_level_tiling(sch.state(), *e)) { ... }
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/schedule/state.h"

namespace tessera {

/// Every iteration variable is spatial.
bool is_spatial_block(const BlockNode* block);
/// Every block of the function is spatial (nothing is reduced).
bool is_spatial_func(const PrimFunc& func);
/// The block has annotation tessera.tiling_structure (multi-level tiling took it).
bool is_tiled(const BlockNode* block);
/// One loop per iteration variable, in order, each binding its variable alone over its
/// whole domain (what the workload library builds before scheduling).
bool has_trivial_binding(const ScheduleState::BlockEntry& entry);
/// The loops from the block's outermost one down form a chain: each loop's body is the
/// next loop, the innermost's the block.
bool is_perfect_nest(const ScheduleState::BlockEntry& entry);
/// The kind of iteration variable each loop binds (trivial binding assumed).
std::vector<IterKind> loop_iter_kinds(const ScheduleState::BlockEntry& entry);
/// The constant extent of a loop, if it has one.
std::optional<int64_t> constant_extent(const ForNode* loop);
/// A reduction with one write, reads, a trivial binding, constant extents and data
/// reuse: some spatial variable (extent > 1) indexes no part of some read (so tiling
/// keeps that read in cache across it). Not when already tiled.
bool needs_multi_level_tiling(const ScheduleState& state, const ScheduleState::BlockEntry& entry);
/// Whether the loop variable appears in the block's bindings of reduction variables
/// of any block under the loop (a loop only spatial bindings use is data parallel).
bool is_data_parallel_loop(const ScheduleState& state, const ForNode* loop);
/// How far one step of `loop` moves each buffer access of the blocks under it, in
/// elements of the (row-major) buffer; nullopt for an access whose step is not a
/// constant. One entry per access, stores first.
std::vector<std::optional<int64_t>> access_steps(const ScheduleState& state, const ForNode* loop);
/// How many innermost loops of the block can be fused into one vectorized loop: plain
/// serial loops, each alone in its parent, data parallel, stepping every access by 0 or
/// contiguously, with a product within `limit` (one wider innermost loop still counts).
size_t vectorizable_loops(const ScheduleState& state, const ScheduleState::BlockEntry& entry,
                          int64_t limit);
/// How many outermost loops of the block can be fused into one parallel loop: plain serial,
/// data parallel, perfectly nested, stopping once their product reaches `limit`.
size_t parallelizable_loops(const ScheduleState& state, const ScheduleState::BlockEntry& entry,
                            int64_t limit);

}  // namespace tessera
