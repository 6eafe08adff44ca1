#include "tests/e2e/process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>
#include <utility>

namespace mpcstats::e2e {
namespace {

int DecodeWaitStatus(int wstatus) {
  if (WIFEXITED(wstatus)) return WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) return 128 + WTERMSIG(wstatus);
  return 255;
}

// Async-signal-safe write of a C string (used between fork and exec only).
void WriteRaw(int fd, const char* text) {
  size_t len = strlen(text);
  while (len > 0) {
    ssize_t n = write(fd, text, len);
    if (n <= 0) return;
    text += n;
    len -= static_cast<size_t>(n);
  }
}

// Async-signal-safe decimal of a positive number, NUL-terminated, into `out` (20 bytes suffice).
void WriteDecimal(char* out, long value) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  while (n > 0) *out++ = digits[--n];
  *out = '\0';
}

}  // namespace

Process Process::Start(const std::vector<std::string>& argv, const std::filesystem::path& log_path,
                       const std::filesystem::path& stdin_path, int listen_fd) {
  Process process;
  process.argv_ = argv;
  process.log_path_ = log_path;

  // Everything the child needs is prepared before fork: after fork only async-signal-safe calls.
  std::vector<char*> c_argv;
  c_argv.reserve(argv.size() + 1);
  for (const std::string& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));
  c_argv.push_back(nullptr);
  const std::string log_str = log_path.string();
  const std::string stdin_str = stdin_path.string();
  const pid_t parent = getpid();
  // The environment, with LISTEN_PID's digits filled in by the child (its pid is known only there).
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "LISTEN_", 7) != 0) env.emplace_back(*e);
  }
  char listen_pid[32] = "LISTEN_PID=";
  std::vector<char*> c_env;
  for (std::string& e : env) c_env.push_back(e.data());
  static char listen_fds[] = "LISTEN_FDS=1";
  if (listen_fd >= 0) {
    c_env.push_back(listen_fds);
    c_env.push_back(listen_pid);
  }
  c_env.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) {
    std::ofstream(log_path, std::ios::app) << "e2e harness: fork failed: " << strerror(errno) << "\n";
    process.status_ = 127;
    return process;
  }
  if (pid == 0) {
    setpgid(0, 0);
    // The child dies with the test process, so a crashed test leaves nothing running.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    int log_fd = open(log_str.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (log_fd < 0) _exit(127);
    int in_fd = open(stdin_str.c_str(), O_RDONLY | O_CLOEXEC);
    if (in_fd < 0) {
      WriteRaw(log_fd, "e2e harness: cannot open stdin file\n");
      _exit(127);
    }
    if (dup2(in_fd, 0) < 0 || dup2(log_fd, 1) < 0 || dup2(log_fd, 2) < 0) _exit(127);
    if (listen_fd >= 0) {
      if (listen_fd != 3 && dup2(listen_fd, 3) < 0) _exit(127);
      if (listen_fd == 3) fcntl(3, F_SETFD, 0);  // dup2 clears close-on-exec, but not on itself
      WriteDecimal(listen_pid + 11, getpid());
    }
    // Sockets and files of the test process are not the child's business.
    syscall(SYS_close_range, listen_fd >= 0 ? 4u : 3u, ~0u, 0u);
    sigset_t empty;
    sigemptyset(&empty);
    sigprocmask(SIG_SETMASK, &empty, nullptr);
    execvpe(c_argv[0], c_argv.data(), c_env.data());
    WriteRaw(2, "e2e harness: exec failed: ");
    WriteRaw(2, c_argv[0]);
    WriteRaw(2, "\n");
    _exit(127);
  }
  setpgid(pid, pid);  // also in the parent, so Kill() works even before the child ran
  process.pid_ = pid;
  process.started_at_ = std::chrono::steady_clock::now();
  return process;
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      status_(std::exchange(other.status_, std::nullopt)),
      started_at_(other.started_at_),
      ended_at_(other.ended_at_),
      argv_(std::move(other.argv_)),
      log_path_(std::move(other.log_path_)) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !status_) KillAndReap();
    pid_ = std::exchange(other.pid_, -1);
    status_ = std::exchange(other.status_, std::nullopt);
    started_at_ = other.started_at_;
    ended_at_ = other.ended_at_;
    argv_ = std::move(other.argv_);
    log_path_ = std::move(other.log_path_);
  }
  return *this;
}

Process::~Process() {
  if (pid_ > 0 && !status_) KillAndReap();
}

std::optional<int> Process::Poll() {
  if (status_ || pid_ <= 0) return status_;
  int wstatus = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &wstatus, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == pid_) {
    status_ = DecodeWaitStatus(wstatus);
    ended_at_ = std::chrono::steady_clock::now();
    // Anything the child left in its group goes with it.
    kill(-pid_, SIGKILL);
  } else if (r < 0) {
    status_ = 255;  // not our child any more (should not happen)
  }
  return status_;
}

std::optional<int> Process::WaitFor(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (auto status = Poll()) return status;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

void Process::Kill(int signal) {
  if (pid_ <= 0 || status_) return;
  if (kill(-pid_, signal) != 0) kill(pid_, signal);
}

int Process::KillAndReap() {
  if (pid_ <= 0) return status_.value_or(255);
  if (status_) return *status_;
  Kill(SIGKILL);
  int wstatus = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &wstatus, 0);
  } while (r < 0 && errno == EINTR);
  status_ = r == pid_ ? DecodeWaitStatus(wstatus) : 255;
  ended_at_ = std::chrono::steady_clock::now();
  return *status_;
}

std::optional<std::chrono::milliseconds> Process::run_time() const {
  if (!status_ || pid_ <= 0) return std::nullopt;
  return std::chrono::duration_cast<std::chrono::milliseconds>(ended_at_ - started_at_);
}

std::optional<std::chrono::steady_clock::time_point> Process::ended_at() const {
  if (!status_ || pid_ <= 0) return std::nullopt;
  return ended_at_;
}

std::string Process::ReadLog() const { return ReadFileOrEmpty(log_path_); }

std::optional<int> RunToCompletion(const std::vector<std::string>& argv,
                                   const std::filesystem::path& log_path, std::chrono::milliseconds cap) {
  Process process = Process::Start(argv, log_path);
  std::optional<int> status = process.WaitFor(cap);
  if (!status) process.KillAndReap();
  return status;
}

std::string ReadFileOrEmpty(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace mpcstats::e2e
