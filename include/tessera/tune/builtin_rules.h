// The built-in schedule rules (rules/, one per file) with their parameters. Each is
// registered under its CamelCase name with the defaults below (the llvm target's; the
// parameter list `tessera rules` prints comes from for_each_parameter), so
// `make_component<ScheduleRule>("MultiLevelTiling")` gives the default rule; the
// functions here build one with other parameters. defaults.h lists the rules the
// llvm target uses, in order: Ansor's CPU sketch space.
//
//   MultiLevelTilingOptions tiling;
//   tiling.structure = "SSRSRSS";
//   std::shared_ptr<ScheduleRule> rule = make_multi_level_tiling(tiling);
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tessera/tune/component_parameters.h"
#include "tessera/tune/schedule_rule.h"

namespace tessera {

/// MultiLevelTiling: tiles a reduction block with data reuse (block_analysis.h) into the
/// levels of `structure` ('S': a level of spatial tiles, 'R': of reduction tiles), each
/// loop split by sample_perfect_tile, innermost factor at most `max_innermost_factor`,
/// and the levels reordered outermost first. With `write_cache`, it also branches into
/// sketches whose output tile is written back at level 1, 2, ... of `write_cache_levels`:
/// the elementwise consumer is fused there if there is one, otherwise a write cache
/// (cache_write, scope global) is. For a GEMM: three sketches.
struct MultiLevelTilingOptions {
  std::string structure = "SSRSRS";
  int64_t max_innermost_factor = 64;
  bool write_cache = true;
  std::vector<int> write_cache_levels = {1, 2};
  template <typename Visit>
  void for_each_parameter(Visit&& visit) const {
    visit("structure", structure);
    visit("max_innermost_factor", max_innermost_factor);
    visit("write_cache", write_cache);
    visit("write_cache_levels", write_cache_levels);
  }
};
std::shared_ptr<ScheduleRule> make_multi_level_tiling(const MultiLevelTilingOptions& options = {});

/// AutoInline: inlines blocks into their consumers: constant-only blocks always; in a
/// function that reduces somewhere, only blocks whose write is injective, whose reads are
/// in the write's order, and that have no if_then_else/select and no call in
/// `disallowed_calls` (expensive to recompute); in a purely spatial function, every block
/// that can be. With `into_producer`, a consumer is also folded into its only producer.
struct AutoInlineOptions {
  bool into_consumer = true;
  bool into_producer = false;
  bool inline_constant_blocks = true;
  bool disallow_if_then_else = true;
  bool require_injective = true;
  bool require_ordered = true;
  std::vector<std::string> disallowed_calls = {"exp"};
  template <typename Visit>
  void for_each_parameter(Visit&& visit) const {
    visit("into_consumer", into_consumer);
    visit("into_producer", into_producer);
    visit("inline_constant_blocks", inline_constant_blocks);
    visit("disallow_if_then_else", disallow_if_then_else);
    visit("require_injective", require_injective);
    visit("require_ordered", require_ordered);
    visit("disallowed_calls", disallowed_calls);
  }
};
std::shared_ptr<ScheduleRule> make_auto_inline(const AutoInlineOptions& options = {});

/// AddRFactor: for a reduction with little spatial parallelism (fewer spatial iterations
/// than reduction ones and at most cores * max_jobs_per_core; or any reduction that
/// multi-level tiling does not take), fuses its reduction loops, splits them in two
/// (sample_perfect_tile, inner at most max_innermost_factor) and branches into an rfactor
/// over each part, keeping the original as a third sketch.
struct AddRFactorOptions {
  int max_jobs_per_core = 16;
  int64_t max_innermost_factor = 64;
  template <typename Visit>
  void for_each_parameter(Visit&& visit) const {
    visit("max_jobs_per_core", max_jobs_per_core);
    visit("max_innermost_factor", max_innermost_factor);
  }
};
std::shared_ptr<ScheduleRule> make_add_rfactor(const AddRFactorOptions& options = {});

/// ParallelizeVectorizeUnroll: annotates each block at the top of the function with the
/// parallel extent (cores * max_jobs_per_core), the vector extent (max_vectorize_extent)
/// and, unless the block is spatial, an unroll step sampled uniformly from
/// unroll_max_steps; postprocessor RewriteParallelVectorizeUnroll turns them into loops.
/// A limit of 0 leaves that annotation out.
struct ParallelizeVectorizeUnrollOptions {
  int max_jobs_per_core = 16;
  int64_t max_vectorize_extent = 64;
  std::vector<int64_t> unroll_max_steps = {0, 16, 64, 512};
  template <typename Visit>
  void for_each_parameter(Visit&& visit) const {
    visit("max_jobs_per_core", max_jobs_per_core);
    visit("max_vectorize_extent", max_vectorize_extent);
    visit("unroll_max_steps", unroll_max_steps);
  }
};
std::shared_ptr<ScheduleRule> make_parallelize_vectorize_unroll(
    const ParallelizeVectorizeUnrollOptions& options = {});

/// RandomComputeLocation: a block at the top of the function that is not tiled and has
/// consumers goes to a location sampled by sample_compute_location (a loop of its
/// consumer, where it is, or inlined); a block marked tessera.random_compute_producer
/// takes its producer (an rfactor block) along.
std::shared_ptr<ScheduleRule> make_random_compute_location();

/// LoopPartition: a spatial, untiled block whose innermost loop steps contiguously but
/// whose extent is not a multiple of the vector length (the target's vector register
/// over the element size) gets that loop split by a multiple of the vector length,
/// sampled with sample_categorical from `vector_multiples` (those below the extent), and
/// the outer loop annotated pragma_loop_partition: lowering cuts off the tail, so the
/// main part vectorizes.
struct LoopPartitionOptions {
  std::vector<int64_t> vector_multiples = {1, 2, 4};
  template <typename Visit>
  void for_each_parameter(Visit&& visit) const {
    visit("vector_multiples", vector_multiples);
  }
};
std::shared_ptr<ScheduleRule> make_loop_partition(const LoopPartitionOptions& options = {});

}  // namespace tessera
