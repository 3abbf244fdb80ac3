// Test helper: the random-schedule generator of the property tests. random_step()
// applies one random primitive (or sampler) chosen by querying the schedule; a
// refusal must leave the program unchanged. small_workloads() covers every kind of
// operator at sizes the reference interpreter runs quickly.
#pragma once

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "tessera/arith/index_map.h"
#include "tessera/ir/op.h"
#include "tessera/schedule/schedule.h"
#include "tessera/schedule/schedule_error.h"

namespace tessera::testing_util {

inline const std::vector<std::string>& small_workloads() {
  static const std::vector<std::string> kSpecs = {
      "gemm:m=8,n=12,k=6",
      "gemm:m=6,n=5,k=7,epilogue=bias_relu",
      "gemm:m=4,n=4,k=6,dtype=int8",
      "dense:m=4,n=6,k=8",
      "GMM:b=2,n=4,m=6,k=5",
      "TBG:batch=1,seq=4,heads=2,dim=3",
      "C1D:n=1,l=9,ci=2,co=3,kernel=3,stride=2,pad=1",
      "C2D:n=1,h=6,w=5,ci=2,co=3,kernel=3,stride=1,pad=1",
      "C3D:n=1,d=3,h=4,w=4,ci=2,co=2,kernel=3,stride=1,pad=1",
      "GRP:n=1,h=5,w=5,ci=4,co=4,kernel=3,stride=1,pad=1,dilation=1,groups=2",
      "DIL:n=1,h=7,w=7,ci=2,co=2,kernel=3,stride=1,pad=2,dilation=2",
      "DEP:n=1,h=6,w=6,c=3,kernel=3,stride=2,pad=1",
      "T2D:n=1,h=3,w=3,ci=2,co=2,kernel=4,stride=2,pad=1",
      "CAP:n=1,h=4,w=4,ci=2,co=2,kernel=3,stride=1,pad=1,capsule=2",
      "CBR:n=1,h=5,w=5,ci=2,co=3,kernel=3,stride=1,pad=1",
      "NRM:b=2,m=3,n=4",
      "SFM:m=3,n=5",
      "layernorm:b=3,n=6",
      "pool:n=1,h=5,w=5,c=2,kernel=3,stride=2,pad=1,kind=avg",
      "elementwise:m=4,n=6",
      "transpose:m=3,n=5",
      "conv2d_nchw:n=1,ci=2,h=5,w=5,co=2,kernel=3,stride=1,pad=1",
  };
  return kSpecs;
}

struct Stats {
  int applied = 0;
  int refused = 0;
  int invariant_broken =
      0;  // refusals by the debug-mode verification, not by a primitive's own checks
};

// One random primitive on `sch`; refusals (ScheduleError) must leave everything unchanged.
inline void random_step(Schedule& sch, Random& rng, Stats& stats) {
  std::vector<const BlockNode*> blocks = sch.state().blocks();
  if (blocks.empty()) return;
  const BlockNode* picked =
      blocks[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(blocks.size())))];
  const PrimFunc before = sch.func();
  const size_t trace_before = sch.trace()->insts().size();
  auto any_loop = [&](const std::vector<LoopRV>& loops) {
    return loops[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(loops.size())))];
  };
  try {
    BlockRV block = sch.get_block(picked->name);
    std::vector<LoopRV> loops = sch.get_loops(block);
    switch (rng.uniform_int(0, 21)) {
      case 0:
      case 1: {  // split with a sampled perfect tile
        if (loops.empty()) break;
        LoopRV l = any_loop(loops);
        int n = static_cast<int>(rng.uniform_int(2, 4));
        sch.split(l, sch.sample_perfect_tile(l, n, rng.uniform_int(0, 2) ? 0 : 4));
        break;
      }
      case 2: {  // split with a factor that may not divide
        if (loops.empty()) break;
        sch.split(any_loop(loops), {std::nullopt, rng.uniform_int(1, 5)});
        break;
      }
      case 3: {  // fuse a loop with the next one
        if (loops.size() < 2) break;
        size_t k = static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(loops.size()) - 1));
        sch.fuse({loops[k], loops[k + 1]});
        break;
      }
      case 4: {  // reorder two loops
        if (loops.size() < 2) break;
        sch.reorder({any_loop(loops), any_loop(loops)});
        break;
      }
      case 5:
      case 6:
        sch.compute_at(block, sch.sample_compute_location(block), rng.uniform_int(0, 2) == 1);
        break;
      case 7: sch.reverse_compute_inline(block); break;
      case 8: {
        if (!picked->reads.empty())
          sch.cache_read(block, rng.uniform_int(0, static_cast<int64_t>(picked->reads.size())),
                         "local");
        break;
      }
      case 9: sch.cache_write(block, 0, "shared"); break;
      case 10: {
        if (loops.empty()) break;
        LoopRV l = any_loop(loops);
        if (rng.uniform_int(0, 2)) {
          sch.rfactor(l, rng.uniform_int(0, 2));
        } else {
          sch.decompose_reduction(block, l);
        }
        break;
      }
      case 11: {
        if (loops.empty()) break;
        LoopRV l = any_loop(loops);
        switch (rng.uniform_int(0, 3)) {
          case 0: sch.parallel(l); break;
          case 1: sch.vectorize(l); break;
          default: sch.unroll(l); break;
        }
        break;
      }
      case 12: {
        if (loops.empty()) break;
        if (rng.uniform_int(0, 2)) {
          sch.annotate(any_loop(loops), "pragma_auto_unroll_max_step",
                       sch.sample_categorical({0, 16, 64}, {0.4, 0.3, 0.3}));
        } else {
          sch.annotate(any_loop(loops), "pragma_loop_partition",
                       int64_t{1});  // cut where split conditions are decided
        }
        break;
      }
      case 14: {  // layout of an intermediate the block writes
        if (rng.uniform_int(0, 2)) {
          sch.set_scope(block, 0, rng.uniform_int(0, 2) ? "shared" : "local");
        } else if (!picked->writes.empty()) {
          int64_t ndim = static_cast<int64_t>(picked->writes[0].buffer.ndim());
          int64_t factor = rng.uniform_int(1, 9);
          sch.storage_align(block, 0, rng.uniform_int(0, ndim), factor, rng.uniform_int(0, factor));
        }
        break;
      }
      case 15: {  // partition a random loop at random points
        if (loops.empty()) break;
        LoopRV l = any_loop(loops);
        auto extent = as_const_int(sch.get(l)->extent);
        if (!extent || *extent < 2) break;
        int64_t first = rng.uniform_int(1, *extent);
        if (*extent >= 3 && rng.uniform_int(0, 3) == 0) {
          int64_t last = rng.uniform_int(1, *extent - first + (first < *extent - 1 ? 0 : 1));
          sch.loop_partition(l, {first, std::nullopt, last});
        } else if (rng.uniform_int(0, 2)) {
          sch.loop_partition(l, {sch.sample_categorical({first}, {1.0}), std::nullopt});
        } else {
          sch.loop_partition(l, {std::nullopt, *extent - first});
        }
        break;
      }
      case 16: {  // reindex a read or the write
        bool read = !picked->reads.empty() && rng.uniform_int(0, 2);
        const auto& regions = read ? picked->reads : picked->writes;
        if (!regions.empty()) {
          sch.reindex(block, rng.uniform_int(0, static_cast<int64_t>(regions.size())),
                      read ? BufferIndexKind::kRead : BufferIndexKind::kWrite);
        }
        break;
      }
      case 17: {  // a random permutation and split of a buffer's axes
        bool read = !picked->reads.empty() && rng.uniform_int(0, 2);
        const auto& regions = read ? picked->reads : picked->writes;
        if (regions.empty()) break;
        int64_t index = rng.uniform_int(0, static_cast<int64_t>(regions.size()));
        size_t ndim = regions[static_cast<size_t>(index)].buffer.ndim();
        std::vector<std::string> names;
        for (size_t d = 0; d < ndim; ++d) names.push_back("i" + std::to_string(d));
        std::vector<size_t> order(ndim);
        for (size_t d = 0; d < ndim; ++d) order[d] = d;
        for (size_t d = ndim; d > 1; --d)
          std::swap(order[d - 1],
                    order[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(d)))]);
        int64_t split_dim = rng.uniform_int(-1, static_cast<int64_t>(ndim)),
                factor = rng.uniform_int(2, 5);
        IndexMap map = IndexMap::from_lambda(names, [&](const std::vector<Var>& v) {
          std::vector<Expr> out;
          for (size_t d : order) {
            if (static_cast<int64_t>(d) == split_dim) {
              out.push_back(floordiv(v[d], make_int(factor)));
              out.push_back(floormod(v[d], make_int(factor)));
            } else {
              out.push_back(v[d]);
            }
          }
          return out;
        });
        std::optional<double> pad;
        if (rng.uniform_int(0, 2)) pad = 0.0;
        sch.transform_layout(block, index, read ? BufferIndexKind::kRead : BufferIndexKind::kWrite,
                             map, pad);
        break;
      }
      case 18: {  // permute, fuse or split a block's iteration space
        size_t n = picked->iter_vars.size();
        if (n == 0) break;
        std::vector<std::string> names;
        for (size_t d = 0; d < n; ++d) names.push_back("v" + std::to_string(d));
        std::vector<size_t> order(n);
        for (size_t d = 0; d < n; ++d) order[d] = d;
        for (size_t d = n; d > 1; --d)
          std::swap(order[d - 1],
                    order[static_cast<size_t>(rng.uniform_int(0, static_cast<int64_t>(d)))]);
        int64_t how = rng.uniform_int(0, 3), factor = rng.uniform_int(2, 4);
        auto extent_of = [&](size_t d) {
          return as_const_int(picked->iter_vars[d].dom.extent).value_or(1);
        };
        IndexMap map = IndexMap::from_lambda(names, [&](const std::vector<Var>& v) {
          std::vector<Expr> out;
          for (size_t k = 0; k < n; ++k) {
            size_t d = order[k];
            if (how == 1 && k + 1 < n) {  // fuse with the next one
              out.push_back(add(mul(v[d], make_int(extent_of(order[k + 1]))), v[order[k + 1]]));
              ++k;
            } else if (how == 2 && k == 0) {
              out.push_back(floordiv(v[d], make_int(factor)));
              out.push_back(floormod(v[d], make_int(factor)));
            } else {
              out.push_back(v[d]);
            }
          }
          return out;
        });
        sch.transform_block_layout(block, map);
        break;
      }
      case 19: {  // pad an einsum, or decompose a padding block
        if (rng.uniform_int(0, 2)) {
          std::vector<int64_t> padding;
          for (size_t d = 0; d < picked->iter_vars.size(); ++d)
            padding.push_back(rng.uniform_int(1, 6));
          sch.pad_einsum(block, padding);
        } else if (!loops.empty()) {
          sch.decompose_padding(block, any_loop(loops));
        }
        break;
      }
      default: {
        if (!loops.empty() && rng.uniform_int(0, 2)) {
          sch.reverse_compute_at(block,
                                 any_loop(sch.get_loops(sch.get_block(blocks.front()->name))));
        } else {
          sch.compute_inline(block);
        }
      }
    }
    ++stats.applied;
  } catch (const ScheduleError& e) {
    ++stats.refused;
    if (std::string(e.what()).find("invariant broken") != std::string::npos) {
      ++stats.invariant_broken;
      if (std::getenv("TESSERA_SHOW_INVARIANT_BREAKS") != nullptr)
        std::fprintf(stderr, "%s\n", std::string(e.what()).substr(0, 200).c_str());
    }
    // Navigation and sampling may have been recorded before the refusal; the program must not
    // change.
    ASSERT_TRUE(sch.func().same_as(before))
        << "a refused primitive changed the program: " << e.what();
    (void)trace_before;
  }
}

}  // namespace tessera::testing_util
