// The frontend on models built in code: import errors, batch-norm folding, fusion into
// tasks and their deduplication, and the graph runner's results against a direct
// computation and against the unscheduled programs.
#include <cmath>
#include <filesystem>

#include <gtest/gtest.h>

#include "../common/error_of.h"
#include "model_builder.h"
#include "tessera/frontend/graph_runner.h"
#include "tessera/frontend/onnx_import.h"
#include "tessera/frontend/tasks.h"

namespace tessera::frontend {
namespace {

using testing::ModelBuilder;
using testing::random_array;
using testing_util::error_of;

// x -> Conv(3x3, pad 1) -> BatchNormalization -> Relu, and the same computed directly.
struct ConvBnRelu {
  NDArray w = random_array({4, 3, 3, 3}, 1), b = random_array({4}, 2),
          scale = random_array({4}, 3, 0.5, 1.5), beta = random_array({4}, 4),
          mean = random_array({4}, 5), var = random_array({4}, 6, 0.1, 1.0);
  std::string model() const {
    ModelBuilder m;
    m.input("x", {1, 3, 8, 8});
    m.weight("w", w);
    m.weight("b", b);
    m.weight("scale", scale);
    m.weight("beta", beta);
    m.weight("mean", mean);
    m.weight("var", var);
    m.node("Conv", {"x", "w", "b"}, {"c"}, {{"pads", std::vector<int64_t>{1, 1, 1, 1}}}, "conv");
    m.node("BatchNormalization", {"c", "scale", "beta", "mean", "var"}, {"n"}, {{"epsilon", 1e-3f}},
           "bn");
    m.node("Relu", {"n"}, {"y"}, {}, "relu");
    m.output("y", {1, 4, 8, 8});
    return m.bytes();
  }
  NDArray expected(const NDArray& x) const {
    NDArray y = NDArray::empty({1, 4, 8, 8}, DataType::float32());
    for (int o = 0; o < 4; ++o)
      for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 8; ++j) {
          double s = b.get(o);
          for (int c = 0; c < 3; ++c)
            for (int r = 0; r < 3; ++r)
              for (int q = 0; q < 3; ++q) {
                int ii = i + r - 1, jj = j + q - 1;
                if (ii >= 0 && ii < 8 && jj >= 0 && jj < 8)
                  s += x.get((c * 8 + ii) * 8 + jj) * w.get(((o * 3 + c) * 3 + r) * 3 + q);
              }
          double n = (s - mean.get(o)) * scale.get(o) / std::sqrt(var.get(o) + 1e-3) + beta.get(o);
          y.set((o * 8 + i) * 8 + j, std::max(n, 0.0));
        }
    return y;
  }
};

TEST(Frontend, BatchNormIsFoldedAndReluFusedIntoTheConvolution) {
  ConvBnRelu net;
  ImportOptions nchw;
  nchw.channels_last = false;
  Graph g = import_onnx_bytes(net.model(), "conv_bn_relu", nchw);
  for (const Node& n : g.nodes) EXPECT_NE(n.op_type, "BatchNormalization");
  Partition p = partition(g);
  ASSERT_EQ(p.tasks.size(), 1u);
  EXPECT_EQ(p.tasks[0].name, "conv_relu");
  EXPECT_EQ(p.tasks[0].anchor, "Conv");
  EXPECT_EQ(p.tasks[0].weight, 1);
  EXPECT_EQ(p.tasks[0].constant_params, (std::vector<int>{1, 2}));  // folded weight and bias

  NDArray x = random_array({1, 3, 8, 8}, 7);
  GraphRunner runner(g, {.num_threads = 1, .use_cache = false});
  EXPECT_EQ(runner.kernel_sources()[0].kind, "default space");
  NDArray y = runner.run({{"x", x}}).at("y");
  Comparison c = compare(y, net.expected(x), 1e-4, 1e-5);
  EXPECT_TRUE(c.match) << c.summary;

  // Channels last (the default): the convolution reads the input through a transpose to
  // NHWC and the ReLU runs in NHWC; one transpose back to NCHW for the model's output.
  Graph nhwc = import_onnx_bytes(net.model(), "conv_bn_relu");
  Partition q = partition(nhwc);
  ASSERT_EQ(q.tasks.size(), 2u);
  EXPECT_EQ(q.tasks[0].name, "transpose_conv_relu");
  EXPECT_EQ(q.tasks[0].anchor, "ConvNHWC");
  EXPECT_EQ(q.tasks[1].name, "transpose");
  NDArray y2 = GraphRunner(nhwc, {.num_threads = 1, .use_cache = false}).run({{"x", x}}).at("y");
  c = compare(y2, net.expected(x), 1e-4, 1e-5);
  EXPECT_TRUE(c.match) << c.summary;
}

TEST(Frontend, IdenticalSubgraphsAreOneTaskWithAWeight) {
  ModelBuilder m;
  m.input("x", {1, 4, 6, 6});
  m.weight("w1", random_array({4, 4, 3, 3}, 1));
  m.weight("w2", random_array({4, 4, 3, 3}, 2));
  m.weight("w3", random_array({4, 4, 1, 1}, 3));
  std::map<std::string, testing::AttributeValue> pad{{"pads", std::vector<int64_t>{1, 1, 1, 1}}};
  m.node("Conv", {"x", "w1"}, {"a"}, pad);
  m.node("Relu", {"a"}, {"ar"});
  m.node("Conv", {"ar", "w2"}, {"b"}, pad);
  m.node("Add", {"b", "x"}, {"s"});  // residual: fused as the second convolution's epilogue
  m.node("Relu", {"s"}, {"sr"});
  m.node("Conv", {"sr", "w3"}, {"c"});
  m.node("Reshape", {"c", "shape"}, {"y"});
  m.weight("shape", [] {
    NDArray s = NDArray::empty({2}, DataType::int64());
    s.set_int(0, 1);
    s.set_int(1, -1);
    return s;
  }());
  m.output("y", {1, 144});
  ImportOptions nchw;
  nchw.channels_last = false;
  Graph g = import_onnx_bytes(m.bytes(), "residual", nchw);
  Partition p = partition(g);
  ASSERT_EQ(p.tasks.size(), 3u);
  EXPECT_EQ(p.tasks[0].name, "conv_relu");
  EXPECT_EQ(p.tasks[1].name, "conv_add_relu");
  EXPECT_EQ(p.tasks[2].name, "conv");
  int views = 0;
  for (const Step& s : p.steps) views += s.kind == Step::Kind::kView ? 1 : 0;
  EXPECT_EQ(views, 1);  // the Reshape moves no data

  // Two identical blocks: the same task twice.
  ModelBuilder twice;
  twice.input("x", {1, 4, 6, 6});
  twice.weight("w1", random_array({4, 4, 3, 3}, 1));
  twice.weight("w2", random_array({4, 4, 3, 3}, 2));
  twice.node("Conv", {"x", "w1"}, {"a"}, pad);
  twice.node("Relu", {"a"}, {"ar"});
  twice.node("Conv", {"ar", "w2"}, {"b"}, pad);
  twice.node("Relu", {"b"}, {"y"});
  twice.output("y", {1, 4, 6, 6});
  Partition q = partition(import_onnx_bytes(twice.bytes(), "twice", nchw));
  ASSERT_EQ(q.tasks.size(), 1u);
  EXPECT_EQ(q.tasks[0].weight, 2);

  // The runner's result equals the unscheduled programs' (buffers reused, views shared).
  NDArray x = random_array({1, 4, 6, 6}, 9);
  NDArray scheduled =
      GraphRunner(g, {.num_threads = 2, .use_cache = false}).run({{"x", x}}).at("y");
  NDArray reference = GraphRunner(g, {.num_threads = 1, .unscheduled = true, .use_cache = false})
                          .run({{"x", x}})
                          .at("y");
  EXPECT_EQ(scheduled.shape(), (std::vector<int64_t>{1, 144}));
  Comparison c = compare(scheduled, reference, 1e-4, 1e-5);
  EXPECT_TRUE(c.match) << c.summary;

  // Channels last: between the convolutions the activations stay NHWC (the residual Add
  // reads the input through the same transpose as the first convolution); transposes are
  // left only at the model's input and before the Reshape.
  Graph nhwc = import_onnx_bytes(m.bytes(), "residual");
  int transposes = 0;
  for (const Node& n : nhwc.nodes) transposes += n.op_type == "Transpose" ? 1 : 0;
  EXPECT_EQ(transposes, 2);
  NDArray channels_last =
      GraphRunner(nhwc, {.num_threads = 2, .use_cache = false}).run({{"x", x}}).at("y");
  c = compare(channels_last, reference, 1e-4, 1e-5);
  EXPECT_TRUE(c.match) << c.summary;
}

// An elementwise producer of a matmul stays out of the matmul's task: fused in, it would be
// recomputed at each of the K reads of every element (a GELU before the second matmul of a
// transformer's feed-forward block took 140 ms of a 50 ms encoder). Data movement still
// fuses, and a reduction (which reads each element once) still takes its producers.
TEST(Frontend, ArithmeticBeforeAMatmulIsNotRecomputedInIt) {
  ModelBuilder m;
  m.input("x", {8, 16});
  m.weight("w", random_array({16, 4}, 1));
  m.node("Erf", {"x"}, {"e"});
  m.node("Transpose", {"e"}, {"t"}, {{"perm", std::vector<int64_t>{1, 0}}});
  m.node("Transpose", {"t"}, {"u"}, {{"perm", std::vector<int64_t>{1, 0}}});
  m.node("MatMul", {"u", "w"}, {"y"});
  m.node("Exp", {"x"}, {"f"});
  m.node("ReduceSum", {"f"}, {"r"});
  m.output("y", {8, 4});
  m.output("r", {1, 1});
  Graph g = import_onnx_bytes(m.bytes(), "producers");
  Partition p = partition(g);
  std::vector<std::string> names;
  for (const Task& t : p.tasks) names.push_back(t.name);
  EXPECT_EQ(names,
            (std::vector<std::string>{"erf", "transpose_transpose_mat_mul", "exp_reduce_sum"}))
      << fmt::format("{}", fmt::join(names, ", "));
  NDArray x = random_array({8, 16}, 3);
  std::map<std::string, NDArray> out = GraphRunner(g, {.use_cache = false}).run({{"x", x}});
  std::map<std::string, NDArray> reference =
      GraphRunner(g, {.unscheduled = true, .use_cache = false}).run({{"x", x}});
  for (const char* name : {"y", "r"}) {
    Comparison c = compare(out.at(name), reference.at(name), 1e-4, 1e-5);
    EXPECT_TRUE(c.match) << name << ": " << c.summary;
  }
}

TEST(Frontend, ImportErrorsNameTheNodeOrInput) {
  ModelBuilder unsupported;
  unsupported.input("x", {2, 3});
  unsupported.node("Acos", {"x"}, {"y"}, {}, "the_acos");
  unsupported.output("y", {2, 3});
  std::string message = error_of([&] { import_onnx_bytes(unsupported.bytes(), "m.onnx"); });
  EXPECT_NE(
      message.find(
          "m.onnx: node 'the_acos' (Acos, opset 13): operator Acos is not supported (supported: "),
      std::string::npos)
      << message;
  EXPECT_NE(message.find("Conv, ConvTranspose"), std::string::npos) << message;
  EXPECT_THROW(import_onnx_bytes(unsupported.bytes(), "m.onnx"), UnsupportedError);

  ModelBuilder symbolic;
  symbolic.input("x", {-1, 3});
  symbolic.node("Relu", {"x"}, {"y"});
  symbolic.output("y", {-1, 3});
  message = error_of([&] { import_onnx_bytes(symbolic.bytes(), "s.onnx"); });
  EXPECT_NE(
      message.find(
          "input 'x' has the symbolic dimension 'N' (dimension 0): pin it with --input-shape x="),
      std::string::npos)
      << message;
  ImportOptions pinned;
  parse_input_shape("x=5,3", pinned);
  Graph g = import_onnx_bytes(symbolic.bytes(), "s.onnx", pinned);
  EXPECT_EQ(g.values[static_cast<size_t>(g.outputs[0])].shape, (std::vector<int64_t>{5, 3}));
  ImportOptions wrong;
  parse_input_shape("x=5,4", wrong);
  EXPECT_NE(error_of([&] {
              import_onnx_bytes(symbolic.bytes(), "s.onnx", wrong);
            }).find("--input-shape x gives dimension 1 as 4, the model fixes it to 3"),
            std::string::npos);
  ImportOptions unknown;
  parse_input_shape("z=1", unknown);
  EXPECT_NE(error_of([&] {
              import_onnx_bytes(symbolic.bytes(), "s.onnx", unknown);
            }).find("--input-shape names 'z', which is not an input of the model (inputs: x)"),
            std::string::npos);
  EXPECT_NE(error_of([&] { parse_input_shape("x=1,a", unknown); }).find("dimension 'a' of 'x=1,a'"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              import_onnx_bytes("not a model", "junk.onnx");
            }).find("junk.onnx: not an ONNX model"),
            std::string::npos);

