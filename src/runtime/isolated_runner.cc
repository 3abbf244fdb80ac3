#include "tessera/runtime/isolated_runner.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <thread>

#include "measure_protocol.h"
#include "tessera/ir/printer.h"
#include "tessera/runtime/measurement_gate.h"
#include "tessera/support/error.h"
#include "tessera/support/logging.h"

extern char** environ;

namespace tessera {

namespace protocol = measure_protocol;

const char* to_string(MeasureStatus status) {
  switch (status) {
    case MeasureStatus::kOk: return "ok";
    case MeasureStatus::kWrongResult: return "wrong result";
    case MeasureStatus::kCrash: return "crash";
    case MeasureStatus::kTimeout: return "timeout";
    case MeasureStatus::kLoadError: return "load error";
    case MeasureStatus::kRunnerError: return "runner error";
  }
  return "?";
}

double MeasureResult::median() const {
  if (seconds.empty())
    fail("no run times to take the median of (the measurement {}: {})", to_string(status), reason);
  return median_of(seconds);
}

namespace {

// Marks where libtessera is loaded from, to find the worker built or installed with it.
void libtessera_anchor() {}

bool is_executable(const std::string& path) {
  return !path.empty() && ::access(path.c_str(), X_OK) == 0;
}

std::string describe_wait_status(int status) {
  if (WIFSIGNALED(status)) {
    const int sig = WTERMSIG(status);
    const char* abbrev = sigabbrev_np(sig);
    return fmt::format("killed by SIG{} ({})",
                       abbrev != nullptr ? abbrev : std::to_string(sig).c_str(), strsignal(sig));
  }
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  return "ended";
}

constexpr size_t kStderrTailBytes = 4096;

}  // namespace

std::string default_worker_path() {
  std::vector<std::string> tried;
  if (const char* env = std::getenv("TESSERA_WORKER"); env != nullptr && *env != '\0') {
    if (is_executable(env)) return env;
    fail("TESSERA_WORKER={} is not an executable file", env);
  }
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&libtessera_anchor), &info) != 0 &&
      info.dli_fname != nullptr) {
    // In the build tree the worker sits in tools/ next to src/ (where libtessera is).
    auto dir = std::filesystem::absolute(info.dli_fname).parent_path();
    std::string built = (dir.parent_path() / "tools" / "tessera-worker").string();
    if (is_executable(built)) return built;
    tried.push_back(built);
  }
  std::string installed = TESSERA_WORKER_INSTALL_PATH;
  if (is_executable(installed)) return installed;
  tried.push_back(installed);
  fail(
      "cannot find the measurement worker 'tessera-worker' (looked at {}); set TESSERA_WORKER to "
      "its path",
      fmt::join(tried, ", "));
}

struct IsolatedRunner::Reply {
  enum Kind { kLine, kTimeout, kEnded } kind = kEnded;
  std::string line;
};

IsolatedRunner::IsolatedRunner(RunnerOptions options) : options_(std::move(options)) {
  if (options_.timeout_seconds <= 0)
    fail("the runner's timeout must be positive, got {} s", options_.timeout_seconds);
  if (options_.threads < 1)
    fail("the runner's thread count must be at least 1, got {}", options_.threads);
  worker_path_ = options_.worker_path.empty() ? default_worker_path() : options_.worker_path;
  if (!is_executable(worker_path_))
    fail("the measurement worker {} is not an executable file", worker_path_);
}

IsolatedRunner::~IsolatedRunner() { stop_worker(false); }

void IsolatedRunner::start_worker() {
  int sockets[2], err[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sockets) != 0)
    fail("cannot create the worker's socket: {}", std::strerror(errno));
  if (pipe2(err, O_CLOEXEC) != 0) {
    ::close(sockets[0]);
    ::close(sockets[1]);
    fail("cannot create the worker's stderr pipe: {}", std::strerror(errno));
  }
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_adddup2(&files, sockets[1], 0);
  posix_spawn_file_actions_adddup2(&files, sockets[1], 1);
  posix_spawn_file_actions_adddup2(&files, err[1], 2);
  // The worker starts with default signal handling and nothing blocked, whatever the
  // caller's threads have set up.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attributes, &all);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::string path = worker_path_;
  char* argv[] = {path.data(), nullptr};
  pid_t pid = -1;
  int rc = posix_spawn(&pid, path.c_str(), &files, &attributes, argv, environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attributes);
  ::close(sockets[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(sockets[0]);
    ::close(err[0]);
    fail("cannot start the measurement worker {}: {}", path, std::strerror(rc));
  }
  pid_ = pid;
  socket_ = sockets[0];
  stderr_fd_ = err[0];
  pending_.clear();
  stderr_tail_.clear();
  ++workers_started_;
  log_debug("started measurement worker {} (pid {})", path, pid);
}

void IsolatedRunner::stop_worker(bool kill_now) {
  if (pid_ <= 0) return;
  int status = 0;
  bool reaped = false;
  if (!kill_now) {
    ::shutdown(socket_, SHUT_WR);  // end of requests: the worker exits
    for (int i = 0; i < 100 && !reaped; ++i) {
      reaped = waitpid(pid_, &status, WNOHANG) == pid_;
      if (!reaped) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
  if (!reaped) {
    ::kill(pid_, SIGKILL);
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
  }
  // What the worker wrote to stderr before it went (a crash message, say).
  for (;;) {
    char chunk[4096];
    ssize_t n = ::read(stderr_fd_, chunk, sizeof chunk);
    if (n <= 0) break;
    stderr_tail_.append(chunk, static_cast<size_t>(n));
  }
  if (stderr_tail_.size() > kStderrTailBytes)
    stderr_tail_.erase(0, stderr_tail_.size() - kStderrTailBytes);
  last_exit_ = describe_wait_status(status);
  ::close(socket_);
  ::close(stderr_fd_);
  socket_ = stderr_fd_ = -1;
  pid_ = -1;
}

bool IsolatedRunner::worker_alive() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == 0) return true;
  // It ended between measurements; reap what is left.
  ::close(socket_);
  ::close(stderr_fd_);
  socket_ = stderr_fd_ = -1;
  pid_ = -1;
  return false;
}

