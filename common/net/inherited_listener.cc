#include "common/net/inherited_listener.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string_view>
#include <vector>

namespace mpcstats::net {
namespace {

constexpr int kFirstListenFd = 3;  // SD_LISTEN_FDS_START

// A decimal environment variable, or -1 if it is absent or not a plain number.
long EnvNumber(const char* name) {
  const char* text = std::getenv(name);
  if (text == nullptr) return -1;
  const std::string_view view(text);
  long value = -1;
  const auto [end, ec] = std::from_chars(view.data(), view.data() + view.size(), value);
  return ec == std::errc() && end == view.data() + view.size() ? value : -1;
}

// The fds passed to this process, read once.
std::vector<int> PassedFds() {
  std::vector<int> fds;
  const long pid = EnvNumber("LISTEN_PID");
  const long count = EnvNumber("LISTEN_FDS");
  if (pid == static_cast<long>(::getpid()) && count > 0 && count < 1024) {
    for (int fd = kFirstListenFd; fd < kFirstListenFd + count; ++fd) fds.push_back(fd);
  }
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");
  return fds;
}

// The local TCP port of `fd`, or -1 if it is not a TCP stream socket.
int BoundTcpPort(int fd) {
  int type = 0;
  socklen_t type_size = sizeof(type);
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &type_size) != 0 || type != SOCK_STREAM) return -1;
  sockaddr_storage address{};
  socklen_t size = sizeof(address);
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) return -1;
  if (address.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
  if (address.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
  return -1;
}

}  // namespace

int TakeInheritedListener(uint16_t port) {
  static std::mutex mutex;
  static std::vector<int> available = PassedFds();
  const std::lock_guard lock(mutex);
  for (auto it = available.begin(); it != available.end(); ++it) {
    const int fd = *it;
    if (BoundTcpPort(fd) != port) continue;
    available.erase(it);
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
  }
  return -1;
}

}  // namespace mpcstats::net
