// The built-in postprocessors (rules/, one per file), registered under their names.
// After a sketch is sampled they run in the order defaults.h gives: DisallowDynamicLoop,
// RewriteParallelVectorizeUnroll, RewriteReductionBlock, VerifyInBounds.
//
//   std::string reason;
//   if (!make_verify_in_bounds()->apply(sch, reason)) std::puts(reason.c_str());
#pragma once

#include <memory>

#include "tessera/tune/postproc.h"

namespace tessera {

/// Rejects a program with a loop whose bounds are not constants.
std::shared_ptr<Postproc> make_disallow_dynamic_loop();
/// Turns the tessera.parallel / tessera.vectorize / tessera.unroll block annotations into
/// a fused parallel loop, a fused vectorized loop and pragma_auto_unroll_max_step.
std::shared_ptr<Postproc> make_rewrite_parallel_vectorize_unroll();
/// Decomposes each reduction's init before its outermost reduction loop.
std::shared_ptr<Postproc> make_rewrite_reduction_block();
/// Rejects a program with a load or store that is not provably inside its buffer.
std::shared_ptr<Postproc> make_verify_in_bounds();

}  // namespace tessera
