#include "common/core/csv_reader.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <utility>

#include "common/core/visits_csv_parser.h"

namespace mpcstats::core {
namespace {

// Category and district indices are stored as uint16_t.
Status CheckDomainSizes(const std::vector<std::string>& categories,
                        const std::vector<std::string>& districts) {
  if (categories.size() > std::numeric_limits<uint16_t>::max() + size_t{1} ||
      districts.size() > std::numeric_limits<uint16_t>::max() + size_t{1}) {
    return Status(Code::kInternal, "visit CSV reader: more than 65536 categories or districts");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<VisitTable> ParseVisitsCsv(std::string_view text, std::string_view source_name,
                                    const std::vector<std::string>& categories,
                                    const std::vector<std::string>& districts) {
  if (Status s = CheckDomainSizes(categories, districts); !s.ok()) return s;
  VisitsCsvParser parser(categories, districts);
  // The whole text is here: counting its lines (at memchr speed) sizes the table exactly.
  const size_t lines = static_cast<size_t>(std::count(text.begin(), text.end(), '\n')) + 1;
  parser.Reserve(lines, lines);
  parser.BeginSource(source_name);
  if (!parser.Feed(text) || !parser.EndSource()) return parser.error();
  return std::move(parser).Finish();
}

StatusOr<VisitTable> ReadVisitsCsvFiles(const std::vector<std::string>& paths,
                                        const std::vector<std::string>& categories,
                                        const std::vector<std::string>& districts, size_t block_size) {
  if (paths.empty()) return Status(Code::kUsage, "no visit CSV file given");
  if (Status s = CheckDomainSizes(categories, districts); !s.ok()) return s;
  block_size = std::max<size_t>(block_size, 1);

  // The total size lets the parser size the table once, from the bytes per row of the first part.
  // A file given twice would count its visits twice, silently: refuse it.
  uint64_t total_bytes = 0;
  std::vector<std::pair<std::pair<dev_t, ino_t>, size_t>> seen;  // (device, inode), index in paths
  for (size_t i = 0; i < paths.size(); ++i) {
    struct stat info {};
    if (::stat(paths[i].c_str(), &info) != 0 || !S_ISREG(info.st_mode)) continue;  // reported when opened
    total_bytes += static_cast<uint64_t>(info.st_size);
    const std::pair<dev_t, ino_t> id(info.st_dev, info.st_ino);
    for (const auto& [other, index] : seen) {
      if (other == id) {
        return Status(Code::kBadInput,
                      fmt::format("'{}' and '{}' are the same file", paths[index], paths[i]));
      }
    }
    seen.emplace_back(id, i);
  }
  constexpr uint64_t kEstimateAfterBytes = uint64_t{256} << 10;
  bool estimated = false;
  uint64_t bytes_fed = 0;

  VisitsCsvParser parser(categories, districts);
  const std::unique_ptr<char[]> block(new char[block_size]);
  for (const std::string& path : paths) {
    std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!file)
      return Status(Code::kBadInput, fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
    struct stat info {};
    if (::fstat(::fileno(file.get()), &info) == 0 && S_ISDIR(info.st_mode)) {
      return Status(Code::kBadInput, fmt::format("cannot read '{}': Is a directory", path));
    }
    // Read-ahead hint only: the file is read once, front to back.
    ::posix_fadvise(::fileno(file.get()), 0, 0, POSIX_FADV_SEQUENTIAL);
    parser.BeginSource(path);
    size_t n;
    while ((n = std::fread(block.get(), 1, block_size, file.get())) > 0) {
      if (!parser.Feed(std::string_view(block.get(), n))) return parser.error();
      bytes_fed += n;
      if (!estimated && bytes_fed >= kEstimateAfterBytes && parser.rows() > 0) {
        estimated = true;
        if (total_bytes > bytes_fed) {
          // Scaled up from what the bytes so far held, plus 1/32: a slightly high guess costs a
          // little memory, a low one a copy of every column.
          const double scale =
              static_cast<double>(total_bytes) / static_cast<double>(bytes_fed) * (1.0 + 1.0 / 32);
          parser.Reserve(static_cast<size_t>(static_cast<double>(parser.rows()) * scale) + 1024,
                         static_cast<size_t>(static_cast<double>(parser.users()) * scale) + 1024);
        }
      }
    }
    if (std::ferror(file.get())) {
      return Status(Code::kBadInput, fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
    }
    if (!parser.EndSource()) return parser.error();
  }
  return std::move(parser).Finish();
}

struct VisitsCsvStream::Impl {
  Impl(const std::vector<std::string>& categories, const std::vector<std::string>& districts)
      : parser(categories, districts) {}
  VisitsCsvParser parser;
  Status setup;
};

VisitsCsvStream::VisitsCsvStream(const std::vector<std::string>& categories,
                                 const std::vector<std::string>& districts, std::string_view source_name,
                                 std::string_view null_marker)
    : impl_(std::make_unique<Impl>(categories, districts)) {
  impl_->setup = CheckDomainSizes(categories, districts);
  impl_->parser.UseRowMessages(null_marker);
  impl_->parser.BeginSource(source_name);
}

VisitsCsvStream::~VisitsCsvStream() = default;

void VisitsCsvStream::Reserve(size_t rows) { impl_->parser.Reserve(rows, rows); }

bool VisitsCsvStream::Feed(std::string_view piece) { return impl_->setup.ok() && impl_->parser.Feed(piece); }

bool VisitsCsvStream::End() { return impl_->setup.ok() && impl_->parser.EndSource(); }

const Status& VisitsCsvStream::error() const {
  return impl_->setup.ok() ? impl_->parser.error() : impl_->setup;
}

size_t VisitsCsvStream::rows() const { return impl_->parser.rows(); }

VisitTable VisitsCsvStream::Finish() && { return std::move(impl_->parser).Finish(); }

}  // namespace mpcstats::core
