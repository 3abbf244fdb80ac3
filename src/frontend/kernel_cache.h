// Compiled task kernels, cached on disk (internal to src/frontend). A kernel is a loadable
// library (LLVMModule::kLoadableLibrary) opened in this process; its file is named by a key
// that identifies what it computes and how it was chosen, so a second run of a model loads
// its kernels instead of choosing and compiling them again.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tessera/ir/function.h"
#include "tessera/runtime/ndarray.h"
#include "tessera/support/target.h"

namespace tessera::frontend {

/// A compiled kernel of one task: call it with one array per parameter.
class Kernel {
 public:
  ~Kernel();
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;
  /// Opens the library at `path` and finds `function`'s packed entry point.
  static std::shared_ptr<Kernel> load(const std::string& path, const std::string& function);
  void run(std::vector<NDArray>& args) const;

 private:
  Kernel() = default;
  void* library_ = nullptr;
  int (*entry_)(void**) = nullptr;
  std::string function_;
};

class KernelCache {
 public:
  /// `directory` empty: $TESSERA_CACHE_DIR, else $XDG_CACHE_HOME/tessera/kernels, else
  /// ~/.cache/tessera/kernels. `enabled` false: kernels go to a temporary directory.
  KernelCache(std::string directory, bool enabled);
  ~KernelCache();

  /// The key of a choice: its description (what was chosen, from what, with which seed),
  /// the target, and the tessera build (a new code generator makes new kernels).
  static std::string key(const std::string& description, const Target& target);

  /// The cached kernel with this key, if there is one.
  std::shared_ptr<Kernel> find(const std::string& key, const std::string& function) const;
  /// Compiles `scheduled` (lowered for `target`), stores it under `key` and loads it.
  std::shared_ptr<Kernel> build(const std::string& key, const PrimFunc& scheduled,
                                const Target& target);

  const std::string& directory() const { return directory_; }

 private:
  std::string directory_;
  bool temporary_ = false;
};

}  // namespace tessera::frontend
