#include "common/core/timestamp.h"

#include <fmt/format.h>

#include <iterator>

namespace mpcstats::core {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

// Howard Hinnant's days_from_civil: days since 1970-01-01 of the proleptic Gregorian date y-m-d.
// Exact for every year representable here; no tables, no locale.
constexpr int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);                 // [0, 399]
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct CivilDate {
  int64_t year;
  unsigned month;  // 1..12
  unsigned day;    // 1..31
};

// Howard Hinnant's civil_from_days, the inverse of DaysFromCivil.
constexpr CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);                    // [0, 146096]
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;  // [0, 399]
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);  // [0, 365]
  const unsigned mp = (5 * doy + 2) / 153;                       // [0, 11]
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;               // [1, 31]
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;                  // [1, 12]
  return {y + (m <= 2), m, d};
}

static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(DaysFromCivil(2000, 3, 1) == 11017);
static_assert(CivilFromDays(11017).year == 2000 && CivilFromDays(11017).month == 3);

constexpr bool IsLeapYear(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

constexpr unsigned DaysInMonth(int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeapYear(y) ? 29 : kDays[m - 1];
}

// Floor division, so that times before the epoch fall on the right day.
constexpr int64_t FloorDiv(int64_t a, int64_t b) { return a / b - (a % b != 0 && (a < 0) != (b < 0)); }

// Reads exactly `n` ASCII digits at text[pos..pos+n); false if any is not a digit.
inline bool ReadDigits(std::string_view text, size_t pos, size_t n, unsigned* out) {
  unsigned v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    const unsigned digit = static_cast<unsigned char>(text[i]) - '0';
    if (digit > 9) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

// Parses "YYYY-MM-DD" at the start of `text` (which has at least 10 characters) to days since epoch.
std::optional<int64_t> ParseDatePart(std::string_view text) {
  unsigned y, m, d;
  if (text[4] != '-' || text[7] != '-') return std::nullopt;
  if (!ReadDigits(text, 0, 4, &y) || !ReadDigits(text, 5, 2, &m) || !ReadDigits(text, 8, 2, &d)) {
    return std::nullopt;
  }
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return std::nullopt;
  return DaysFromCivil(y, m, d);
}

}  // namespace

std::optional<int64_t> ParseIsoTimestamp(std::string_view text) {
  if (text.size() != 19) return std::nullopt;
  if (text[10] != 'T' && text[10] != ' ') return std::nullopt;
  if (text[13] != ':' || text[16] != ':') return std::nullopt;
  const std::optional<int64_t> days = ParseDatePart(text);
  if (!days) return std::nullopt;
  unsigned hh, mm, ss;
  if (!ReadDigits(text, 11, 2, &hh) || !ReadDigits(text, 14, 2, &mm) || !ReadDigits(text, 17, 2, &ss)) {
    return std::nullopt;
  }
  if (hh > 23 || mm > 59 || ss > 59) return std::nullopt;  // no leap seconds: epoch time has none
  return *days * kSecondsPerDay + hh * 3600 + mm * 60 + ss;
}

std::optional<int64_t> ParseIsoDate(std::string_view text) {
  if (text.size() != 10) return std::nullopt;
  const std::optional<int64_t> days = ParseDatePart(text);
  if (!days) return std::nullopt;
  return *days * kSecondsPerDay;
}

std::string FormatIsoTimestamp(int64_t epoch_seconds) {
  std::string out;
  AppendIsoTimestamp(epoch_seconds, &out);
  return out;
}

void AppendIsoTimestamp(int64_t epoch_seconds, std::string* out) {
  const int64_t days = FloorDiv(epoch_seconds, kSecondsPerDay);
  const int64_t secs = epoch_seconds - days * kSecondsPerDay;  // [0, 86399]
  const CivilDate date = CivilFromDays(days);
  fmt::format_to(std::back_inserter(*out), "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", date.year, date.month,
                 date.day, secs / 3600, secs / 60 % 60, secs % 60);
}

std::string FormatIsoDate(int64_t epoch_seconds) {
  const CivilDate date = CivilFromDays(FloorDiv(epoch_seconds, kSecondsPerDay));
  return fmt::format("{:04}-{:02}-{:02}", date.year, date.month, date.day);
}

std::string_view WeekdayName(int day_of_week) {
  constexpr std::string_view kNames[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                         "Friday", "Saturday", "Sunday"};
  return day_of_week >= 0 && day_of_week < 7 ? kNames[day_of_week] : "?";
}

int DayOfWeek(int64_t epoch_seconds) {
  const int64_t days = FloorDiv(epoch_seconds, kSecondsPerDay);
  // 1970-01-01 was a Thursday (3 with Monday = 0).
  const int64_t dow = (days + 3) % 7;
  return static_cast<int>(dow < 0 ? dow + 7 : dow);
}

bool IsWeekend(int64_t epoch_seconds) { return DayOfWeek(epoch_seconds) >= 5; }

int HourOfDay(int64_t epoch_seconds) {
  const int64_t second_of_day = epoch_seconds - FloorDiv(epoch_seconds, kSecondsPerDay) * kSecondsPerDay;
  return static_cast<int>(second_of_day / 3600);
}

int MonthOfYear(int64_t epoch_seconds) {
  return static_cast<int>(CivilFromDays(FloorDiv(epoch_seconds, kSecondsPerDay)).month);
}

}  // namespace mpcstats::core