  ModelBuilder bad_reshape;
  bad_reshape.input("x", {2, 3});
  bad_reshape.weight("shape", [] {
    NDArray s = NDArray::empty({1}, DataType::int64());
    s.set_int(0, 7);
    return s;
  }());
  bad_reshape.node("Reshape", {"x", "shape"}, {"y"}, {}, "r");
  bad_reshape.output("y", {7});
  message = error_of([&] { import_onnx_bytes(bad_reshape.bytes(), "r.onnx"); });
  EXPECT_NE(message.find("node 'r' (Reshape, opset 13)"), std::string::npos) << message;
}

TEST(Frontend, RunnerRejectsWrongInputs) {
  ConvBnRelu net;
  GraphRunner runner(import_onnx_bytes(net.model(), "net.onnx"),
                     {.num_threads = 1, .use_cache = false});
  EXPECT_NE(error_of([&] { runner.run({}); }).find("net.onnx: no value given for input 'x'"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              runner.run({{"x", random_array({1, 3, 8, 7}, 1)}});
            }).find("input 'x' must be float32[1, 3, 8, 8], got float32[1, 3, 8, 7]"),
            std::string::npos);
  EXPECT_NE(error_of([&] {
              runner.run({{"x", random_array({1, 3, 8, 8}, 1)}, {"extra", random_array({1}, 1)}});
            }).find("'extra' is not an input of the model"),
            std::string::npos);
}

}  // namespace
}  // namespace tessera::frontend

