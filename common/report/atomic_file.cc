#include "common/report/atomic_file.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace mpcstats::report {

using core::Code;
using core::Status;

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string temp = fmt::format("{}.tmp.{}", path, ::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return Status(Code::kIo, fmt::format("cannot write '{}': {}", temp, std::strerror(errno)));
    out << content;
    out.flush();
    if (!out) return Status(Code::kIo, fmt::format("cannot write '{}'", temp));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(temp.c_str());
    return Status(Code::kIo, fmt::format("cannot rename '{}' to '{}': {}", temp, path, std::strerror(err)));
  }
  return Status::Ok();
}

}  // namespace mpcstats::report
