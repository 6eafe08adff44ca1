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
#include <optional>
#include <unordered_map>
#include <utility>

#include "common/core/json_text.h"
#include "common/core/timestamp.h"

namespace mpcstats::core {
namespace {

constexpr std::string_view kHeader = "user_id,store_category,timestamp,district,is_weekend";
constexpr std::string_view kSpendHeader = "user_id,store_category,timestamp,district,is_weekend,spend";
constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr int kMaxColumns = 6;

static_assert(kSpendDecimals >= 2 && kSpendDecimals <= 18);
static_assert([] {
  int64_t scale = 1;
  for (int i = 0; i < kSpendDecimals; ++i) scale *= 10;
  return scale == kSpendScale;
}());

// Fields of a damaged file are echoed through QuoteForMessage: one short line whatever they hold.
std::string Quote(std::string_view s) { return QuoteForMessage(s); }

// Appends `units` (1/kSpendScale each) as a decimal with 2 to kSpendDecimals decimals: trailing
// zeros past the cents are dropped, so 125000 is "12.50" and 1 is "0.0001". Exact, no floating point.
void AppendSpend(int64_t units, std::string* out) {
  uint64_t magnitude = static_cast<uint64_t>(units);
  if (units < 0) {
    out->push_back('-');  // never in a valid table; written so a bad value is visible, not wrapped
    magnitude = 0 - magnitude;
  }
  const fmt::format_int whole(magnitude / kSpendScale);  // no format string to parse per value
  out->append(whole.data(), whole.size());
  uint64_t fraction = magnitude % kSpendScale;
  char digits[kSpendDecimals];
  for (int i = kSpendDecimals - 1; i >= 0; --i) {
    digits[i] = static_cast<char>('0' + fraction % 10);
    fraction /= 10;
  }
  int n = kSpendDecimals;
  while (n > 2 && digits[n - 1] == '0') --n;
  out->push_back('.');
  out->append(digits, static_cast<size_t>(n));
}

enum class SpendError { kNone, kEmpty, kSign, kSyntax, kDecimals, kTooLarge };

inline bool IsDigit(char c) { return static_cast<unsigned char>(c - '0') < 10; }

// Parses "digits[.d{1,kSpendDecimals}]" exactly into units of 1/kSpendScale, in one pass with int64
// overflow checks. Syntax wins over size: "99999999999999999999x" is a syntax error.
SpendError ParseSpend(std::string_view s, int64_t* units) {
  if (s.empty()) return SpendError::kEmpty;
  if (s[0] == '-' || s[0] == '+') return SpendError::kSign;
  const char* p = s.data();
  const char* const end = p + s.size();
  int64_t value = 0;
  bool overflow = false;
  const char* const whole = p;
  for (; p < end && IsDigit(*p); ++p) {
    overflow |= __builtin_mul_overflow(value, 10, &value);
    overflow |= __builtin_add_overflow(value, *p - '0', &value);
  }
  if (p == whole) return SpendError::kSyntax;
  int64_t fraction = 0;
  int decimals = 0;
  if (p < end) {
    if (*p++ != '.') return SpendError::kSyntax;
    const char* const first = p;
    for (; p < end && IsDigit(*p); ++p, ++decimals) {
      if (decimals < kSpendDecimals) fraction = fraction * 10 + (*p - '0');
    }
    if (p != end || p == first) return SpendError::kSyntax;
    if (decimals > kSpendDecimals) return SpendError::kDecimals;
  }
  for (; decimals < kSpendDecimals; ++decimals) fraction *= 10;
  overflow |= __builtin_mul_overflow(value, kSpendScale, &value);
  overflow |= __builtin_add_overflow(value, fraction, &value);
  if (overflow) return SpendError::kTooLarge;
  *units = value;
  return SpendError::kNone;
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

// User id -> dense index, in order of first appearance. The interner owns the id bytes (one arena,
// ids back to back), because the text they came from is a read block that is reused. The table
// is open addressing with linear probing over 16-byte slots: one cache line per probe and no
// allocation per user, which std::unordered_map (a node and a std::string per entry) cannot offer;
// this lookup is most of the parser's cost.
class UserInterner {
 public:
  UserInterner() { slots_.resize(64); }

  size_t size() const { return size_; }

  // Sizes the table for `users` ids without growing on the way.
  void Reserve(size_t users) {
    size_t capacity = slots_.size();
    while (capacity < 2 * users) capacity *= 2;
    if (capacity > slots_.size()) Rehash(capacity);
  }

  static uint64_t Hash(std::string_view id) {
    // Word at a time, then a full 64-bit mix (SplitMix64's finalizer): ids are short, so the
    // per-call cost of a general byte hash (std::hash, not inlined) is most of it.
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ id.size();
    const char* p = id.data();
    size_t n = id.size();
    for (; n >= 8; n -= 8, p += 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      h = (h ^ word) * 0xbf58476d1ce4e5b9ULL;
      h ^= h >> 29;
    }
    if (n > 0) {
      uint64_t word = 0;
      for (size_t i = 0; i < n; ++i) word |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
      h = (h ^ word) * 0xbf58476d1ce4e5b9ULL;
    }
    h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
    h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
  }

  // Starts loading the slot where `hash` begins its probe, so that the cache miss overlaps the
  // parsing of the rest of the row instead of stalling Intern.
  void Prefetch(uint64_t hash) const { __builtin_prefetch(&slots_[hash & (slots_.size() - 1)]); }

  // The index of `id` (non-empty, shorter than 2^24 bytes; `hash` = Hash(id)), assigning the next
  // one if it is new.
  uint32_t Intern(std::string_view id, uint64_t hash) {
    const auto tag = static_cast<uint32_t>(hash >> 32);
    const size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (true) {
      Slot& slot = slots_[i];
      if (slot.index_plus_one == 0) {
        const auto index = static_cast<uint32_t>(size_++);
        slot = {tag, index + 1, (static_cast<uint64_t>(arena_.size()) << kSizeBits) | id.size()};
        arena_.append(id);
        if (2 * size_ > slots_.size()) Rehash(slots_.size() * 2);
        return index;
      }
      if (slot.tag == tag && (slot.location & kSizeMask) == id.size() &&
          std::memcmp(arena_.data() + (slot.location >> kSizeBits), id.data(), id.size()) == 0) {
        return slot.index_plus_one - 1;
      }
      i = (i + 1) & mask;
    }
  }

 private:
  static constexpr int kSizeBits = 24;  // an id is at most one line (kCsvMaxLineBytes)
  static constexpr uint64_t kSizeMask = (uint64_t{1} << kSizeBits) - 1;
  static_assert(kCsvMaxLineBytes <= kSizeMask);

  struct Slot {
    uint32_t tag = 0;             // high half of the hash: most mismatches never touch the arena
    uint32_t index_plus_one = 0;  // 0 marks an empty slot
    uint64_t location = 0;        // arena offset << kSizeBits | id size
  };
  static_assert(sizeof(Slot) == 16);

  // Rehashing recomputes each hash from the arena: the slot keeps only half of it, to stay small.
  void Rehash(size_t capacity) {
    std::vector<Slot> old(capacity);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.index_plus_one == 0) continue;
      const std::string_view id(arena_.data() + (slot.location >> kSizeBits), slot.location & kSizeMask);
      size_t i = Hash(id) & mask;
      while (slots_[i].index_plus_one != 0) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<Slot> slots_;
  std::string arena_;
  size_t size_ = 0;
};

// The one CSV parser, incremental: text arrives in pieces of any size (a whole in-memory file, or
// read blocks), complete lines are parsed in place, and a line cut by the end of a piece is kept
// until its end arrives. Several sources (files) feed one table and one user interner; line
// numbers and the header are per source. After an error the parser must not be fed again.
class VisitsCsvParser {
 public:
  VisitsCsvParser(const std::vector<std::string>& categories, const std::vector<std::string>& districts)
      : category_index_(categories), district_index_(districts) {}

  // Expects about `rows` rows and `users` distinct users in all: sizes the columns and the user
  // table once. The user table takes at most rows / 4 (users usually come back, and each slot
  // reserved for nobody costs memory), so a guess from the first rows, where every user is new,
  // cannot oversize it.
  void Reserve(size_t rows, size_t users) {
    reserve_rows_ = std::max(reserve_rows_, rows);
    users_.Reserve(std::min(users, rows / 4));
    if (spend_known_) table_.Reserve(rows);  // else when the first header tells about spend
  }

  // Database COPY output instead of a file: messages say "NAME: row R (user_id 'x'): ..." (R
  // counts data rows from 1) and a field equal to `null_marker` is reported as a NULL.
  void UseRowMessages(std::string_view null_marker) {
    row_messages_ = true;
    null_marker_.assign(null_marker);
  }

  void BeginSource(std::string_view name) {
    name_.assign(name);
    line_no_ = 0;
    header_seen_ = false;
    first_blank_line_ = 0;
    carry_.clear();
  }

  // Parses the complete lines of `piece` (with a line carried over from the previous piece).
  bool Feed(std::string_view piece) {
    const char* p = piece.data();
    const char* const end = p + piece.size();
    if (!carry_.empty()) {
      const void* nl = std::memchr(p, '\n', piece.size());
      if (nl == nullptr) return Carry(piece);  // nothing pending: the last Feed ended with InternPending
      carry_.append(p, static_cast<size_t>(static_cast<const char*>(nl) - p));
      if (!Line(carry_) || !InternPending()) return false;  // pending ids may point into carry_
      carry_.clear();
      p = static_cast<const char*>(nl) + 1;
    }
    while (p < end) {
      const void* nl = std::memchr(p, '\n', static_cast<size_t>(end - p));
      if (nl == nullptr) return InternPending() && Carry(std::string_view(p, static_cast<size_t>(end - p)));
      if (!Line(std::string_view(p, static_cast<size_t>(static_cast<const char*>(nl) - p)))) return false;
      p = static_cast<const char*>(nl) + 1;
    }
    return InternPending();  // the caller may reuse the piece's memory
  }

  // The source ended: parses a last line without '\n' and checks that there was a header.
  bool EndSource() {
    if (!carry_.empty()) {
      // A byte order mark alone is an empty file, as if the mark were not there.
      const bool only_mark = !header_seen_ && line_no_ == 0 && carry_ == kByteOrderMark;
      if (!only_mark && (!Line(carry_) || !InternPending())) return false;
      carry_.clear();
    }
    if (!header_seen_) {
      line_no_ = 1;
      return Fail(fmt::format("missing header '{}'", kHeader));
    }
    return true;
  }

  size_t rows() const { return table_.size(); }
  size_t users() const { return users_.size(); }
  const Status& error() const { return error_; }

  VisitTable Finish() && {
    table_.num_users = users_.size();
    return std::move(table_);
  }

 private:
  bool Fail(std::string_view what) {
    if (row_messages_ && header_seen_) {
      error_ = Status(Code::kBadInput, fmt::format("{}: row {} (user_id {}): {}", name_, line_no_ - 1,
                                                   Quote(current_user_), what));
    } else {
      error_ = Status(Code::kBadInput, fmt::format("{}:{}: {}", name_, line_no_, what));
    }
    return false;
  }

  // Keeps the start of a line whose end is in a later piece.
  bool Carry(std::string_view part) {
    if (carry_.size() + part.size() > kCsvMaxLineBytes) {
      ++line_no_;
      current_user_ = {};
      return Fail(fmt::format("line longer than {} bytes", kCsvMaxLineBytes));
    }
    carry_.append(part);
    return true;
  }

  // One line, without its '\n'.
  bool Line(std::string_view line) {
    ++line_no_;
    current_user_ = {};
    if (line.size() > kCsvMaxLineBytes)
      return Fail(fmt::format("line longer than {} bytes", kCsvMaxLineBytes));
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!header_seen_) return Header(line);
    if (line.empty()) {
      if (first_blank_line_ == 0) first_blank_line_ = line_no_;
      return true;
    }
    if (first_blank_line_ != 0) {
      line_no_ = first_blank_line_;
      return Fail("blank line before the end of the file");
    }
    return Row(line);
  }

  bool Header(std::string_view line) {
    if (line_no_ == 1 && line.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
      line.remove_prefix(kByteOrderMark.size());  // UTF-8 byte order mark from spreadsheet exports
    }
    bool spend;
    if (line == kHeader) {
      spend = false;
    } else if (line == kSpendHeader) {
      spend = true;
    } else {
      return Fail(fmt::format("expected header '{}' (optionally followed by ',spend'), got {}", kHeader,
                              Quote(line)));
    }
    if (!spend_known_) {
      spend_known_ = true;
      spend_source_ = name_;
      table_.has_spend = spend;
      columns_ = spend ? 6 : 5;
      table_.Reserve(reserve_rows_);
    } else if (spend != table_.has_spend) {
      // One table has one schema: rows without spend cannot join rows with it.
      return Fail(
          fmt::format("header {} spend column but the header of {} {}; all files of a party must agree",
                      spend ? "has a" : "has no", spend_source_, spend ? "has none" : "has one"));
    }
    header_seen_ = true;
    return true;
  }

  bool Row(std::string_view line) {
    // Split into exactly columns_ fields at the first columns_-1 commas; one more comma is too many.
    std::string_view fields[kMaxColumns];
    const char* p = line.data();
    const char* const end = p + line.size();
    int found = 0;
    for (; found < columns_ - 1; ++found) {
      const void* comma = std::memchr(p, ',', static_cast<size_t>(end - p));
      if (comma == nullptr) break;
      fields[found] = std::string_view(p, static_cast<size_t>(static_cast<const char*>(comma) - p));
      p = static_cast<const char*>(comma) + 1;
    }
    fields[found] = std::string_view(p, static_cast<size_t>(end - p));
    current_user_ = fields[0];
    if (found < columns_ - 1 || std::memchr(p, ',', static_cast<size_t>(end - p)) != nullptr) {
      const auto columns = static_cast<size_t>(std::count(line.begin(), line.end(), ',')) + 1;
      return Fail(fmt::format("expected {} columns, got {}", columns_, columns));
    }
    const std::string_view user = fields[0];
    const std::string_view category = fields[1];
    const std::string_view timestamp = fields[2];
    const std::string_view district = fields[3];
    const std::string_view weekend = fields[4];

    if (!null_marker_.empty()) {
      static constexpr std::string_view kNames[kMaxColumns] = {"user_id",  "store_category", "timestamp",
                                                               "district", "is_weekend",     "spend"};
      for (int i = 0; i < columns_; ++i) {
        if (fields[i] == null_marker_) {
          if (i == 0) current_user_ = "NULL";
          return Fail(fmt::format("NULL {}", kNames[i]));
        }
      }
    }
    if (user.empty()) return Fail("empty user_id");
    const int category_id = category_index_.Find(category);
    if (category_id < 0) return Fail(fmt::format("unknown category {}", Quote(category)));
    const std::optional<int64_t> seconds = ParseIsoTimestamp(timestamp);
    if (!seconds) return Fail(fmt::format("bad timestamp {}", Quote(timestamp)));
    const int district_id = district_index_.Find(district);
    if (district_id < 0) return Fail(fmt::format("unknown district {}", Quote(district)));
    if (weekend.size() != 1 || (weekend[0] != '0' && weekend[0] != '1'))
      return Fail("is_weekend must be 0 or 1");
    const bool claimed_weekend = weekend[0] == '1';
    if (claimed_weekend != IsWeekend(*seconds)) {
      return Fail(fmt::format("is_weekend={} but {} is a {}", weekend, FormatIsoDate(*seconds),
                              WeekdayName(DayOfWeek(*seconds))));
    }
    int64_t spend = 0;
    if (table_.has_spend && !SpendField(fields[5], &spend)) return false;

    // The user column is filled a few rows later: see InternPending.
    if (pending_count_ == kLookahead && !InternOldest()) return false;
    const uint64_t hash = UserInterner::Hash(user);
    users_.Prefetch(hash);
    pending_[(pending_head_ + pending_count_++) % kLookahead] = {user, hash, table_.size(), line_no_};
    table_.user.push_back(0);
    table_.category.push_back(static_cast<uint16_t>(category_id));
    table_.timestamp.push_back(*seconds);
    table_.district.push_back(static_cast<uint16_t>(district_id));
    table_.is_weekend.push_back(claimed_weekend ? 1 : 0);
    if (table_.has_spend) table_.spend.push_back(spend);
    return true;
  }

  // Interning is the parser's main cache miss (a random slot of a table that outgrows the
  // caches). So a row only prefetches its slot and queues its id; the id is interned kLookahead
  // rows later, when the slot has arrived. The queue is drained before the memory the ids point
  // into is reused (end of a piece, the carried line); order is kept, so indices still follow
  // first appearance.
  bool InternOldest() {
    const PendingUser& next = pending_[pending_head_];
    if (users_.size() == std::numeric_limits<uint32_t>::max()) {
      line_no_ = next.line_no;
      return Fail("more than 2^32-1 distinct user ids");
    }
    table_.user[next.row] = users_.Intern(next.id, next.hash);
    pending_head_ = (pending_head_ + 1) % kLookahead;
    --pending_count_;
    return true;
  }

  bool InternPending() {
    while (pending_count_ > 0) {
      if (!InternOldest()) return false;
    }
    return true;
  }

  bool SpendField(std::string_view field, int64_t* units) {
    switch (ParseSpend(field, units)) {
      case SpendError::kNone:
        return true;
      case SpendError::kEmpty:
        return Fail("empty spend");
      case SpendError::kSign:
        return Fail(fmt::format("spend {} has a sign (spend is a plain non-negative number)", Quote(field)));
      case SpendError::kSyntax:
        return Fail(fmt::format("bad spend {} (expected digits with up to {} decimals, e.g. 12.50)",
                                Quote(field), kSpendDecimals));
      case SpendError::kDecimals:
        return Fail(fmt::format("spend {} has more than {} decimals (precision 0.{}1)", Quote(field),
                                kSpendDecimals, std::string(kSpendDecimals - 1, '0')));
      case SpendError::kTooLarge: {
        std::string max;
        AppendSpend(std::numeric_limits<int64_t>::max(), &max);
        return Fail(fmt::format("spend {} is too large (at most {})", Quote(field), max));
      }
    }
    return Fail("bad spend");
  }

  const NameIndex category_index_;
  const NameIndex district_index_;
  VisitTable table_;
  UserInterner users_;
  size_t reserve_rows_ = 0;
  Status error_;

  struct PendingUser {
    std::string_view id;  // into the current piece or carry_
    uint64_t hash;
    size_t row;
    size_t line_no;
  };
  static constexpr size_t kLookahead = 16;
  PendingUser pending_[kLookahead];
  size_t pending_head_ = 0;
  size_t pending_count_ = 0;

  // Schema, fixed by the first header of all sources.
  bool spend_known_ = false;
  int columns_ = 5;
  std::string spend_source_;  // the source whose header fixed it, for a mismatch message

  // Row-numbered messages and NULL detection (UseRowMessages).
  bool row_messages_ = false;
  std::string null_marker_;
  std::string_view current_user_;  // the user id of the row being checked

  // The current source.
  std::string name_;
  size_t line_no_ = 0;
  bool header_seen_ = false;
  size_t first_blank_line_ = 0;  // the first blank line of the current run of blank lines, or 0
  std::string carry_;            // the start of a line cut by the end of the last piece
};

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

StatusOr<VisitTable> ReadVisitsCsv(const std::string& path, const std::vector<std::string>& categories,
                                   const std::vector<std::string>& districts) {
  return ReadVisitsCsvFiles({path}, categories, districts);
}

std::string FormatVisitsCsv(const VisitTable& table, const std::vector<std::string>& categories,
                            const std::vector<std::string>& districts) {
  std::string out;
  out.reserve(kSpendHeader.size() + 1 + table.size() * (table.has_spend ? 64 : 56));
  out.append(table.has_spend ? kSpendHeader : kHeader);
  out.push_back('\n');
  auto name = [](const std::vector<std::string>& names, uint16_t index) -> std::string_view {
    return index < names.size() ? std::string_view(names[index]) : std::string_view("?");
  };
  for (size_t i = 0; i < table.size(); ++i) {
    // User ids are written as "u<index>": the table keeps only dense indices, not the original ids.
    out.push_back('u');
    const fmt::format_int user(table.user[i]);
    out.append(user.data(), user.size());
    out.push_back(',');
    out.append(name(categories, table.category[i]));
    out.push_back(',');
    AppendIsoTimestamp(table.timestamp[i], &out);
    out.push_back(',');
    out.append(name(districts, table.district[i]));
    out.push_back(',');
    out.push_back(table.is_weekend[i] ? '1' : '0');
    if (table.has_spend) {
      out.push_back(',');
      AppendSpend(table.spend[i], &out);
    }
    out.push_back('\n');
  }
  return out;
}

}  // namespace mpcstats::core
