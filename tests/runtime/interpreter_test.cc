// The reference interpreter against independent hand-written loops for every
// workload kind on small shapes, plus its own checks (bounds, domains, errors)
// and NDArray's conversions.
#include <gtest/gtest.h>

#include "../common/error_of.h"

#include <cmath>
#include <limits>

#include "tessera/ir/parser.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/runtime/ndarray.h"
#include "tessera/support/error.h"
#include "tessera/te/workloads.h"

namespace tessera {
namespace {

using Index = std::vector<int64_t>;

int64_t flat(const NDArray& a, const Index& idx) {
  int64_t f = 0;
  for (size_t d = 0; d < idx.size(); ++d) f = f * a.shape()[d] + idx[d];
  return f;
}
double at(const NDArray& a, const Index& idx) { return a.get(flat(a, idx)); }
int64_t at_int(const NDArray& a, const Index& idx) { return a.get_int(flat(a, idx)); }

// Runs `spec` in the interpreter and returns its arguments (outputs filled).
std::vector<NDArray> run(const std::string& spec, uint64_t seed = 1) {
  Workload w = workloads::get(spec);
  std::vector<NDArray> args = make_random_arguments(w.func, seed);
  run_reference(w.func, args);
  return args;
}

void expect_close(const NDArray& actual, const NDArray& expected, const std::string& what,
                  double rtol = 2e-5) {
  Comparison c = compare(actual, expected, rtol, 1e-5);
  EXPECT_TRUE(c.match) << what << ": " << c.summary;
}

// Output for every index of `shape`, from `f(index)`.
NDArray tabulate(const Index& shape, DataType t, const std::function<double(const Index&)>& f) {
  NDArray out = NDArray::empty(shape, t);
  Index idx(shape.size(), 0);
  for (int64_t n = 0; n < out.size(); ++n) {
    int64_t rest = n;
    for (size_t d = shape.size(); d-- > 0;) {
      idx[d] = rest % shape[d];
      rest /= shape[d];
    }
    if (t.is_floating()) {
      out.set(n, f(idx));
    } else {
      out.set_int(n, static_cast<int64_t>(f(idx)));
    }
  }
  return out;
}

TEST(Interpreter, Gemm) {
  auto a = run("gemm:m=5,n=6,k=7");
  NDArray expected = tabulate({5, 6}, DataType::float32(), [&](const Index& x) {
    float s = 0;
    for (int64_t k = 0; k < 7; ++k)
      s += static_cast<float>(at(a[0], {x[0], k}) * at(a[1], {k, x[1]}));
    return s;
  });
  expect_close(a[2], expected, "gemm");
}

TEST(Interpreter, GemmBiasRelu) {
  auto a = run("gemm:m=4,n=3,k=5,epilogue=bias_relu");
  NDArray expected = tabulate({4, 3}, DataType::float32(), [&](const Index& x) {
    double s = 0;
    for (int64_t k = 0; k < 5; ++k) s += at(a[0], {x[0], k}) * at(a[1], {k, x[1]});
    return std::max(s + at(a[2], {x[1]}), 0.0);
  });
  expect_close(a[3], expected, "gemm bias_relu");
  bool some_zero = false, some_positive = false;
  for (int64_t i = 0; i < a[3].size(); ++i) (a[3].get(i) == 0 ? some_zero : some_positive) = true;
  EXPECT_TRUE(some_zero && some_positive);
}

TEST(Interpreter, GemmInt8AccumulatesExactlyInInt32) {
  auto a = run("gemm:m=4,n=4,k=9,dtype=int8");
  ASSERT_EQ(a[2].dtype(), DataType::int32());
  NDArray expected = tabulate({4, 4}, DataType::int32(), [&](const Index& x) {
    int64_t s = 0;
    for (int64_t k = 0; k < 9; ++k) s += at_int(a[0], {x[0], k}) * at_int(a[1], {k, x[1]});
    return static_cast<double>(s);
  });
  EXPECT_TRUE(compare(a[2], expected).match) << compare(a[2], expected).summary;
}

TEST(Interpreter, GemmFloat16InputsFloat32Output) {
  auto a = run("gemm:m=3,n=3,k=4,dtype=float16");
  ASSERT_EQ(a[0].dtype(), DataType::float16());
  NDArray expected = tabulate({3, 3}, DataType::float32(), [&](const Index& x) {
    double s = 0;
    for (int64_t k = 0; k < 4; ++k) s += at(a[0], {x[0], k}) * at(a[1], {k, x[1]});
    return s;
  });
  expect_close(a[2], expected, "gemm fp16");
}

TEST(Interpreter, BatchMatmulAndDense) {
  auto g = run("GMM:b=2,n=3,m=4,k=5");
  expect_close(g[2],
               tabulate({2, 3, 4}, DataType::float32(),
                        [&](const Index& x) {
                          double s = 0;
                          for (int64_t k = 0; k < 5; ++k)
                            s += at(g[0], {x[0], x[1], k}) * at(g[1], {x[0], k, x[2]});
                          return s;
                        }),
               "GMM");
  auto d = run("dense:m=3,n=4,k=6");
  NDArray expected = tabulate({3, 4}, DataType::int32(), [&](const Index& x) {
    int64_t s = 0;
    for (int64_t k = 0; k < 6; ++k) s += at_int(d[0], {x[0], k}) * at_int(d[1], {x[1], k});
    return static_cast<double>(s);
  });
  EXPECT_TRUE(compare(d[2], expected).match);
  EXPECT_EQ(d[0].dtype(), DataType::uint8());
}

TEST(Interpreter, AttentionScores) {
  auto a = run("TBG:batch=1,seq=4,heads=2,dim=3");
  expect_close(a[2],
               tabulate({1, 2, 4, 4}, DataType::float32(),
                        [&](const Index& x) {
                          double s = 0;
                          for (int64_t d = 0; d < 3; ++d)
                            s += at(a[0], {x[0], x[2], x[1], d}) * at(a[1], {x[0], x[3], x[1], d});
                          return s;
                        }),
               "TBG");
}

// Channels-last convolution of any rank with groups and dilation, written directly.
NDArray conv_reference(const NDArray& data, const NDArray& weight, const Index& out_shape,
                       int64_t stride, int64_t pad, int64_t dilation, int64_t groups) {
  const size_t rank = out_shape.size() - 2;
  const int64_t ci = data.shape().back(), co = out_shape.back(), k = weight.shape()[0];
  const int64_t ci_g = ci / groups, co_g = co / groups;
  return tabulate(out_shape, DataType::float32(), [&](const Index& o) {
    double s = 0;
    Index r(rank, 0);
    for (;;) {
      Index in{o[0]};
      bool inside = true;
      for (size_t d = 0; d < rank; ++d) {
        int64_t p = o[d + 1] * stride + r[d] * dilation - pad;
        inside &= p >= 0 && p < data.shape()[d + 1];
        in.push_back(p);
      }
      if (inside) {
        const int64_t g = o.back() / co_g;
        for (int64_t c = 0; c < ci_g; ++c) {
          Index di = in, wi = r;
          di.push_back(g * ci_g + c);
          wi.push_back(c);
          wi.push_back(o.back());
          s += at(data, di) * at(weight, wi);
        }
      }
      size_t d = 0;
      while (d < rank && ++r[d] == k) r[d++] = 0;
      if (d == rank) break;
    }
    return s;
  });
}

TEST(Interpreter, ChannelsLastConvolutions) {
  struct Case {
    const char* spec;
    int64_t stride, pad, dilation, groups;
  };
  for (const Case& c :
       {Case{"C1D:n=1,l=9,ci=3,co=4,kernel=3,stride=2,pad=1", 2, 1, 1, 1},
        Case{"C2D:n=1,h=7,w=6,ci=3,co=4,kernel=3,stride=2,pad=1", 2, 1, 1, 1},
        Case{"C2D:n=2,h=4,w=4,ci=2,co=3,kernel=1,stride=1,pad=0", 1, 0, 1, 1},
        Case{"C3D:n=1,d=4,h=5,w=5,ci=2,co=3,kernel=3,stride=1,pad=1", 1, 1, 1, 1},
        Case{"GRP:n=1,h=6,w=6,ci=4,co=6,kernel=3,stride=1,pad=1,dilation=1,groups=2", 1, 1, 1, 2},
        Case{"DIL:n=1,h=9,w=9,ci=2,co=3,kernel=3,stride=1,pad=2,dilation=2", 1, 2, 2, 1}}) {
    auto a = run(c.spec);
    expect_close(a[2],
                 conv_reference(a[0], a[1], a[2].shape(), c.stride, c.pad, c.dilation, c.groups),
                 c.spec);
  }
}

TEST(Interpreter, ConvBatchNormRelu) {
  auto a = run("CBR:n=1,h=5,w=5,ci=2,co=3,kernel=3,stride=1,pad=1");
  NDArray conv = conv_reference(a[0], a[1], a[4].shape(), 1, 1, 1, 1);
  expect_close(a[4],
               tabulate(a[4].shape(), DataType::float32(),
                        [&](const Index& o) {
                          return std::max(at(conv, o) * at(a[2], {o[3]}) + at(a[3], {o[3]}), 0.0);
                        }),
               "CBR");
}

TEST(Interpreter, Depthwise) {
  auto a = run("DEP:n=1,h=6,w=6,c=3,kernel=3,stride=2,pad=1");
  expect_close(a[2],
               tabulate(a[2].shape(), DataType::float32(),
                        [&](const Index& o) {
                          double s = 0;
                          for (int64_t rh = 0; rh < 3; ++rh)
                            for (int64_t rw = 0; rw < 3; ++rw) {
                              int64_t y = o[1] * 2 + rh - 1, x = o[2] * 2 + rw - 1;
                              if (y >= 0 && y < 6 && x >= 0 && x < 6)
                                s += at(a[0], {o[0], y, x, o[3]}) * at(a[1], {rh, rw, o[3]});
                            }
                          return s;
                        }),
               "DEP");
  auto b = run("depthwise_conv2d:n=1,c=2,h=5,w=5,kernel=3,stride=2,pad=1");
  expect_close(b[2],
               tabulate(b[2].shape(), DataType::float32(),
                        [&](const Index& o) {
                          double s = 0;
                          for (int64_t rh = 0; rh < 3; ++rh)
                            for (int64_t rw = 0; rw < 3; ++rw) {
                              int64_t y = o[2] * 2 + rh - 1, x = o[3] * 2 + rw - 1;
                              if (y >= 0 && y < 5 && x >= 0 && x < 5)
                                s += at(b[0], {o[0], o[1], y, x}) * at(b[1], {o[1], rh, rw});
                            }
                          return s;
                        }),
               "depthwise_conv2d");
}

// Transposed convolution by its scatter definition: every input pixel adds
// weight * value to the outputs its kernel window covers.
TEST(Interpreter, TransposedConvolution) {
  auto a = run("T2D:n=1,h=3,w=3,ci=2,co=3,kernel=4,stride=2,pad=1");
  const NDArray& out = a[2];
  ASSERT_EQ(out.shape(), (Index{1, 6, 6, 3}));
  NDArray expected = NDArray::empty(out.shape(), DataType::float32());
  std::vector<double> acc(static_cast<size_t>(out.size()), 0.0);
  for (int64_t y = 0; y < 3; ++y)
    for (int64_t x = 0; x < 3; ++x)
      for (int64_t kh = 0; kh < 4; ++kh)
        for (int64_t kw = 0; kw < 4; ++kw)
          for (int64_t ci = 0; ci < 2; ++ci)
            for (int64_t co = 0; co < 3; ++co) {
              int64_t oy = y * 2 - 1 + kh, ox = x * 2 - 1 + kw;
              if (oy < 0 || oy >= 6 || ox < 0 || ox >= 6) continue;
              acc[static_cast<size_t>(flat(out, {0, oy, ox, co}))] +=
                  at(a[0], {0, y, x, ci}) * at(a[1], {kh, kw, ci, co});
            }
  for (int64_t i = 0; i < expected.size(); ++i) expected.set(i, acc[static_cast<size_t>(i)]);
  expect_close(out, expected, "T2D");
}

TEST(Interpreter, CapsuleConvolution) {
  auto a = run("CAP:n=1,h=4,w=4,ci=2,co=2,kernel=3,stride=1,pad=1,capsule=2");
  expect_close(a[2],
               tabulate(a[2].shape(), DataType::float32(),
                        [&](const Index& o) {
                          double s = 0;
                          for (int64_t rh = 0; rh < 3; ++rh)
                            for (int64_t rw = 0; rw < 3; ++rw)
                              for (int64_t k = 0; k < 2; ++k)
                                for (int64_t c = 0; c < 2; ++c) {
                                  int64_t y = o[1] + rh - 1, x = o[2] + rw - 1;
                                  if (y < 0 || y >= 4 || x < 0 || x >= 4) continue;
                                  s += at(a[0], {o[0], y, x, o[3], k, c}) *
                                       at(a[1], {rh, rw, k, o[4], c, o[5]});
                                }
                          return s;
                        }),
               "CAP");
}

TEST(Interpreter, ConvNchw) {
  auto a = run("conv2d_nchw:n=1,ci=2,h=5,w=5,co=3,kernel=3,stride=1,pad=1");
  expect_close(a[2],
               tabulate(a[2].shape(), DataType::float32(),
                        [&](const Index& o) {
                          double s = 0;
                          for (int64_t c = 0; c < 2; ++c)
                            for (int64_t rh = 0; rh < 3; ++rh)
                              for (int64_t rw = 0; rw < 3; ++rw) {
                                int64_t y = o[2] + rh - 1, x = o[3] + rw - 1;
                                if (y >= 0 && y < 5 && x >= 0 && x < 5)
                                  s += at(a[0], {o[0], c, y, x}) * at(a[1], {o[1], c, rh, rw});
                              }
                          return s;
                        }),
               "conv2d_nchw");
}

TEST(Interpreter, NormSoftmaxLayernorm) {
  auto n = run("NRM:b=2,m=3,n=4");
  expect_close(n[1],
               tabulate({2}, DataType::float32(),
                        [&](const Index& o) {
                          double s = 0;
                          for (int64_t i = 0; i < 3; ++i)
                            for (int64_t j = 0; j < 4; ++j)
                              s += at(n[0], {o[0], i, j}) * at(n[0], {o[0], i, j});
                          return std::sqrt(s);
                        }),
               "NRM");
  for (const char* spec : {"SFM:m=3,n=5", "softmax:m=2,n=7"}) {
    auto s = run(spec);
    const int64_t cols = s[0].shape()[1];
    expect_close(s[1],
                 tabulate(s[0].shape(), DataType::float32(),
                          [&](const Index& o) {
                            double denominator = 0;
                            for (int64_t j = 0; j < cols; ++j)
                              denominator += std::exp(at(s[0], {o[0], j}));
                            return std::exp(at(s[0], o)) / denominator;
                          }),
                 spec);
  }
  auto l = run("layernorm:b=3,n=8");
  expect_close(l[3],
               tabulate({3, 8}, DataType::float32(),
                        [&](const Index& o) {
                          double mean = 0, var = 0;
                          for (int64_t j = 0; j < 8; ++j) mean += at(l[0], {o[0], j}) / 8;
                          for (int64_t j = 0; j < 8; ++j)
                            var += (at(l[0], {o[0], j}) - mean) * (at(l[0], {o[0], j}) - mean) / 8;
                          return (at(l[0], o) - mean) / std::sqrt(var + 1e-5) * at(l[1], {o[1]}) +
                                 at(l[2], {o[1]});
                        }),
               "layernorm", 1e-4);
}

TEST(Interpreter, PoolingElementwiseTranspose) {
  for (const char* kind : {"max", "avg"}) {
    auto p = run(std::string("pool:n=1,h=5,w=5,c=2,kernel=3,stride=2,pad=1,kind=") + kind);
    const bool is_max = std::string(kind) == "max";
    expect_close(p[1],
                 tabulate(p[1].shape(), DataType::float32(),
                          [&](const Index& o) {
                            double best = -std::numeric_limits<double>::infinity(), total = 0;
                            for (int64_t rh = 0; rh < 3; ++rh)
                              for (int64_t rw = 0; rw < 3; ++rw) {
                                int64_t y = o[1] * 2 + rh - 1, x = o[2] * 2 + rw - 1;
                                double v = (y >= 0 && y < 5 && x >= 0 && x < 5)
                                               ? at(p[0], {o[0], y, x, o[3]})
                                               : (is_max ? -INFINITY : 0.0);
                                best = std::max(best, v);
                                total += v;
                              }
                            return is_max ? best : total / 9;
                          }),
                 kind);
  }
  auto e = run("elementwise:m=3,n=4");
  expect_close(
      e[2],
      tabulate({3, 4}, DataType::float32(),
               [&](const Index& o) { return std::max((at(e[0], o) + at(e[1], o)) * 0.5, 0.0); }),
      "elementwise");
  auto t = run("transpose:m=3,n=5");
  expect_close(
      t[1],
      tabulate({5, 3}, DataType::float32(), [&](const Index& o) { return at(t[0], {o[1], o[0]}); }),
      "transpose");
}

TEST(Interpreter, EverySuiteShapeRunsOnItsSmallestConfiguration) {
  // The library's own presets are large; every entry must at least build and be
  // runnable, so run each at a reduced shape that keeps its structure.
  for (const char* spec : {"C2D:0,h=12,w=12,co=4", "GRP:0,h=8,w=8,ci=8,co=8",
                           "DIL:1,h=6,w=6,ci=4,co=4", "T2D:3,h=4,w=4,ci=3",
                           "CAP:2,h=6,w=6,ci=2,co=2", "NRM:0,m=8,n=8", "CBR:2,h=6,w=6,ci=4,co=4"}) {
    auto a = run(spec);
    const NDArray& out = a.back();
    for (int64_t i = 0; i < out.size(); ++i)
      ASSERT_TRUE(std::isfinite(out.get(i))) << spec << " element " << i;
  }
}

using testing_util::error_of;

TEST(Interpreter, ReportsViolations) {
  auto run_text = [](const std::string& body) {
    PrimFunc f = parse_prim_func("func f(A: float32[4], B: int32[4]) {\n" + body + "\n}\n");
    std::vector<NDArray> args = make_random_arguments(f, 0);
    run_reference(f, args);
  };
  EXPECT_EQ(error_of([&] {
              run_text("block root() { reads(); writes(); for i in range(0, 5) { A[i] = 1f32; } }");
            }),
            "block 'root': out-of-bounds write to A[4] (shape [4])");
  EXPECT_EQ(error_of([&] {
              run_text(
                  "for i in range(0, 4) { block X(v: spatial(0, 3) = i) { reads(); writes(A[v]); "
                  "A[v] = 0f32; } }");
            }),
            "block 'X': iteration variable v = 3 is outside its domain [0, 3)");
  EXPECT_EQ(error_of([&] { run_text("for i in range(0, 4) { B[i] = floordiv(i, i); }"); }),
            "the function body: integer division by zero in floordiv(i, i)");
  EXPECT_NE(error_of([&] {
              run_text("A[0] = call<float32>(\"llvm.foo.bar\", 1f32);");
            }).find("the reference interpreter cannot execute target intrinsic 'llvm.foo.bar'"),
            std::string::npos);
  PrimFunc f = workloads::get("gemm:m=2,n=2,k=2").func;
  std::vector<NDArray> wrong = make_random_arguments(workloads::get("gemm:m=2,n=2,k=3").func, 0);
  EXPECT_EQ(error_of([&] { run_reference(f, wrong); }),
            "argument for buffer 'A' is float32[2, 3], the function expects float32[2, 2]");
}

TEST(Interpreter, UnwrittenOutputsStayNaNAndReadBeforeWriteIsVisible) {
  PrimFunc f = parse_prim_func(R"(func f(A: float32[4], B: float32[4]) {
  block root() {
    reads();
    writes();
    alloc T: float32[4];
    for i in range(0, 3) {
      B[i] = A[i] + T[i];
    }
  }
}
)");
  std::vector<NDArray> args = make_random_arguments(f, 0);
  run_reference(f, args);
  for (int64_t i = 0; i < 4; ++i)
    EXPECT_TRUE(std::isnan(args[1].get(i))) << i;  // T was never written; B[3] never
}

TEST(Interpreter, IntegersWrapAndFloatsRoundPerOperation) {
  PrimFunc f = parse_prim_func(R"(func f(A: int8[2], B: float32[1], C: float16[1]) {
  A[0] = 100i8 + 100i8;
  A[1] = cast(int8, 300);
  B[0] = 16777216f32 + 1f32;
  C[0] = 2048f16 + 1f16;
}
)");
  std::vector<NDArray> args = make_random_arguments(f, 0);
  run_reference(f, args);
  EXPECT_EQ(args[0].get_int(0), -56);
  EXPECT_EQ(args[0].get_int(1), 44);
  EXPECT_EQ(args[1].get(0), 16777216.0);  // float32 cannot hold 2^24 + 1
  EXPECT_EQ(args[2].get(0), 2048.0);      // nor float16 2049
}