IsolatedRunner::Reply IsolatedRunner::read_reply(double timeout_seconds) {
  using Clock = std::chrono::steady_clock;
  const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                           std::chrono::duration<double>(timeout_seconds));
  bool stderr_open = true;
  for (;;) {
    if (size_t newline = pending_.find('\n'); newline != std::string::npos) {
      Reply reply{Reply::kLine, pending_.substr(0, newline)};
      pending_.erase(0, newline + 1);
      return reply;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return Reply{Reply::kTimeout, {}};
    pollfd fds[2] = {{socket_, POLLIN, 0}, {stderr_open ? stderr_fd_ : -1, POLLIN, 0}};
    int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno != EINTR) return Reply{Reply::kEnded, {}};
    if (n <= 0) continue;
    if (fds[1].revents != 0) {
      char chunk[4096];
      ssize_t got = ::read(stderr_fd_, chunk, sizeof chunk);
      if (got > 0) {
        stderr_tail_.append(chunk, static_cast<size_t>(got));
        if (stderr_tail_.size() > 2 * kStderrTailBytes)
          stderr_tail_.erase(0, stderr_tail_.size() - kStderrTailBytes);
      } else {
        stderr_open = false;
      }
    }
    if (fds[0].revents != 0) {
      char chunk[65536];
      ssize_t got = ::recv(socket_, chunk, sizeof chunk, 0);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return Reply{Reply::kEnded, {}};
      pending_.append(chunk, static_cast<size_t>(got));
    }
  }
}

MeasureResult IsolatedRunner::failure_after_death(MeasureStatus status, const std::string& what) {
  stop_worker(true);
  MeasureResult r;
  r.status = status;
  r.reason = what + "; a new worker takes the next candidate";
  std::string tail = stderr_tail_;
  while (!tail.empty() && (tail.back() == '\n' || tail.back() == ' ')) tail.pop_back();
  if (!tail.empty()) r.reason += fmt::format("; the worker's last output:\n{}", tail);
  return r;
}

MeasureResult IsolatedRunner::measure(const PrimFunc& workload, const std::string& library_path,
                                      const std::string& function_name) {
  MeasurementScope gate;  // also serialises measurements
  protocol::Request request;
  request.library = std::filesystem::absolute(library_path).string();
  request.function = function_name;
  request.workload = print(workload);
  request.seed = options_.seed;
  request.timing = options_.timing;
  request.threads = options_.threads;
  request.check = options_.check;
  const std::string line = protocol::encode_request(request) + "\n";
  stderr_tail_.clear();

  // A worker that died since the last candidate is replaced; one that dies before
  // taking the request gets one retry, since that is not the candidate's doing.
  bool sent = false;
  for (int attempt = 0; attempt < 2 && !sent; ++attempt) {
    if (!worker_alive()) {
      try {
        start_worker();
      } catch (const Error& e) {
        MeasureResult r;
        r.reason = e.message();
        return r;
      }
    }
    sent = true;
    for (size_t done = 0; done < line.size();) {
      ssize_t n = ::send(socket_, line.data() + done, line.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        stop_worker(true);
        sent = false;
        break;
      }
      done += static_cast<size_t>(n);
    }
  }
  if (!sent)
    return failure_after_death(MeasureStatus::kRunnerError,
                               fmt::format("the worker {} ended before taking the request ({})",
                                           worker_path_, last_exit_));

  Reply reply = read_reply(options_.reference_timeout_seconds);
  if (reply.kind == Reply::kTimeout) {
    return failure_after_death(MeasureStatus::kRunnerError,
                               fmt::format("computing the reference of '{}' took more than {} s",
                                           workload->name, options_.reference_timeout_seconds));
  }
  if (reply.kind == Reply::kEnded) {
    stop_worker(true);
    return failure_after_death(
        MeasureStatus::kRunnerError,
        fmt::format("the worker was {} while computing the reference of '{}'", last_exit_,
                    workload->name));
  }
  try {
    protocol::Reply phase = protocol::decode_reply(reply.line);
    if (!phase.candidate_phase) return phase.result;  // the request or the reference failed
    reply = read_reply(options_.timeout_seconds);
    if (reply.kind == Reply::kTimeout) {
      return failure_after_death(
          MeasureStatus::kTimeout,
          fmt::format("no result within {} s from {}, so the worker was killed",
                      options_.timeout_seconds, library_path));
    }
    if (reply.kind == Reply::kEnded) {
      stop_worker(true);
      return failure_after_death(
          MeasureStatus::kCrash,
          fmt::format("the worker was {} while running {}", last_exit_, library_path));
    }
    protocol::Reply result = protocol::decode_reply(reply.line);
    if (result.candidate_phase) fail("measurement protocol: a second phase line");
    return result.result;
  } catch (const Error& e) {
    return failure_after_death(MeasureStatus::kRunnerError, e.message());
  }
}

}  // namespace tessera
