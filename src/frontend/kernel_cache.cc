#include "kernel_cache.h"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

#include "tessera/codegen/llvm_codegen.h"
#include "tessera/lower/lower.h"
#include "tessera/support/error.h"
#include "tessera/support/hash.h"
#include "tessera/support/version.h"

namespace tessera::frontend {

namespace fs = std::filesystem;

Kernel::~Kernel() {
  if (library_ != nullptr) dlclose(library_);
}

std::shared_ptr<Kernel> Kernel::load(const std::string& path, const std::string& function) {
  std::shared_ptr<Kernel> k(new Kernel());
  k->library_ = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (k->library_ == nullptr) fail("cannot load kernel library {}: {}", path, dlerror());
  const std::string symbol = function + "_packed";
  k->entry_ = reinterpret_cast<int (*)(void**)>(dlsym(k->library_, symbol.c_str()));
  if (k->entry_ == nullptr) fail("kernel library {} has no function '{}'", path, symbol);
  k->function_ = function;
  return k;
}

void Kernel::run(std::vector<NDArray>& args) const {
  std::vector<void*> pointers;
  for (NDArray& a : args) pointers.push_back(a.data());
  if (const int status = entry_(pointers.data()); status != 0)
    fail("kernel {}: argument {} is not 64-byte aligned; the kernel did not run", function_,
         status - 1);
}

namespace {

std::string default_directory() {
  if (const char* d = std::getenv("TESSERA_CACHE_DIR"); d != nullptr && *d != 0) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != 0)
    return std::string(x) + "/tessera/kernels";
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != 0)
    return std::string(h) + "/.cache/tessera/kernels";
  return (fs::temp_directory_path() / "tessera-kernels").string();
}

}  // namespace

KernelCache::KernelCache(std::string directory, bool enabled) {
  if (!enabled) {
    std::string pattern = (fs::temp_directory_path() / "tessera-kernels-XXXXXX").string();
    if (mkdtemp(pattern.data()) == nullptr) fail("cannot create a temporary directory for kernels");
    directory_ = pattern;
    temporary_ = true;
    return;
  }
  directory_ = directory.empty() ? default_directory() : std::move(directory);
  std::error_code ec;
  fs::create_directories(directory_, ec);
  if (ec) fail("cannot create the kernel cache {}: {}", directory_, ec.message());
}

KernelCache::~KernelCache() {
  if (temporary_) {
    std::error_code ec;
    fs::remove_all(directory_, ec);
  }
}

std::string KernelCache::key(const std::string& description, const Target& target) {
  std::string text = fmt::format("{}|{}|{}|{}|{}", description, target.str(), version(),
                                 git_commit(), llvm_version());
  return fmt::format("{:016x}", hash_string(text));
}

std::shared_ptr<Kernel> KernelCache::find(const std::string& key,
                                          const std::string& function) const {
  const std::string path = directory_ + "/" + key + ".so";
  if (!fs::exists(path)) return nullptr;
  try {
    return Kernel::load(path, function);
  } catch (const Error&) {
    return nullptr;  // a damaged or foreign file: build it again
  }
}

std::shared_ptr<Kernel> KernelCache::build(const std::string& key, const PrimFunc& scheduled,
                                           const Target& target) {
  const std::string path = directory_ + "/" + key + ".so";
  // Written under a unique name and renamed: a concurrent run or a crash never leaves a
  // half-written library under the key.
  const std::string partial = fmt::format("{}.{}.partial.so", path, static_cast<long>(getpid()));
  LLVMModule::write({lower(scheduled, target)}, LLVMModule::OutputKind::kLoadableLibrary, partial,
                    3, target);
  std::error_code ec;
  fs::rename(partial, path, ec);
  if (ec) fail("cannot store kernel {} in the cache: {}", path, ec.message());
  return Kernel::load(path, scheduled->name);
}

}  // namespace tessera::frontend
