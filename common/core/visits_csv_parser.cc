#include "common/core/visits_csv_parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>
#include <utility>

#include "common/core/json_text.h"
#include "common/core/spend_decimal.h"
#include "common/core/timestamp.h"
#include "common/core/visits_csv_format.h"

namespace mpcstats::core {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr int kMaxColumns = 6;

// Fields of a damaged file are echoed through QuoteForMessage: one short line whatever they hold.
std::string Quote(std::string_view s) { return QuoteForMessage(s); }

}  // namespace

void VisitsCsvParser::Reserve(size_t rows, size_t users) {
  reserve_rows_ = std::max(reserve_rows_, rows);
  users_.Reserve(std::min(users, rows / 4));
  if (spend_known_) table_.Reserve(rows);  // else when the first header tells about spend
}

void VisitsCsvParser::BeginSource(std::string_view name) {
  name_.assign(name);
  line_no_ = 0;
  header_seen_ = false;
  first_blank_line_ = 0;
  carry_.clear();
}

bool VisitsCsvParser::Feed(std::string_view piece) {
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

bool VisitsCsvParser::EndSource() {
  if (!carry_.empty()) {
    // A byte order mark alone is an empty file, as if the mark were not there.
    const bool only_mark = !header_seen_ && line_no_ == 0 && carry_ == kByteOrderMark;
    if (!only_mark && (!Line(carry_) || !InternPending())) return false;
    carry_.clear();
  }
  if (!header_seen_) {
    line_no_ = 1;
    return Fail(fmt::format("missing header '{}'", kVisitsCsvHeader));
  }
  return true;
}

VisitTable VisitsCsvParser::Finish() && {
  table_.num_users = users_.size();
  return std::move(table_);
}

bool VisitsCsvParser::Fail(std::string_view what) {
  if (row_messages_ && header_seen_) {
    error_ = Status(Code::kBadInput, fmt::format("{}: row {} (user_id {}): {}", name_, line_no_ - 1,
                                                 Quote(current_user_), what));
  } else {
    error_ = Status(Code::kBadInput, fmt::format("{}:{}: {}", name_, line_no_, what));
  }
  return false;
}

bool VisitsCsvParser::Carry(std::string_view part) {
  if (carry_.size() + part.size() > kCsvMaxLineBytes) {
    ++line_no_;
    current_user_ = {};
    return Fail(fmt::format("line longer than {} bytes", kCsvMaxLineBytes));
  }
  carry_.append(part);
  return true;
}

bool VisitsCsvParser::Line(std::string_view line) {
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

bool VisitsCsvParser::Header(std::string_view line) {
  if (line_no_ == 1 && line.substr(0, kByteOrderMark.size()) == kByteOrderMark) {
    line.remove_prefix(kByteOrderMark.size());  // UTF-8 byte order mark from spreadsheet exports
  }
  bool spend;
  if (line == kVisitsCsvHeader) {
    spend = false;
  } else if (line == kVisitsCsvSpendHeader) {
    spend = true;
  } else {
    return Fail(fmt::format("expected header '{}' (optionally followed by ',spend'), got {}", kVisitsCsvHeader,
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

bool VisitsCsvParser::Row(std::string_view line) {
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

bool VisitsCsvParser::InternOldest() {
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

bool VisitsCsvParser::InternPending() {
  while (pending_count_ > 0) {
    if (!InternOldest()) return false;
  }
  return true;
}

bool VisitsCsvParser::SpendField(std::string_view field, int64_t* units) {
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

}  // namespace mpcstats::core
