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
#include "tessera/support/run_command.h"

namespace tessera {

struct CModule::State {
  std::string dir, library;
  void* handle = nullptr;
  ~State() {
    if (handle != nullptr) dlclose(handle);
    std::error_code ignored;
    if (!dir.empty()) std::filesystem::remove_all(dir, ignored);
  }
};

CModule CModule::compile(const std::string& source) {
  CompilationScope building;  // never while a candidate is timed
  auto state = std::make_shared<State>();
  std::string pattern = (std::filesystem::temp_directory_path() / "tessera-c-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) fail("C backend: cannot create a temporary directory under {}", std::filesystem::temp_directory_path().string());
  state->dir = pattern;
  const std::string src = state->dir + "/kernels.c";
  state->library = state->dir + "/kernels.so";
  {
    std::ofstream out(src);
    out << source;
    if (!out) fail("C backend: cannot write {}", src);
  }
  const char* cc = std::getenv("TESSERA_CC");
  std::string command = fmt::format("{} -std=gnu11 -O2 -fPIC -shared -fopenmp -fwrapv -ffp-contract=off -o '{}' '{}' -lm",
                                    cc != nullptr ? cc : "cc", state->library, src);
  CommandResult r = run_command(command);
  if (r.status != 0) {
    fail("C backend: the C compiler failed (exit status {}):\n{}\ncommand: {}", r.status, r.output.substr(0, 4000), command);
  }
  // OpenMP's runtime comes in with the first module and its worker threads outlive
  // every module: unloading it with the last module would pull the code from under
  // them (a crash in a worker thread, found by the C backend's random-schedule test).
  static void* openmp_runtime = dlopen("libgomp.so.1", RTLD_NOW | RTLD_GLOBAL | RTLD_NODELETE);
  (void)openmp_runtime;
  state->handle = dlopen(state->library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (state->handle == nullptr) fail("C backend: cannot load {}: {}", state->library, dlerror());
  CModule m;
  m.state_ = std::move(state);
  return m;
}

TESSERA_CALLS_GENERATED_CODE void CModule::run(const std::string& func, std::vector<NDArray>& args) const {
  std::string symbol = func + "_packed";
  for (char& c : symbol) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  void* fn = dlsym(state_->handle, symbol.c_str());
  if (fn == nullptr) fail("C backend: the module has no function '{}'", func);
  std::vector<void*> pointers;
  for (NDArray& a : args) pointers.push_back(a.data());
  reinterpret_cast<void (*)(void**)>(fn)(pointers.data());
}

}  // namespace tessera

namespace tessera {
const std::string& CModule::library_path() const { return state_->library; }
}  // namespace tessera
