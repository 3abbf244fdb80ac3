// Tests of the te builder, create_prim_func, FLOP counting and the workload registry.
#include <gtest/gtest.h>

#include "../common/error_of.h"

#include <cstdio>
#include <fstream>

#include "tessera/ir/parser.h"
#include "tessera/ir/printer.h"
#include "tessera/schedule/schedule.h"
#include "tessera/ir/structural_equal.h"
#include "tessera/support/error.h"
#include "tessera/te/flops.h"
#include "tessera/te/tensor.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

using testing_util::error_of;

TEST(CreatePrimFunc, GemmHasTheDocumentedShape) {
  using namespace te;
  Tensor a = placeholder({4, 3}, DataType::float32(), "A");
  Tensor b = placeholder({3, 5}, DataType::float32(), "B");
  IterVar k = reduce_axis(3, "k");
  Tensor c =
      compute({4, 5}, [&](const Axes& x) { return sum(a(x[0], k.var) * b(k.var, x[1]), {k}); }, "C",
              {"i", "j"});
  PrimFunc f = create_prim_func({a, b, c}, "gemm");
  EXPECT_EQ(
      print(f),
      R"(func gemm(A: float32[4, 3], B: float32[3, 5], C: float32[4, 5]) with {"global_symbol": "gemm"} {
  block root() {
    reads();
    writes();
    for i in range(0, 4) {
      for j in range(0, 5) {
        for k in range(0, 3) {
          block C(vi: spatial(0, 4) = i, vj: spatial(0, 5) = j, vk: reduce(0, 3) = k) {
            reads(A[vi, vk], B[vk, vj]);
            writes(C[vi, vj]);
            init {
              C[vi, vj] = 0f32;
            }
            C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj];
          }
        }
      }
    }
  }
}
)");
  EXPECT_TRUE(structural_equal(f, workloads::get("gemm:m=4,n=5,k=3").func));
}

TEST(CreatePrimFunc, RegionsCoverEveryAccess) {
  using namespace te;
  Tensor a = placeholder({10}, DataType::float32(), "A");
  Tensor stencil =
      compute({8}, [&](const Axes& x) { return a(x[0]) + a(x[0] + 2) + a(x[0] + 1); }, "S", {"i"});
  Tensor gather = compute(
      {8}, [&](const Axes& x) { return a(x[0]) + a(floordiv(x[0], make_int(2))); }, "G", {"i"});
  PrimFunc f = create_prim_func({a, stencil, gather}, "f");
  std::string text = print(f);
  EXPECT_NE(text.find("reads(A[vi:+3]);"), std::string::npos) << text;
  EXPECT_NE(text.find("reads(A[0:+8]);"), std::string::npos)
      << text;  // vi and vi / 2 over vi in [0, 8)
}

TEST(CreatePrimFunc, IntermediatesAreAllocatedByTheRootBlock) {
  PrimFunc f = workloads::get("SFM:m=4,n=8").func;
  const auto* root = f.root_realize()->block_node();
  ASSERT_EQ(root->alloc_buffers.size(), 3u);
  EXPECT_EQ(root->alloc_buffers[0]->name, "row_max");
  EXPECT_EQ(root->alloc_buffers[1]->name, "row_exp");
  EXPECT_EQ(root->alloc_buffers[2]->name, "row_sum");
  EXPECT_NE(print(f).find("row_max[vi] = float32(-inf);"), std::string::npos);
}

TEST(CreatePrimFunc, Errors) {
  using namespace te;
  Tensor a = placeholder({4}, DataType::float32(), "A");
  Tensor b = compute({4}, [&](const Axes& x) { return a(x[0]) * 2.0; }, "B");
  EXPECT_EQ(error_of([&] { create_prim_func({b}, "f"); }),
            "create_prim_func 'f': placeholder 'A' is read but is not an argument");
  Tensor b2 = compute({4}, [&](const Axes& x) { return b(x[0]); }, "B");
  EXPECT_EQ(error_of([&] { create_prim_func({a, b2}, "f"); }),
            "create_prim_func 'f': two stages are named 'B'");
  EXPECT_EQ(error_of([&] { a(1, 2); }), "tensor 'A' has 1 dimensions, indexed with 2");
  EXPECT_EQ(error_of([&] { compute({0}, [&](const Axes& x) { return a(x[0]); }, "Z"); }),
            "compute 'Z': extent 0 of axis 'i0' must be positive");
}

