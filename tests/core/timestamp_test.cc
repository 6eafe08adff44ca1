#include "common/core/timestamp.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>

namespace mpcstats::core {
namespace {

// Test-local SplitMix64: reproducible values from a fixed start.
uint64_t NextValue(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

TEST(TimestampTest, KnownEpochValues) {
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01T00:00:00"), 0);
  EXPECT_EQ(ParseIsoTimestamp("1970-01-01T00:00:01"), 1);
  EXPECT_EQ(ParseIsoTimestamp("2026-01-01T00:00:00"), 1767225600);
  EXPECT_EQ(ParseIsoTimestamp("2026-04-01T00:00:00"), 1775001600);
  EXPECT_EQ(ParseIsoTimestamp("2000-02-29T12:34:56"), 951827696);
  EXPECT_EQ(ParseIsoTimestamp("1969-12-31T23:59:59"), -1);
  EXPECT_EQ(ParseIsoTimestamp("2038-01-19T03:14:08"), int64_t{1} << 31);
  EXPECT_EQ(ParseIsoTimestamp("2026-03-11 08:15:00"), ParseIsoTimestamp("2026-03-11T08:15:00"));
}

TEST(TimestampTest, FormatKnownValues) {
  EXPECT_EQ(FormatIsoTimestamp(0), "1970-01-01T00:00:00");
  EXPECT_EQ(FormatIsoTimestamp(-1), "1969-12-31T23:59:59");
  EXPECT_EQ(FormatIsoTimestamp(951827696), "2000-02-29T12:34:56");
  EXPECT_EQ(FormatIsoTimestamp(1775001599), "2026-03-31T23:59:59");
  EXPECT_EQ(FormatIsoDate(1775001599), "2026-03-31");
  EXPECT_EQ(FormatIsoDate(-86400), "1969-12-31");
  EXPECT_EQ(FormatIsoDate(-86401), "1969-12-30");
  std::string out = "x,";
  AppendIsoTimestamp(1767225600, &out);
  EXPECT_EQ(out, "x,2026-01-01T00:00:00");
}

TEST(TimestampTest, RejectsMalformedText) {
  for (const char* bad : {
           "",
           "2026-03-11",            // date only
           "2026-03-11T08:15",      // no seconds
           "2026-03-11T08:15:00Z",  // trailing zone
           "2026-03-11T08:15:000",  // too long
           "2026-03-11X08:15:00",   // wrong separator
           "2026/03/11T08:15:00",   // wrong date separator
           "2026-03-11T08-15-00",   // wrong time separator
           "2026-3-11T08:15:000",   // unpadded month
           "+026-03-11T08:15:00",   // sign in the year
           "2026-03-1aT08:15:00",   // letter
           " 2026-03-11T08:15:0",   // leading space
           "2026-00-11T08:15:00",   // month 0
           "2026-13-01T00:00:00",   // month 13
           "2026-01-00T00:00:00",   // day 0
           "2026-01-32T00:00:00",   // day 32
           "2026-04-31T00:00:00",   // April has 30 days
           "2026-02-29T00:00:00",   // not a leap year
           "1900-02-29T00:00:00",   // century, not a leap year
           "2026-01-01T24:00:00",   // hour 24
           "2026-01-01T00:60:00",   // minute 60
           "2026-01-01T00:00:60",   // no leap seconds
       }) {
    EXPECT_EQ(ParseIsoTimestamp(bad), std::nullopt) << bad;
  }
  EXPECT_TRUE(ParseIsoTimestamp("2024-02-29T00:00:00"));
  EXPECT_TRUE(ParseIsoTimestamp("2000-02-29T00:00:00"));  // divisible by 400: leap
  EXPECT_TRUE(ParseIsoTimestamp("2026-12-31T23:59:59"));
}

TEST(TimestampTest, ParseIsoDate) {
  EXPECT_EQ(ParseIsoDate("2026-01-01"), 1767225600);
  EXPECT_EQ(ParseIsoDate("1970-01-01"), 0);
  EXPECT_EQ(ParseIsoDate("1969-12-31"), -86400);
  EXPECT_EQ(ParseIsoDate("2026-02-29"), std::nullopt);
  EXPECT_EQ(ParseIsoDate("2026-01-01T00:00:00"), std::nullopt);
  EXPECT_EQ(ParseIsoDate("2026-1-01"), std::nullopt);
}

TEST(TimestampTest, KnownWeekdays) {
  struct Case {
    const char* date;
    int day_of_week;
    bool weekend;
  };
  for (const Case& c : {
           Case{"1970-01-01", 3, false},  // Thursday
           Case{"1969-12-31", 2, false},  // Wednesday, before the epoch
           Case{"1969-12-28", 6, true},   // Sunday, before the epoch
           Case{"2000-01-01", 5, true},   // Saturday
           Case{"2024-02-29", 3, false},  // Thursday
           Case{"2026-01-01", 3, false},  // Thursday
           Case{"2026-03-09", 0, false},  // Monday
           Case{"2026-03-11", 2, false},  // Wednesday
           Case{"2026-03-13", 4, false},  // Friday
           Case{"2026-03-14", 5, true},   // Saturday
           Case{"2026-03-15", 6, true},   // Sunday
       }) {
    const std::optional<int64_t> midnight = ParseIsoDate(c.date);
    ASSERT_TRUE(midnight) << c.date;
    EXPECT_EQ(DayOfWeek(*midnight), c.day_of_week) << c.date;
    EXPECT_EQ(DayOfWeek(*midnight + 86399), c.day_of_week) << c.date << " last second";
    EXPECT_EQ(IsWeekend(*midnight), c.weekend) << c.date;
    EXPECT_EQ(IsWeekend(*midnight + 86399), c.weekend) << c.date;
  }
  EXPECT_EQ(WeekdayName(0), "Monday");
  EXPECT_EQ(WeekdayName(2), "Wednesday");
  EXPECT_EQ(WeekdayName(6), "Sunday");
  EXPECT_EQ(WeekdayName(7), "?");
  EXPECT_EQ(WeekdayName(-1), "?");
}

// Round trip over random seconds in years 0001..9999, checked against glibc's gmtime_r/timegm.
TEST(TimestampTest, RandomRoundTripAgreesWithLibc) {
  const int64_t lo = *ParseIsoTimestamp("0001-01-01T00:00:00");
  const int64_t hi = *ParseIsoTimestamp("9999-12-31T23:59:59");
  uint64_t state = 20260311;
  for (int i = 0; i < 200000; ++i) {
    const int64_t t = lo + static_cast<int64_t>(NextValue(state) % static_cast<uint64_t>(hi - lo + 1));
    const std::string text = FormatIsoTimestamp(t);
    ASSERT_EQ(text.size(), 19u) << t;
    ASSERT_EQ(ParseIsoTimestamp(text), t) << text;

    const time_t libc_time = static_cast<time_t>(t);
    std::tm tm{};
    ASSERT_NE(gmtime_r(&libc_time, &tm), nullptr);
    char expected[96];
    std::snprintf(expected, sizeof expected, "%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year + 1900,
                  tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    ASSERT_EQ(text, expected) << t;
    ASSERT_EQ(DayOfWeek(t), (tm.tm_wday + 6) % 7) << text;
  }
}

// Every day from 1899 to 2101: consecutive days format to consecutive dates and parse back.
TEST(TimestampTest, EveryDayRoundTrips) {
  const int64_t first = *ParseIsoDate("1899-01-01");
  const int64_t last = *ParseIsoDate("2101-12-31");
  int expected_dow = DayOfWeek(first);
  for (int64_t t = first; t <= last; t += 86400) {
    const std::string date = FormatIsoDate(t);
    ASSERT_EQ(ParseIsoDate(date), t) << date;
    ASSERT_EQ(DayOfWeek(t), expected_dow) << date;
    expected_dow = (expected_dow + 1) % 7;
  }
}

}  // namespace
}  // namespace mpcstats::core
