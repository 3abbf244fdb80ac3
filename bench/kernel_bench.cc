// kernel_bench: the handwritten schedules of spaces/ (compiled by tessera's LLVM backend)
// against OpenBLAS sgemm and oneDNN (sgemm, direct convolution) on the same machine in
// the same run, in GFLOP/s and as ratios.
//
//   build/bench/kernel_bench --threads 1 [--rounds 5]   # pinned to CPU 0
//   build/bench/kernel_bench --threads 2
//
//   build/bench/kernel_bench --threads 2 --db bench/tuning_db   # adds the tuned kernels
//
// With --db, a "tuned" column holds the best kernel the tuning database has for each
// workload on this machine's target (`tessera tune`), rebuilt from its trace, and the
// suite's GMM:3 joins the table; the ratios are then tuned / library.
//
// Honest comparisons on this machine need: OPENBLAS_CORETYPE=SkylakeX (Debian's OpenBLAS
// 0.3.21 does not recognise the CPU and otherwise runs its AVX2 kernels), the libraries'
// thread counts set to --threads (OPENBLAS_NUM_THREADS, OMP_NUM_THREADS), and a pinned
// core for single-thread runs. The program sets all of these for itself and re-executes,
// since both libraries read them when they load. oneDNN picks blocked layouts for
// convolutions; its one-time reorders of inputs and weights are left out, as a user
// would keep tensors in those layouts. Each round times every contender (median of 5
// repeats of at least 50 ms); the table reports the median over rounds.
#include <cblas.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <dnnl.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_util.h"
#include "tessera/codegen/llvm_codegen.h"
#include "tessera/lower/lower.h"
#include "tessera/runtime/evaluator.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/runtime/thread_pool.h"
#include "tessera/schedule/space_registry.h"
#include "tessera/support/error.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/database.h"
#include "tessera/tune/tuner.h"

extern "C" char* openblas_get_corename();

