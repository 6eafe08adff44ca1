#include "common/core/csv_reader.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <unordered_map>

#include "common/core/timestamp.h"

namespace mpcstats::core {
namespace {

constexpr std::string_view kHeader = "user_id,store_category,timestamp,district,is_weekend";
constexpr int kColumns = 5;

// Echoes a field of the input in a message: at most 40 characters, control characters replaced,
// so a damaged file cannot turn one error into a multi-line or huge message.
std::string Quote(std::string_view s) {
  std::string out = "'";
  const size_t n = std::min<size_t>(s.size(), 40);
  for (size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    out += (c < 0x20 || c == 0x7f) ? '?' : static_cast<char>(c);
  }
  if (s.size() > n) out += "...";
  out += "'";
  return out;
}

// Name -> index over a public domain list (categories or districts). The lists are short, so a
// linear scan comparing lengths first beats hashing; long lists fall back to a hash map.
class NameIndex {
 public:
  explicit NameIndex(const std::vector<std::string>& names) {
    names_.reserve(names.size());
    for (const std::string& name : names) names_.emplace_back(name);
    if (names_.size() > kLinearLimit) {
      map_.reserve(names_.size());
      for (size_t i = 0; i < names_.size(); ++i) map_.emplace(names_[i], static_cast<uint16_t>(i));
    }
  }

  // The index of `name`, or -1.
  int Find(std::string_view name) const {
    if (names_.size() > kLinearLimit) {
      const auto it = map_.find(name);
      return it == map_.end() ? -1 : it->second;
    }
    for (size_t i = 0; i < names_.size(); ++i) {
      if (names_[i].size() == name.size() && std::memcmp(names_[i].data(), name.data(), name.size()) == 0) {
        return static_cast<int>(i);
      }
    }
    return -1;
  }

 private:
  static constexpr size_t kLinearLimit = 32;
  std::vector<std::string_view> names_;
  std::unordered_map<std::string_view, uint16_t> map_;
};

// User id -> dense index, in order of first appearance. Open addressing with linear probing over
// a flat array: one cache line per lookup and no allocation per user, which std::unordered_map
// (a node per entry) cannot offer; this lookup is most of the parser's cost. Keys are views into
// the caller's text, which must outlive the interner.
class UserInterner {
 public:
  explicit UserInterner(size_t expected_users) {
    size_t capacity = 64;
    while (capacity < 2 * expected_users) capacity *= 2;
    slots_.resize(capacity);
  }

  size_t size() const { return size_; }