TEST(Flops, MatchTheConventionalFormulas) {
  EXPECT_EQ(workloads::get("gemm:m=64,n=32,k=16").flops, 2 * 64 * 32 * 16);
  EXPECT_EQ(workloads::get("GMM:3").flops, 2LL * 1024 * 1024 * 1024);
  // 2·N·OH·OW·CO·CI·KH·KW/groups
  EXPECT_EQ(workloads::get("C2D:0").flops, 2LL * 112 * 112 * 64 * 3 * 7 * 7);
  EXPECT_EQ(workloads::get("GRP:0").flops, 2LL * 28 * 28 * 128 * 64 * 3 * 3 / 4);
  EXPECT_EQ(workloads::get("DIL:0").flops, 2LL * 109 * 109 * 64 * 3 * 7 * 7);
  EXPECT_EQ(workloads::get("C1D:0").flops, 2LL * 128 * 128 * 64 * 3);
  EXPECT_EQ(workloads::get("C3D:1").flops, 2LL * 16 * 56 * 56 * 64 * 64);
  EXPECT_EQ(workloads::get("DEP:1").flops, 2LL * 56 * 56 * 64 * 9);
  EXPECT_EQ(workloads::get("T2D:0").flops, 2LL * 8 * 8 * 256 * 512 * 4 * 4);
  EXPECT_EQ(workloads::get("TBG:0").flops, 2LL * 12 * 128 * 128 * 64);
  // The rest count the program's operations: softmax is max, sub+exp, sum, div per element.
  EXPECT_EQ(workloads::get("SFM:0").flops, 5LL * 256 * 256);
  EXPECT_EQ(workloads::get("NRM:0").flops, 2LL * 256 * 256 + 1);
  EXPECT_EQ(workloads::get("CBR:3").flops, 2LL * 7 * 7 * 512 * 512 * 9 + 3LL * 7 * 7 * 512);
}

TEST(Flops, APredicatedBlockCountsOnlyTheIterationsItRuns) {
  // A lower-triangular matmul: C[i, j] = sum over k <= i of A[i, k] * B[k, j].
  std::string text = print(workloads::get("gemm:m=24,n=20,k=24").func);
  const size_t header = text.find("= k) {");
  ASSERT_NE(header, std::string::npos) << text;
  text.replace(header, 6, "= k) where k <= i {");
  const PrimFunc triangular = parse_prim_func(text);
  EXPECT_EQ(count_flops(triangular), 2LL * 20 * (24 * 25 / 2));  // 12000, not 2·24·20·24 = 23040
  // The same count after scheduling (the predicate now on split loops).
  Schedule sch(triangular);
  std::vector<LoopRV> loops = sch.get_loops(sch.get_block("C"));
  sch.split(loops[2], {std::nullopt, 5});  // 24 = 5·5 - 1: the split adds its own condition too
  EXPECT_EQ(count_flops(sch.func()), 2LL * 20 * (24 * 25 / 2));
}

TEST(Workloads, EverySuiteEntryHasFourShapes) {
  const std::vector<std::string> suite = {"C1D", "C2D", "C3D", "GMM", "GRP", "DIL", "DEP",
                                          "T2D", "CAP", "NRM", "SFM", "CBR", "TBG"};
  for (const std::string& name : suite) {
    const WorkloadInfo* w = workloads::find(name);
    ASSERT_NE(w, nullptr) << name;
    EXPECT_EQ(w->shapes.size(), 4u) << name;
    EXPECT_FALSE(w->description.empty());
  }
  for (const char* name : {"gemm", "dense", "conv2d_nchw", "depthwise_conv2d", "pool",
                           "elementwise", "layernorm", "softmax", "transpose"}) {
    EXPECT_NE(workloads::find(name), nullptr) << name;
  }
}