namespace tessera::bench {
namespace {

struct Case {
  std::string workload, space;
  enum Kind { kGemm, kConv, kDepthwise } kind;
};

double seconds_per_run(const std::function<void()>& run) {
  return time_kernel(run, TimingOptions{1, 5, 50, false}).median();
}

// A contender: a function timing one round, in seconds per run.
using Contender = std::function<double()>;

Contender tessera_kernel(const Case& c) {
  Workload w = workloads::get(c.workload);
  Schedule sch(w.func);
  find_space(c.space).apply(sch);
  auto module = std::make_shared<LLVMModule>(LLVMModule::compile({lower(sch.func())}));
  auto args = std::make_shared<std::vector<NDArray>>(make_random_arguments(w.func, 0));
  std::string name = w.func->name;
  return [module, args, name] { return seconds_per_run([&] { module->run(name, *args); }); };
}

// The database's best kernel of the case's workload for this machine; empty when it has none.
Contender tuned_kernel(const Case& c, const Database& db) {
  Workload w = workloads::get(c.workload);
  const Target target = Target{}.canonical();
  std::vector<RankedProgram> best = db.top_k(workload_hash(w.func), target.str(), 1);
  if (best.empty()) return nullptr;
  Schedule sch = replay_record(*best[0].record, w);
  auto module =
      std::make_shared<LLVMModule>(LLVMModule::compile({lower(sch.func(), target)}, 3, target));
  auto args = std::make_shared<std::vector<NDArray>>(make_random_arguments(w.func, 0));
  std::string name = w.func->name;
  return [module, args, name] { return seconds_per_run([&] { module->run(name, *args); }); };
}

// The handwritten kernel, or empty when the space does not apply to the workload.
Contender handwritten_kernel(const Case& c) {
  try {
    return tessera_kernel(c);
  } catch (const Error&) {
    return nullptr;
  }
}

// The value of parameter `key` in a spec "name:key=value,key=value,...".
int64_t param(const std::string& spec, const std::string& key) {
  for (const char* separator : {":", ","}) {
    const std::string needle = separator + key + "=";
    if (size_t at = spec.find(needle); at != std::string::npos)
      return std::stoll(spec.substr(at + needle.size()));
  }
  fail("kernel_bench: '{}' has no parameter {}", spec, key);
}

Contender openblas_gemm(const std::string& spec) {
  const int64_t m = param(spec, "m"), n = param(spec, "n"), k = param(spec, "k");
  auto a = std::make_shared<std::vector<float>>(m * k, 0.5f),
       b = std::make_shared<std::vector<float>>(k * n, 0.25f),
       c = std::make_shared<std::vector<float>>(m * n);
  return [=] {
    return seconds_per_run([&] {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(m),
                  static_cast<int>(n), static_cast<int>(k), 1.0f, a->data(), static_cast<int>(k),
                  b->data(), static_cast<int>(n), 0.0f, c->data(), static_cast<int>(n));
    });
  };
}

Contender onednn_gemm(const std::string& spec) {
  const int64_t m = param(spec, "m"), n = param(spec, "n"), k = param(spec, "k");
  auto a = std::make_shared<std::vector<float>>(m * k, 0.5f),
       b = std::make_shared<std::vector<float>>(k * n, 0.25f),
       c = std::make_shared<std::vector<float>>(m * n);
  return [=] {
    return seconds_per_run([&] {
      dnnl_sgemm('N', 'N', m, n, k, 1.0f, a->data(), k, b->data(), n, 0.0f, c->data(), n);
    });
  };
}

// oneDNN's direct convolution in the layouts it prefers (format_tag::any), inputs filled
// once; only the convolution itself is timed.
Contender onednn_conv(const std::string& spec, bool depthwise) {
  using dnnl::memory;
  const int64_t n = param(spec, "n"), h = param(spec, "h"), w = param(spec, "w"),
                kernel = param(spec, "kernel"), stride = param(spec, "stride"),
                pad = param(spec, "pad");
  const int64_t ci = depthwise ? param(spec, "c") : param(spec, "ci"),
                co = depthwise ? ci : param(spec, "co");
  const int64_t oh = (h + 2 * pad - kernel) / stride + 1, ow = (w + 2 * pad - kernel) / stride + 1;
  auto engine = std::make_shared<dnnl::engine>(dnnl::engine::kind::cpu, 0);
  auto stream = std::make_shared<dnnl::stream>(*engine);
  memory::desc src({n, ci, h, w}, memory::data_type::f32, memory::format_tag::any);
  memory::desc weights(
      depthwise ? memory::dims{ci, 1, 1, kernel, kernel} : memory::dims{co, ci, kernel, kernel},
      memory::data_type::f32, memory::format_tag::any);
  memory::desc dst({n, co, oh, ow}, memory::data_type::f32, memory::format_tag::any);
  dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_inference,
                                       dnnl::algorithm::convolution_direct, src, weights, dst,
                                       {stride, stride}, {pad, pad}, {pad, pad});
  dnnl::convolution_forward::primitive_desc pd(desc, *engine);
  auto fill = [&](const memory::desc& md, float value) {
    memory m(md, *engine);
    std::fill_n(static_cast<float*>(m.get_data_handle()), md.get_size() / sizeof(float), value);
    return m;
  };
  auto args = std::make_shared<std::unordered_map<int, memory>>(
      std::unordered_map<int, memory>{{DNNL_ARG_SRC, fill(pd.src_desc(), 0.5f)},
                                      {DNNL_ARG_WEIGHTS, fill(pd.weights_desc(), 0.25f)},
                                      {DNNL_ARG_DST, fill(pd.dst_desc(), 0.0f)}});
  auto conv = std::make_shared<dnnl::convolution_forward>(pd);
  return [=] {
    return seconds_per_run([&] {
      conv->execute(*stream, *args);
      stream->wait();
    });
  };
}

// Sets what the libraries read at load time, pins a single-thread run to CPU 0, and
// re-executes this program once so they see it.
void configure_and_reexec(int threads, char** argv) {
  if (std::getenv("TESSERA_KERNEL_BENCH_CONFIGURED") != nullptr) return;
  std::string t = std::to_string(threads);
  setenv("TESSERA_KERNEL_BENCH_CONFIGURED", "1", 1);
  // Overrides a machine-wide OPENBLAS_CORETYPE=Haswell (seen here): we compare against
  // OpenBLAS's fastest kernels for this CPU.
  setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
  setenv("OPENBLAS_NUM_THREADS", t.c_str(), 1);
  setenv("OMP_NUM_THREADS", t.c_str(), 1);
  if (threads == 1) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(0, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0)
      std::perror("kernel_bench: sched_setaffinity");
  }
  execv("/proc/self/exe", argv);
  std::perror("kernel_bench: re-executing itself");
  std::exit(1);
}