  // The index of `id`, assigning the next one if it is new.
  uint32_t Intern(std::string_view id) {
    const uint64_t hash = std::hash<std::string_view>{}(id);
    size_t i = hash & (slots_.size() - 1);
    while (true) {
      Slot& slot = slots_[i];
      if (slot.data == nullptr) {
        slot = {hash, id.data(), id.size(), static_cast<uint32_t>(size_++)};
        if (2 * size_ > slots_.size()) Grow();
        return static_cast<uint32_t>(size_ - 1);
      }
      if (slot.hash == hash && slot.size == id.size() && std::memcmp(slot.data, id.data(), id.size()) == 0) {
        return slot.index;
      }
      i = (i + 1) & (slots_.size() - 1);
    }
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    const char* data = nullptr;  // nullptr marks an empty slot (ids are never empty)
    size_t size = 0;
    uint32_t index = 0;
  };

  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    for (const Slot& slot : old) {
      if (slot.data == nullptr) continue;
      size_t i = slot.hash & (slots_.size() - 1);
      while (slots_[i].data != nullptr) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace

StatusOr<VisitTable> ParseVisitsCsv(std::string_view text, std::string_view source_name,
                                    const std::vector<std::string>& categories,
                                    const std::vector<std::string>& districts) {
  size_t line_no = 0;
  auto error = [&](std::string_view what) {
    return Status(Code::kBadInput, fmt::format("{}:{}: {}", source_name, line_no, what));
  };
  if (categories.size() > std::numeric_limits<uint16_t>::max() + size_t{1} ||
      districts.size() > std::numeric_limits<uint16_t>::max() + size_t{1}) {
    return Status(Code::kInternal, "ParseVisitsCsv: more than 65536 categories or districts");
  }
  const NameIndex category_index(categories);
  const NameIndex district_index(districts);

  const char* const base = text.data();
  const size_t size = text.size();
  size_t pos = 0;
  // Returns the next line without its '\n' (and without a '\r' before it).
  auto next_line = [&]() {
    const void* nl = std::memchr(base + pos, '\n', size - pos);
    const size_t end = nl ? static_cast<size_t>(static_cast<const char*>(nl) - base) : size;
    std::string_view line(base + pos, end - pos);
    pos = nl ? end + 1 : size;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    ++line_no;
    return line;
  };

  if (text.substr(0, 3) == "\xEF\xBB\xBF") pos = 3;  // UTF-8 byte order mark from spreadsheet exports
  if (pos >= size) {
    line_no = 1;
    return error(fmt::format("missing header '{}'", kHeader));
  }
  const std::string_view header = next_line();
  if (header != kHeader) return error(fmt::format("expected header '{}', got {}", kHeader, Quote(header)));

  VisitTable table;
  const size_t estimated_rows = static_cast<size_t>(std::count(text.begin() + pos, text.end(), '\n')) + 1;
  table.Reserve(estimated_rows);
  UserInterner user_ids(estimated_rows / 4);

  size_t first_blank_line = 0;
  while (pos < size) {
    const std::string_view line = next_line();
    if (line.empty()) {
      if (first_blank_line == 0) first_blank_line = line_no;
      continue;
    }
    if (first_blank_line != 0) {
      line_no = first_blank_line;
      return error("blank line before the end of the file");
    }

    // Split into exactly five fields at the first four commas; a fifth comma means too many.
    std::string_view fields[kColumns];
    size_t start = 0;
    int found = 0;
    for (; found < kColumns - 1; ++found) {
      const void* comma = std::memchr(line.data() + start, ',', line.size() - start);
      if (!comma) break;
      const size_t at = static_cast<size_t>(static_cast<const char*>(comma) - line.data());
      fields[found] = line.substr(start, at - start);
      start = at + 1;
    }
    fields[found] = line.substr(start);
    if (found < kColumns - 1 || fields[kColumns - 1].find(',') != std::string_view::npos) {
      const auto columns = static_cast<size_t>(std::count(line.begin(), line.end(), ',')) + 1;
      return error(fmt::format("expected {} columns, got {}", kColumns, columns));
    }
    const std::string_view user = fields[0];
    const std::string_view category = fields[1];
    const std::string_view timestamp = fields[2];
    const std::string_view district = fields[3];
    const std::string_view weekend = fields[4];

    if (user.empty()) return error("empty user_id");
    const int category_id = category_index.Find(category);
    if (category_id < 0) return error(fmt::format("unknown category {}", Quote(category)));
    const std::optional<int64_t> seconds = ParseIsoTimestamp(timestamp);
    if (!seconds) return error(fmt::format("bad timestamp {}", Quote(timestamp)));
    const int district_id = district_index.Find(district);
    if (district_id < 0) return error(fmt::format("unknown district {}", Quote(district)));
    if (weekend.size() != 1 || (weekend[0] != '0' && weekend[0] != '1')) {
      return error("is_weekend must be 0 or 1");
    }
    const bool claimed_weekend = weekend[0] == '1';
    if (claimed_weekend != IsWeekend(*seconds)) {
      return error(fmt::format("is_weekend={} but {} is a {}", weekend, FormatIsoDate(*seconds),
                               WeekdayName(DayOfWeek(*seconds))));
    }

    if (user_ids.size() == std::numeric_limits<uint32_t>::max())
      return error("more than 2^32-1 distinct user ids");
    table.user.push_back(user_ids.Intern(user));
    table.category.push_back(static_cast<uint16_t>(category_id));
    table.timestamp.push_back(*seconds);
    table.district.push_back(static_cast<uint16_t>(district_id));
    table.is_weekend.push_back(claimed_weekend ? 1 : 0);
  }
  table.num_users = user_ids.size();
  return table;
}

StatusOr<VisitTable> ReadVisitsCsv(const std::string& path, const std::vector<std::string>& categories,
                                   const std::vector<std::string>& districts) {
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return Status(Code::kBadInput, fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  std::string text;
  struct stat info {};
  if (::fstat(::fileno(file.get()), &info) == 0) {
    if (S_ISDIR(info.st_mode))
      return Status(Code::kBadInput, fmt::format("cannot read '{}': Is a directory", path));
    // One allocation when the size is known; otherwise (a pipe) grow as we go.
    if (S_ISREG(info.st_mode) && info.st_size > 0) text.reserve(static_cast<size_t>(info.st_size));
  }
  char buffer[1 << 16];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, file.get())) > 0) text.append(buffer, n);
  if (std::ferror(file.get())) {
    return Status(Code::kBadInput, fmt::format("cannot read '{}': {}", path, std::strerror(errno)));
  }
  return ParseVisitsCsv(text, path, categories, districts);
}

std::string FormatVisitsCsv(const VisitTable& table, const std::vector<std::string>& categories,
                            const std::vector<std::string>& districts) {
  std::string out;
  out.reserve(kHeader.size() + 1 + table.size() * 56);
  out.append(kHeader);
  out.push_back('\n');
  auto name = [](const std::vector<std::string>& names, uint16_t index) -> std::string_view {
    return index < names.size() ? std::string_view(names[index]) : std::string_view("?");
  };
  for (size_t i = 0; i < table.size(); ++i) {
    // User ids are written as "u<index>": the table keeps only dense indices, not the original ids.
    out.push_back('u');
    fmt::format_to(std::back_inserter(out), "{}", table.user[i]);
    out.push_back(',');
    out.append(name(categories, table.category[i]));
    out.push_back(',');
    AppendIsoTimestamp(table.timestamp[i], &out);
    out.push_back(',');
    out.append(name(districts, table.district[i]));
    out.push_back(',');
    out.push_back(table.is_weekend[i] ? '1' : '0');
    out.push_back('\n');
  }
  return out;
}

}  // namespace mpcstats::core
