#include "common/core/json_text.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "common/core/messages.h"

namespace mpcstats::core {

std::string QuoteForMessage(std::string_view text) { return "'" + SanitizeForLog(text, 40) + "'"; }

StatusOr<nlohmann::json> ParseJsonText(std::string_view text, std::string_view what) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    // Not only parse_error: a number too large for a double ("1E400") throws out_of_range.
    // what() is "[json.exception.parse_error.101] parse error at line 1, column 5: ..."; keep the tail.
    std::string_view message = e.what();
    if (const size_t close = message.find("] "); close != std::string_view::npos)
      message.remove_prefix(close + 2);
    // The message quotes the last token read, which can be long or hold control characters.
    return Status(Code::kBadInput, fmt::format("{}: invalid JSON: {}", what, SanitizeForLog(message, 160)));
  }
}

StatusOr<std::string> ReadSmallFile(const std::string& path, size_t max_bytes, std::string_view what) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return Status(Code::kBadInput, fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  struct stat info {};
  if (::fstat(::fileno(file.get()), &info) == 0 && S_ISDIR(info.st_mode)) {
    return Status(Code::kBadInput, fmt::format("cannot read '{}': Is a directory", path));
  }
  std::string text;
  char buffer[8192];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) {
    text.append(buffer, n);
    if (text.size() > max_bytes) {
      return Status(Code::kBadInput, fmt::format("'{}': {} larger than {} bytes", path, what, max_bytes));
    }
  }
  if (std::ferror(file.get())) {
    return Status(Code::kBadInput, fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  }
  return text;
}

}  // namespace mpcstats::core
