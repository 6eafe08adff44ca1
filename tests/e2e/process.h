// A child process for end-to-end tests: started with an argument vector, stdout and stderr
// appended to one log file, stdin from a file or /dev/null.
//
// Contract: the child runs in a process group of its own and gets SIGKILL if the test process
// dies (PR_SET_PDEATHSIG), so no child outlives a crashed test. The destructor SIGKILLs the
// group of a child that is still running and reaps it: no process is ever left behind.
// Not thread-safe; one owner. Movable, not copyable.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace mpcstats::e2e {

class Process {
 public:
  // Starts argv[0] (a path; no PATH search unless it has no '/') with argv. On failure to start
  // (fork failed, or exec failed in the child) the process exits 127 and the log says why.
  // `listen_fd` >= 0: a bound socket handed to the child as fd 3 by socket activation
  // (LISTEN_FDS=1, LISTEN_PID=<child pid>; see common/net/inherited_listener.h). The caller
  // keeps its own copy and closes it when it likes.
  static Process Start(const std::vector<std::string>& argv, const std::filesystem::path& log_path,
                       const std::filesystem::path& stdin_path = "/dev/null", int listen_fd = -1);

  Process() = default;
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;
  ~Process();

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }
  // True once the child was reaped (by WaitFor, Poll or Kill).
  bool finished() const { return status_.has_value(); }
  // The status WaitFor returned once the child was reaped, else nullopt.
  std::optional<int> status() const { return status_; }
  // From start until the reap noticed the end (10 ms resolution while waiting); nullopt if running.
  std::optional<std::chrono::milliseconds> run_time() const;
  std::chrono::steady_clock::time_point started_at() const { return started_at_; }
  // When the reap noticed the end; nullopt if running.
  std::optional<std::chrono::steady_clock::time_point> ended_at() const;

  // Waits up to `timeout` for the child to end. Returns its exit code, or 128 + signal if a
  // signal ended it, or nullopt if it is still running at the deadline.
  std::optional<int> WaitFor(std::chrono::milliseconds timeout);
  // Non-blocking WaitFor.
  std::optional<int> Poll();
  // Sends `signal` to the child's process group (no-op once reaped).
  void Kill(int signal);
  // SIGKILL and reap, idempotent. Returns the final status as WaitFor does.
  int KillAndReap();

  const std::vector<std::string>& argv() const { return argv_; }
  const std::filesystem::path& log_path() const { return log_path_; }
  // The log file's content so far.
  std::string ReadLog() const;

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
  std::chrono::steady_clock::time_point started_at_;
  std::chrono::steady_clock::time_point ended_at_;
  std::vector<std::string> argv_;
  std::filesystem::path log_path_;
};

// Runs a command to completion (for helper scripts) with a cap; returns its exit code, or
// nullopt if it had to be killed at the cap. Output goes to `log_path`.
std::optional<int> RunToCompletion(const std::vector<std::string>& argv,
                                   const std::filesystem::path& log_path, std::chrono::milliseconds cap);

// The whole content of a file, or "" if it cannot be read.
std::string ReadFileOrEmpty(const std::filesystem::path& path);

}  // namespace mpcstats::e2e
