// Where a tuning candidate's build time goes, on one core: replaying its trace, lowering,
// LLVM (IR, optimisation, machine code) and linking the shared library (as users get it,
// and as the tuner builds it for the measurement worker).
// The candidates are the records of a tuning database, so the programs are the ones the
// search really builds.
//
//   taskset -c 0 build/bench/build_bench --db bench/tuning_db -w conv2d_nhwc:... [--count N]
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>

#include "bench_util.h"

#include "tessera/codegen/llvm_codegen.h"
#include "tessera/lower/lower.h"
#include "tessera/te/workloads.h"
#include "tessera/tune/database.h"
#include "tessera/tune/tuner.h"

using namespace tessera;

int main(int argc, char** argv) {
  std::string db_dir = "bench/tuning_db", spec = "gemm:m=512,n=512,k=512";
  size_t count = 24;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--db")
      db_dir = argv[i + 1];
    else if (flag == "-w")
      spec = argv[i + 1];
    else if (flag == "--count")
      count = std::stoul(argv[i + 1]);
    else {
      std::fprintf(stderr, "build_bench: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  Workload workload = workloads::get(spec);
  Database db(db_dir, /*create=*/false);
  const std::string hash = workload_hash(workload.func);
  std::vector<const TuningRecord*> records;
  for (const TuningRecord& r : db.records()) {
    if (r.workload == hash && r.status == "ok" && records.size() < count) records.push_back(&r);
  }
  if (records.empty()) {
    std::fprintf(stderr, "build_bench: %s has no measured records of %s\n", db_dir.c_str(),
                 spec.c_str());
    return 1;
  }
  const std::string directory = std::filesystem::temp_directory_path() / "tessera_build_bench";
  std::filesystem::create_directories(directory);
  using clock = std::chrono::steady_clock;
  auto seconds_since = [](clock::time_point t) {
    return std::chrono::duration<double>(clock::now() - t).count();
  };
  double replay = 0, lowering = 0, object = 0, library = 0, loadable = 0;
  for (const TuningRecord* r : records) {
    auto t = clock::now();
    PrimFunc scheduled = replay_record(*r, workload).func();
    replay += seconds_since(t);
    t = clock::now();
    PrimFunc lowered = lower(scheduled);
    lowering += seconds_since(t);
    t = clock::now();
    LLVMModule::write({lowered}, LLVMModule::OutputKind::kObject, directory + "/candidate.o");
    object += seconds_since(t);
    t = clock::now();
    LLVMModule::write({lowered}, LLVMModule::OutputKind::kSharedLibrary,
                      directory + "/candidate.so");
    library += seconds_since(t);
    t = clock::now();
    LLVMModule::write({lowered}, LLVMModule::OutputKind::kLoadableLibrary,
                      directory + "/candidate_loadable.so");
    loadable += seconds_since(t);
  }
  std::filesystem::remove_all(directory);
  const double n = static_cast<double>(records.size());
  std::printf("machine: %s, 1 thread\n", bench::cpu_model().c_str());
  std::printf("%s: %zu measured candidates from %s\n", spec.c_str(), records.size(),
              db_dir.c_str());
  std::printf("replay                                %8.1f ms per candidate\n", 1e3 * replay / n);
  std::printf("lower                                 %8.1f ms\n", 1e3 * lowering / n);
  std::printf("LLVM to object                        %8.1f ms\n", 1e3 * object / n);
  std::printf("LLVM + cc link (.so, for users)       %8.1f ms (link alone %.1f ms)\n",
              1e3 * library / n, 1e3 * (library - object) / n);
  std::printf("LLVM + ld link (.so, for the worker)  %8.1f ms (link alone %.1f ms)\n",
              1e3 * loadable / n, 1e3 * (loadable - object) / n);
  return 0;
}
