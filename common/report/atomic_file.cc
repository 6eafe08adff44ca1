#include "common/report/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace mpcstats::report {

using core::Code;
using core::Status;

namespace {

Status WriteAll(int fd, const std::string& content, const std::string& temp) {
  size_t done = 0;
  while (done < content.size()) {
    const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status(Code::kIo, fmt::format("cannot write '{}': {}", temp, std::strerror(errno)));
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

}  // namespace

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  // mkstemp, not a pid suffix: processes sharing the directory (containers, where every process is
  // pid 1) must never write into each other's temporary file.
  std::string name = path + ".tmp.XXXXXX";
  std::vector<char> buffer(name.begin(), name.end());
  buffer.push_back('\0');
  const int fd = ::mkstemp(buffer.data());
  const std::string temp(buffer.data());
  if (fd < 0) return Status(Code::kIo, fmt::format("cannot write '{}': {}", temp, std::strerror(errno)));
  Status status = WriteAll(fd, content, temp);
  // mkstemp makes the file 0600; results are as readable as a file written by a shell.
  if (status.ok() && ::fchmod(fd, 0644) != 0) {
    status = Status(Code::kIo, fmt::format("cannot chmod '{}': {}", temp, std::strerror(errno)));
  }
  if (::close(fd) != 0 && status.ok()) {
    status = Status(Code::kIo, fmt::format("cannot write '{}': {}", temp, std::strerror(errno)));
  }
  if (status.ok() && std::rename(temp.c_str(), path.c_str()) != 0) {
    status = Status(Code::kIo, fmt::format("cannot rename '{}' to '{}': {}", temp, path, std::strerror(errno)));
  }
  if (!status.ok()) std::remove(temp.c_str());
  return status;
}

}  // namespace mpcstats::report
