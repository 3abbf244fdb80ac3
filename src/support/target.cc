#include "tessera/support/target.h"

#include <llvm/ADT/StringRef.h>
#include <llvm/TargetParser/Host.h>

#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "tessera/support/error.h"

namespace tessera {

std::string host_cpu_name() { return llvm::sys::getHostCPUName().str(); }

Target Target::parse(const std::string& text) {
  std::istringstream in(text);
  std::string token;
  Target t;
  if (!(in >> token)) fail("target string is empty (for example 'llvm -mcpu=native' or 'c')");
  if (token != "llvm" && token != "c") fail("target '{}': unknown kind '{}' (the kinds are llvm and c)", text, token);
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
      if (used != value.size() || value.empty() || n < 1) fail("target '{}': -num-cores must be a positive integer, got '{}'", text, value);
      t.num_cores = n;
    } else {
      fail("target '{}': unknown option '{}' (a {} target takes {})", text, token, t.kind, t.kind == "llvm" ? "-mcpu=NAME and -num-cores=N" : "-num-cores=N");
    }
  }
  return t;
}

Target Target::host() { return Target{"llvm", "native", 0}.canonical(); }

Target Target::canonical() const {
  Target t = *this;
  if (t.kind == "llvm" && t.cpu == "native") t.cpu = host_cpu_name();
  if (t.num_cores == 0) t.num_cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  return t;
}

std::string Target::str() const {
  std::string s = kind;
  if (kind == "llvm") s += " -mcpu=" + cpu;
  if (num_cores > 0) s += fmt::format(" -num-cores={}", num_cores);
  return s;
}

}  // namespace tessera
