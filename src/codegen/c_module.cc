#include "tessera/codegen/c_module.h"

#include "tessera/support/attributes.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "tessera/runtime/measurement_gate.h"
#include "tessera/support/error.h"
#include "tessera/support/file_system.h"
#include "tessera/support/run_command.h"

namespace tessera {

struct CModule::State {
  TemporaryDirectory dir{"tessera-c"};
  std::string library;
  void* handle = nullptr;
  ~State() {
    if (handle != nullptr) dlclose(handle);
  }
};

namespace {

// OpenMP's runtime comes in with the first module and its worker threads outlive
// every module: unloading it with the last module would pull the code from under
// them (a crash in a worker thread, found by the C backend's random-schedule test).
void* openmp_runtime() {
  static void* runtime = dlopen("libgomp.so.1", RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
  return runtime;
}

}  // namespace

void CModule::set_num_threads(int threads) {
  void* runtime = openmp_runtime();
  void* set = runtime != nullptr ? dlsym(runtime, "omp_set_num_threads") : nullptr;
  if (set == nullptr)
    fail("C backend: cannot set the OpenMP threads: libgomp.so.1 is not loadable ({})", dlerror());
  reinterpret_cast<void (*)(int)>(set)(threads);
}

CModule CModule::compile(const std::string& source) {
  CompilationScope building;  // never while a candidate is timed
  auto state = std::make_shared<State>();
  const std::string src = state->dir.path() + "/kernels.c";
  state->library = state->dir.path() + "/kernels.so";
  {
    std::ofstream out(src);
    out << source;
    if (!out) fail("C backend: cannot write {}", src);
  }
  std::vector<std::string> command = compiler_from_environment("TESSERA_CC", "cc");
  for (const char* flag :
       {"-std=gnu11", "-O2", "-fPIC", "-shared", "-fopenmp", "-fwrapv", "-ffp-contract=off", "-o"})
    command.push_back(flag);
  command.insert(command.end(), {state->library, src, "-lm"});
  CommandResult r = run_command(command);
  if (r.status != 0) {
    fail("C backend: the C compiler failed (exit status {}):\n{}\ncommand: {}", r.status,
         r.output.substr(0, 4000), command_text(command));
  }
  (void)openmp_runtime();
  state->handle = dlopen(state->library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (state->handle == nullptr) fail("C backend: cannot load {}: {}", state->library, dlerror());
  CModule m;
  m.state_ = std::move(state);
  return m;
}

TESSERA_CALLS_GENERATED_CODE void CModule::run(const std::string& func,
                                               std::vector<NDArray>& args) const {
  std::string symbol = func + "_packed";
  for (char& c : symbol) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  void* fn = dlsym(state_->handle, symbol.c_str());
  if (fn == nullptr) fail("C backend: the module has no function '{}'", func);
  std::vector<void*> pointers;
  for (NDArray& a : args) pointers.push_back(a.data());
  const int status = reinterpret_cast<int (*)(void**)>(fn)(pointers.data());
  if (status != 0)
    fail("C backend: argument {} of '{}' is not 64-byte aligned; the kernel did not run",
         status - 1, func);
}

}  // namespace tessera

namespace tessera {
const std::string& CModule::library_path() const { return state_->library; }
}  // namespace tessera