namespace tessera::frontend {
namespace {

// Small models exported from PyTorch (tests/frontend/models/make_models.py): the runner's
// result matches PyTorch's within float32 rounding.
TEST(Frontend, SmallModelsMatchPyTorch) {
  const std::string dir = std::string(TESSERA_TEST_DATA) + "/frontend/models/";
  for (const char* name : {"small_cnn", "small_encoder_opset13", "small_encoder_opset17"}) {
    SCOPED_TRACE(name);
    Graph g = import_onnx(dir + name + ".onnx");
    GraphRunner runner(g, {.num_threads = 2, .use_cache = false});
    NDArray x = read_tensor_file(dir + name + ".input.pb");
    NDArray expected = read_tensor_file(dir + name + ".output.pb");
    NDArray y = runner.run({{"input", x}}).at("output");
    Comparison c = compare(y, expected, 1e-3, 1e-4);
    EXPECT_TRUE(c.match) << c.summary;
    for (const KernelSource& s : runner.kernel_sources()) EXPECT_EQ(s.kind, "default space");
  }
}

// A second runner of the same model loads every kernel from the cache and computes the same.
TEST(Frontend, KernelsAreCachedOnDisk) {
  const std::string dir = std::string(TESSERA_TEST_DATA) + "/frontend/models/";
  const std::string cache = ::testing::TempDir() + "/tessera-kernel-cache-test";
  std::filesystem::remove_all(cache);
  Graph g = import_onnx(dir + "small_cnn.onnx");
  NDArray x = read_tensor_file(dir + "small_cnn.input.pb");
  GraphRunner first(g, {.num_threads = 1, .cache_directory = cache});
  for (const KernelSource& s : first.kernel_sources()) EXPECT_FALSE(s.cached);
  GraphRunner second(g, {.num_threads = 1, .cache_directory = cache});
  for (const KernelSource& s : second.kernel_sources()) EXPECT_TRUE(s.cached);
  Comparison c = compare(second.run({{"input", x}}).at("output"),
                         first.run({{"input", x}}).at("output"), 0, 0);
  EXPECT_TRUE(c.match) << c.summary;
  // Another seed is another choice: not taken from the cache.
  GraphRunner other(g, {.num_threads = 1, .seed = 7, .cache_directory = cache});
  EXPECT_FALSE(other.kernel_sources()[0].cached);
  std::filesystem::remove_all(cache);
}

}  // namespace
}  // namespace tessera::frontend