TEST(NDArray, ConvertsHalfAndBfloatWithRoundToNearestEven) {
  NDArray h = NDArray::empty({4}, DataType::float16());
  h.set(0, 1.0 + 1.0 / 2048);       // halfway between two float16 values: rounds to even (1.0)
  h.set(1, 65520.0);                // rounds up past the largest finite float16
  h.set(2, 5.960464477539063e-08);  // the smallest subnormal
  h.set(3, -2.5);
  EXPECT_EQ(h.get(0), 1.0);
  EXPECT_TRUE(std::isinf(h.get(1)));
  EXPECT_EQ(h.get(2), 5.960464477539063e-08);
  EXPECT_EQ(h.get(3), -2.5);
  NDArray b = NDArray::empty({2}, DataType::bfloat16());
  b.set(0, 1.0 + 1.0 / 256);  // halfway: rounds to even
  b.set(1, 3.0);
  EXPECT_EQ(b.get(0), 1.0);
  EXPECT_EQ(b.get(1), 3.0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(h.data()) % 64, 0u);
}

TEST(NDArray, RandomFillIsDeterministicAndCompareReportsTheWorstElement) {
  NDArray a = NDArray::empty({100}, DataType::float32()),
          b = NDArray::empty({100}, DataType::float32());
  a.fill_random(7, -1, 1);
  b.fill_random(7, -1, 1);
  EXPECT_TRUE(compare(a, b, 0, 0).match);
  b.set(42, b.get(42) + 0.5);
  Comparison c = compare(b, a);
  EXPECT_FALSE(c.match);
  EXPECT_EQ(c.worst_index, 42);
  EXPECT_EQ(c.mismatches, 1);
  EXPECT_NE(c.summary.find("worst at flat index 42"), std::string::npos);
  NDArray i8 = NDArray::empty({1000}, DataType::int8());
  i8.fill_random(1, -1e9, 1e9);
  int64_t lo = 0, hi = 0;
  for (int64_t i = 0; i < i8.size(); ++i) {
    lo = std::min(lo, i8.get_int(i));
    hi = std::max(hi, i8.get_int(i));
  }
  EXPECT_EQ(lo, -128);
  EXPECT_EQ(hi, 127);
}

// Regression: get_int (and so get) read a negative int32 as 2^32 + value (the ?: of int32_t
// and uint32_t has type uint32_t); ONNX's Range with delta -3 then produced no elements.
TEST(NDArray, NegativeIntegersOfEveryWidthReadBack) {
  for (DataType t : {DataType::int8(), DataType::int16(), DataType::int32(), DataType::int64()}) {
    NDArray a = NDArray::empty({2}, t);
    a.set_int(0, -3);
    a.set(1, -100.0);
    EXPECT_EQ(a.get_int(0), -3) << t.str();
    EXPECT_EQ(a.get(0), -3.0) << t.str();
    EXPECT_EQ(a.get_int(1), -100) << t.str();
  }
  NDArray u = NDArray::empty({1}, DataType::uint8());
  u.set_int(0, 253);
  EXPECT_EQ(u.get_int(0), 253);
  // reshaped() shares the storage.
  NDArray v = u.reshaped({});
  v.set_int(0, 7);
  EXPECT_EQ(u.get_int(0), 7);
  EXPECT_TRUE(v.shape().empty());
}

}  // namespace
}  // namespace tessera
