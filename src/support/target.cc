#include "tessera/support/target.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/TargetParser/Host.h>

#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "tessera/support/error.h"

namespace tessera {

std::string host_cpu_name() { return llvm::sys::getHostCPUName().str(); }

namespace {

// "48K", "1024K", "32M" as /sys/devices/system/cpu/cpu0/cache/index*/size writes them.
int64_t cache_size_bytes(const std::string& text) {
  int64_t value = 0;
  size_t i = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
    value = value * 10 + (text[i++] - '0');
  if (i < text.size() && text[i] == 'K') value *= 1024;
  if (i < text.size() && text[i] == 'M') value *= 1024 * 1024;
  return value;
}

void read_host_caches(TargetFacts& facts) {
  for (int index = 0; index < 8; ++index) {
    const std::string dir = fmt::format("/sys/devices/system/cpu/cpu0/cache/index{}/", index);
    std::ifstream level_file(dir + "level"), type_file(dir + "type"), size_file(dir + "size");
    int level = 0;
    std::string type, size;
    if (!(level_file >> level) || !(type_file >> type) || !(size_file >> size)) break;
    if (level == 1 && type == "Data") facts.l1d_cache_bytes = cache_size_bytes(size);
    if (level == 2) facts.l2_cache_bytes = cache_size_bytes(size);
    if (level == 3) facts.l3_cache_bytes = cache_size_bytes(size);
  }
}

TargetFacts compute_facts(const std::string& cpu, bool host_caches) {
  llvm::InitializeNativeTarget();
  const std::string triple = llvm::sys::getProcessTriple();
  std::string error;
  const llvm::Target* target = llvm::TargetRegistry::lookupTarget(triple, error);
  if (target == nullptr) fail("target facts: LLVM has no target for {}: {}", triple, error);
  std::unique_ptr<llvm::MCSubtargetInfo> probe(target->createMCSubtargetInfo(triple, "", ""));
  if (probe == nullptr || !probe->isCPUStringValid(cpu)) {
    fail(
        "target 'llvm -mcpu={}': LLVM knows no CPU '{}' (for example native, znver4, "
        "skylake-avx512, haswell)",
        cpu, cpu);
  }
  std::unique_ptr<llvm::MCSubtargetInfo> info(target->createMCSubtargetInfo(triple, cpu, ""));
  TargetFacts facts;
  for (const char* feature : TargetFacts::kKnownFeatures) {
    if (info->checkFeatures(std::string("+") + feature)) facts.features.push_back(feature);
  }
  facts.vector_register_bytes = facts.has("avx512f") ? 64 : facts.has("avx") ? 32 : 16;
  if (host_caches) read_host_caches(facts);
  return facts;
}

}  // namespace

bool TargetFacts::has(std::string_view feature) const {
  for (const std::string& f : features) {
    if (f == feature) return true;
  }
  return false;
}

const TargetFacts& Target::facts() const {
  static std::mutex mutex;
  static std::map<std::string, std::unique_ptr<TargetFacts>> cache;
  // The C backend compiles with `cc -O2` and no -march: generic x86-64 code, run here.
  const std::string cpu = kind != "llvm"          ? "x86-64"
                          : this->cpu == "native" ? host_cpu_name()
                                                  : this->cpu;
  const bool host = kind != "llvm" || cpu == host_cpu_name();
  std::lock_guard<std::mutex> lock(mutex);
  std::unique_ptr<TargetFacts>& entry = cache[kind + " " + cpu];
  if (entry == nullptr) entry = std::make_unique<TargetFacts>(compute_facts(cpu, host));
  return *entry;
}

Target Target::parse(const std::string& text) {
  std::istringstream in(text);
  std::string token;
  Target t;
  if (!(in >> token)) fail("target string is empty (for example 'llvm -mcpu=native' or 'c')");
  if (token != "llvm" && token != "c")
    fail("target '{}': unknown kind '{}' (the kinds are llvm and c)", text, token);
  t.kind = token;
  while (in >> token) {
    if (token.rfind("-mcpu=", 0) == 0 && t.kind == "llvm") {
      t.cpu = token.substr(6);
      if (t.cpu.empty()) fail("target '{}': -mcpu= needs a CPU name (or native)", text);
    } else if (token.rfind("-num-cores=", 0) == 0) {
      const std::string value = token.substr(11);
      size_t used = 0;
      int n = 0;
      try {
        n = std::stoi(value, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != value.size() || value.empty() || n < 1)
        fail("target '{}': -num-cores must be a positive integer, got '{}'", text, value);
      t.num_cores = n;
    } else {
      fail("target '{}': unknown option '{}' (a {} target takes {})", text, token, t.kind,
           t.kind == "llvm" ? "-mcpu=NAME and -num-cores=N" : "-num-cores=N");
    }
  }
  return t;
}

Target Target::host() { return Target{"llvm", "native", 0}.canonical(); }

Target Target::canonical() const {
  Target t = *this;
  if (t.kind == "llvm" && t.cpu == "native") t.cpu = host_cpu_name();
  if (t.num_cores == 0)
    t.num_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return t;
}

std::string Target::str() const {
  std::string s = kind;
  if (kind == "llvm") s += " -mcpu=" + cpu;
  if (num_cores > 0) s += fmt::format(" -num-cores={}", num_cores);
  return s;
}

}  // namespace tessera
