// ISO 8601 timestamps (UTC, "YYYY-MM-DDTHH:MM:SS") <-> seconds since the epoch, without locale or tz.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mpcstats::core {

// Parses exactly "YYYY-MM-DDTHH:MM:SS" (also accepts a space for 'T'); checks ranges and month
// lengths (leap years included). nullopt on any error.
std::optional<int64_t> ParseIsoTimestamp(std::string_view text);
// Parses "YYYY-MM-DD" to the epoch second of its midnight.
std::optional<int64_t> ParseIsoDate(std::string_view text);
std::string FormatIsoTimestamp(int64_t epoch_seconds);
// Appends FormatIsoTimestamp(epoch_seconds) to `out` without a temporary string (CSV writer).
void AppendIsoTimestamp(int64_t epoch_seconds, std::string* out);
// "YYYY-MM-DD" of the UTC day the second falls on.
std::string FormatIsoDate(int64_t epoch_seconds);
// "Monday" ... "Sunday" for DayOfWeek's 0..6 (anything else gives "?").
std::string_view WeekdayName(int day_of_week);
// 0 = Monday ... 6 = Sunday.
int DayOfWeek(int64_t epoch_seconds);
bool IsWeekend(int64_t epoch_seconds);
// 0..23, UTC.
int HourOfDay(int64_t epoch_seconds);
// 1..12, UTC.
int MonthOfYear(int64_t epoch_seconds);

}  // namespace mpcstats::core