TEST(Workloads, SpecsAreCanonicalised) {
  EXPECT_EQ(workloads::canonical_spec("C2D:1"),
            "C2D:n=1,h=56,w=56,ci=64,co=64,kernel=1,stride=1,pad=0,dtype=float32");
  EXPECT_EQ(workloads::canonical_spec("C2D"), workloads::canonical_spec("C2D:0"));
  EXPECT_EQ(workloads::canonical_spec("C2D:1,stride=2"),
            "C2D:n=1,h=56,w=56,ci=64,co=64,kernel=1,stride=2,pad=0,dtype=float32");
  EXPECT_EQ(workloads::canonical_spec("gemm"),
            "gemm:m=512,n=512,k=512,dtype=float32,epilogue=none");
  EXPECT_EQ(workloads::canonical_spec("C2D:n=1,h=17,w=23,ci=13,co=29,kernel=3,stride=2,pad=1"),
            "C2D:n=1,h=17,w=23,ci=13,co=29,kernel=3,stride=2,pad=1,dtype=float32");
  Workload w = workloads::get("C2D:n=1,h=17,w=23,ci=13,co=29,kernel=3,stride=2,pad=1");
  EXPECT_EQ(w.func->params[2]->shape.size(), 4u);
  EXPECT_EQ(w.func->params[2].const_shape(), (std::vector<int64_t>{1, 9, 12, 29}));
}

TEST(Workloads, BadSpecsListWhatIsValid) {
  std::string unknown = error_of([] { workloads::get("C2X:1"); });
  EXPECT_NE(unknown.find("unknown workload 'C2X'; valid names: C1D, C2D,"), std::string::npos)
      << unknown;
  EXPECT_NE(unknown.find("gemm"), std::string::npos);
  EXPECT_EQ(error_of([] { workloads::get("C2D:9"); }),
            "workload 'C2D': shape index 9 out of range (0..3)");
  EXPECT_EQ(error_of([] { workloads::get("gemm:1"); }),
            "workload 'gemm': shape index 1 out of range (it has no preset shapes)");
  EXPECT_NE(error_of([] {
              workloads::get("C2D:1,foo=3");
            }).find("workload 'C2D' has no parameter 'foo'; parameters: n (default 1), h, w,"),
            std::string::npos);
  EXPECT_EQ(error_of([] { workloads::get("gemm:m=abc"); }),
            "workload 'gemm': m=abc is not an integer");
  EXPECT_EQ(error_of([] { workloads::get("gemm:m=0"); }),
            "workload 'gemm': m=0 must be at least 1");
  EXPECT_EQ(error_of([] { workloads::get("gemm:dtype=int4"); }),
            "workload 'gemm': dtype=int4 is not one of float32, float16, bfloat16, int8");
  EXPECT_NE(
      error_of([] { workloads::get("C2D:h=5"); }).find("missing parameter(s) w, ci, co, kernel"),
      std::string::npos);
  EXPECT_NE(error_of([] {
              workloads::get("C2D:n=1,h=2,w=2,ci=1,co=1,kernel=5");
            }).find("C2D: input size 2 with padding 0 is smaller than the (dilated) kernel 5"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              workloads::get("GRP:n=1,h=8,w=8,ci=6,co=8,kernel=3,groups=4");
            }).find("groups=4 must divide ci=6 and co=8"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              workloads::get("no/such/file.tir");
            }).find("cannot read workload file 'no/such/file.tir'"),
            std::string::npos);
}

TEST(Workloads, LoadsIrTextFiles) {
  std::string path = testing::TempDir() + "/tessera_workload_test.tir";
  {
    std::ofstream out(path);
    out << print(workloads::get("gemm:m=8,n=8,k=8").func);
  }
  Workload w = workloads::get(path);
  EXPECT_EQ(w.spec, path);
  EXPECT_EQ(w.flops, 2 * 8 * 8 * 8);
  EXPECT_TRUE(structural_equal(w.func, workloads::get("gemm:m=8,n=8,k=8").func));
  {
    std::ofstream out(path);
    out << "func broken(A: float32[4]) {\n  evaluate B[0];\n}\n";
  }
  std::string message = error_of([&] { workloads::get(path); });
  EXPECT_NE(message.find(path + ":2:12: undefined buffer 'B'"), std::string::npos) << message;
  std::remove(path.c_str());
}

TEST(Workloads, RegistryRejectsDuplicates) {
  WorkloadInfo dup{"gemm", "again", {}, {}, [](const WorkloadArgs&) { return PrimFunc(); }};
  EXPECT_EQ(error_of([&] { workloads::add(dup); }), "workload 'gemm' is registered twice");
}

}  // namespace
}  // namespace tessera