int run(int argc, char** argv) {
  int threads = 1, rounds = 5;
  std::string db_dir;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--threads" && i + 1 < argc)
      threads = std::atoi(argv[++i]);
    else if (a == "--rounds" && i + 1 < argc)
      rounds = std::atoi(argv[++i]);
    else if (a == "--db" && i + 1 < argc)
      db_dir = argv[++i];
    else {
      std::fprintf(stderr, "usage: kernel_bench [--threads N] [--rounds R] [--db DIR]\n");
      return 2;
    }
  }
  if (threads < 1 || rounds < 1) {
    std::fprintf(stderr, "kernel_bench: --threads and --rounds must be at least 1\n");
    return 2;
  }
  configure_and_reexec(threads, argv);
  ThreadPool::global().set_num_threads(threads);

  std::optional<Database> db;
  if (!db_dir.empty()) db.emplace(db_dir, /*create=*/false);
  std::vector<Case> cases = {
      {"gemm:m=512,n=512,k=512", "gemm_manual", Case::kGemm},
      {"gemm:m=1024,n=1024,k=1024", "gemm_manual", Case::kGemm},
      {"C2D:n=1,h=224,w=224,ci=3,co=64,kernel=7,stride=2,pad=3", "conv2d_nhwc_manual", Case::kConv},
      {"C2D:n=1,h=56,w=56,ci=64,co=64,kernel=1,stride=1,pad=0", "conv2d_nhwc_manual", Case::kConv},
      {"C2D:n=1,h=14,w=14,ci=256,co=256,kernel=3,stride=1,pad=1", "conv2d_nhwc_manual",
       Case::kConv},
      {"C2D:n=1,h=7,w=7,ci=512,co=512,kernel=3,stride=1,pad=1", "conv2d_nhwc_manual", Case::kConv},
      {"DEP:n=1,h=112,w=112,c=32,kernel=3,stride=1,pad=1", "depthwise_conv2d_manual",
       Case::kDepthwise},
      {"DEP:n=1,h=112,w=112,c=64,kernel=3,stride=2,pad=1", "depthwise_conv2d_manual",
       Case::kDepthwise},
      {"DEP:n=1,h=14,w=14,c=512,kernel=3,stride=2,pad=1", "depthwise_conv2d_manual",
       Case::kDepthwise},
      {"DEP:n=1,h=7,w=7,c=1024,kernel=3,stride=1,pad=1", "depthwise_conv2d_manual",
       Case::kDepthwise},
  };
  if (db)
    cases.insert(cases.begin() + 2,
                 Case{workloads::canonical_spec("GMM:3"), "gemm_manual", Case::kGemm});
  fmt::print(
      "machine: {}, {} hardware threads; {} thread(s){}; OpenBLAS core {}; oneDNN {}.{}.{}; {} "
      "rounds\n",
      cpu_model(), sysconf(_SC_NPROCESSORS_ONLN), threads, threads == 1 ? " pinned to CPU 0" : "",
      openblas_get_corename(), dnnl_version()->major, dnnl_version()->minor, dnnl_version()->patch,
      rounds);
  fmt::print("{:<58} {:>10} {:>10} {:>10} {:>7} {:>10} {:>7}\n", "workload (tessera space)",
             "tessera", "tuned", "OpenBLAS", "ratio", "oneDNN", "ratio");
  for (const Case& c : cases) {
    const double flops = static_cast<double>(workloads::get(c.workload).flops);
    std::map<std::string, Contender> contenders;
    if (Contender hand = handwritten_kernel(c)) contenders["tessera"] = hand;
    if (db) {
      if (Contender tuned = tuned_kernel(c, *db)) contenders["tuned"] = tuned;
    }
    if (c.kind == Case::kGemm) {
      contenders["openblas"] = openblas_gemm(c.workload);
      contenders["onednn"] = onednn_gemm(c.workload);
    } else {
      contenders["onednn"] = onednn_conv(c.workload, c.kind == Case::kDepthwise);
    }
    std::map<std::string, std::vector<double>> seconds;
    for (int r = 0; r < rounds; ++r) {
      for (auto& [name, time_one_round] : contenders) seconds[name].push_back(time_one_round());
    }
    auto gflops = [&](const std::string& name) {
      return seconds.count(name) ? flops / median_of(seconds[name]) * 1e-9 : 0.0;
    };
    const double hand = gflops("tessera"), tuned = gflops("tuned"), blas = gflops("openblas"),
                 dnnl = gflops("onednn");
    const double ours = tuned > 0 ? tuned : hand;
    auto cell = [](double v) { return v > 0 ? fmt::format("{:.1f}", v) : std::string("-"); };
    auto ratio = [&](double v) {
      return v > 0 ? fmt::format("{:.2f}", ours / v) : std::string("-");
    };
    fmt::print("{:<58} {:>10} {:>10} {:>10} {:>7} {:>10} {:>7}\n",
               c.workload + " (" + c.space + ")", cell(hand), cell(tuned), cell(blas), ratio(blas),
               cell(dnnl), ratio(dnnl));
    std::fflush(stdout);
  }
  fmt::print(
      "GFLOP/s, median over rounds; ratio = tessera (tuned where the database has the workload, "
      "else handwritten) / library\n");
  return 0;
}

}  // namespace
}  // namespace tessera::bench

int main(int argc, char** argv) {
  try {
    return tessera::bench::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kernel_bench: %s\n", e.what());
    return 1;
  }
}
