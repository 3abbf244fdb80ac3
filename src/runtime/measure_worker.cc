#include "tessera/runtime/measure_worker.h"

#include <dlfcn.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <string>

#include "measure_protocol.h"
#include "tessera/ir/parser.h"
#include "tessera/runtime/interpreter.h"
#include "tessera/runtime/isolated_runner.h"
#include "tessera/runtime/thread_pool.h"
#include "tessera/support/error.h"

namespace tessera {
namespace {

namespace protocol = measure_protocol;

void write_line(int fd, const std::string& text) {
  std::string line = text + "\n";
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) std::_Exit(0);  // the runner is gone
    done += static_cast<size_t>(n);
  }
}

// Reads one line (without its newline); false at end of input.
bool read_line(int fd, std::string& buffer, std::string& line) {
  for (;;) {
    if (size_t newline = buffer.find('\n'); newline != std::string::npos) {
      line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      return true;
    }
    char chunk[65536];
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

MeasureResult failed(MeasureStatus status, std::string reason) {
  MeasureResult r;
  r.status = status;
  r.reason = std::move(reason);
  return r;
}

using PackedFunction = int (*)(void**);  // 0, or i + 1 for a misaligned argument i

// Loads, checks and times one candidate. Anything the kernel does wrong short of
// killing the process comes back as a result.
MeasureResult measure_candidate(const protocol::Request& request, const PrimFunc& workload,
                                ReferenceCache& cache) {
  void* library = dlopen(request.library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (library == nullptr)
    return failed(MeasureStatus::kLoadError,
                  fmt::format("cannot load {}: {}", request.library, dlerror()));
  const std::string symbol = request.function + "_packed";
  auto entry = reinterpret_cast<PackedFunction>(dlsym(library, symbol.c_str()));
  if (entry == nullptr) {
    dlclose(library);
    return failed(MeasureStatus::kLoadError,
                  fmt::format("{} has no function '{}' (is '{}' the kernel's name?)",
                              request.library, symbol, request.function));
  }
  const size_t params = workload->params.size();
  KernelRunner run = [&](std::vector<NDArray>& args) {
    if (args.size() != params)
      fail("the workload has {} parameters, the call {}", params, args.size());
    std::vector<void*> pointers;
    for (NDArray& a : args) pointers.push_back(a.data());
    if (const int status = entry(pointers.data()); status != 0) {
      fail("argument {} is not 64-byte aligned; the kernel did not run", status - 1);
    }
  };
  MeasureResult result;
  try {
    if (request.check) {
      CheckResult check = check_correctness(workload, run, cache, request.seed);
      result.check_summary = check.summary();
      if (!check.match) {
        dlclose(library);
        result.status = MeasureStatus::kWrongResult;
        result.reason = "the outputs differ from the reference:\n" + result.check_summary;
        while (!result.reason.empty() && result.reason.back() == '\n') result.reason.pop_back();
        return result;
      }
    }
    std::vector<NDArray> args = make_random_arguments(workload, request.seed);
    TimingResult timing = time_kernel([&] { run(args); }, request.timing);
    result.status = MeasureStatus::kOk;
    result.seconds = timing.seconds;
    result.number = timing.number;
  } catch (const std::exception& e) {
    result = failed(MeasureStatus::kRunnerError, e.what());
  }
  dlclose(library);
  return result;
}

}  // namespace

int serve_measurements(int in_fd, int out_fd,
                       std::function<KernelRunner(const PrimFunc&)> make_reference_runner) {
  // A crashing candidate should cost a restart, not a core file per candidate; and a
  // worker stuck in an endless kernel must not outlive a runner that was killed.
  rlimit no_core{0, 0};
  setrlimit(RLIMIT_CORE, &no_core);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  // A faulting kernel ends this process with its own signal, which the runner reports,
  // even where a sanitizer runtime would have turned it into a report and an abort.
  for (int sig : {SIGSEGV, SIGBUS, SIGFPE, SIGILL}) std::signal(sig, SIG_DFL);
  ReferenceCache cache(std::move(make_reference_runner));
  std::string buffer, line;
  while (read_line(in_fd, buffer, line)) {
    MeasureResult result;
    try {
      protocol::Request request = protocol::decode_request(line);
      ThreadPool::global().set_num_threads(request.threads);
      PrimFunc workload = parse_prim_func(request.workload, "<workload from the runner>");
      cache.get(workload, request.seed);  // before the candidate's clock starts
      write_line(out_fd, protocol::encode_candidate_phase());
      result = measure_candidate(request, workload, cache);
    } catch (const std::exception& e) {
      result = failed(MeasureStatus::kRunnerError, e.what());
    }
    write_line(out_fd, protocol::encode_result(result));
  }
  return 0;
}

}  // namespace tessera
