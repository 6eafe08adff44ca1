// Self-test of the plaintext query reference (tests/plain) on hand-written CSV files, against values
// computed by hand. The reference is what the engine's tests compare against, so it is checked on
// its own first.
#include "tests/plain/plain_query.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace mpcstats::testing {
namespace {

using Json = nlohmann::json;

// Two parties. Party 1 has two files (its u1 appears in both: one user); party 2 has one file (its
// u1 is another user). Line numbers r1..r11 are referred to below.
//                                                            weekday  (2026-01-01 was a Thursday)
const char kParty1a[] =
    "user_id,store_category,timestamp,district,is_weekend,spend\n"
    "u1,grocery,2026-03-02T10:00:00,north,0,10.50\n"      // r1  Mon
    "u1,grocery,2026-03-07T11:30:00,north,1,4.25\n"       // r2  Sat
    "u2,grocery,2026-03-02T10:15:00,south,0,3\n"          // r3  Mon
    "u3,clothing,2026-01-03T18:00:00,north,1,20.0001\n";  // r4  Sat
const char kParty1b[] =
    "user_id,store_category,timestamp,district,is_weekend,spend\r\n"
    "u1,grocery,2026-03-08T10:59:59,south,1,0.75\r\n"  // r5  Sun
    "u4,pharmacy,2026-02-28T23:59:59,north,1,7.1\r\n"  // r6  Sat, the last second before March
    "\r\n";                                            // a blank line at the end is allowed
const char kParty2[] =
    "user_id,store_category,timestamp,district,is_weekend,spend\n"
    "u1,grocery,2026-03-02T10:45:00,north,0,1.00\n"      // r7  Mon
    "u1,grocery,2026-03-03T23:59:59,north,0,2.00\n"      // r8  Tue
    "u5,clothing,2026-03-31T23:59:59,south,0,5.5\n"      // r9  Tue, the last second of March
    "u6,grocery,2026-04-01T00:00:00,north,0,100\n"       // r10 Wed, the first second after March
    "u5,pharmacy,2026-03-01T00:00:00,south,1,0.0001\n";  // r11 Sun, the first second of March
// Users: party 1 {u1, u2, u3, u4}, party 2 {u1, u5, u6}: total_users = 7 whatever the filter.
// Visits per (party, user) over all rows: (1,u1) 3 [r1 r2 r5], (1,u2) 1, (1,u3) 1, (1,u4) 1,
// (2,u1) 2 [r7 r8], (2,u5) 2 [r9 r11], (2,u6) 1.

const char kNoSpend[] =
    "user_id,store_category,timestamp,district,is_weekend\n"
    "u1,grocery,2026-03-02T10:00:00,north,0\n";

class PlainQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("mpcstats_plain_query_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    party1_ = {Write("p1a.csv", kParty1a), Write("p1b.csv", kParty1b)};
    party2_ = {Write("p2.csv", kParty2)};
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  Json Rows(const Json& query, uint64_t k) {
    return PlainQueryRows(query, {party1_, party2_}, categories_, districts_, k);
  }

  std::filesystem::path dir_;
  std::vector<std::string> party1_, party2_;
  const std::vector<std::string> categories_ = {"grocery", "clothing", "pharmacy"};
  const std::vector<std::string> districts_ = {"north", "south"};
};

const Json kAllMetrics = {"visits",
                          "active_users",
                          "visits_per_user",
                          "visits_per_active_user",
                          "var_visits_per_active_user",
                          "stddev_visits_per_active_user",
                          "weekend_share",
                          "spend_sum",
                          "spend_mean"};

Json WithHistogram(Json metrics, Json edges) {
  metrics.push_back({{"histogram_visits_per_active_user", edges}});
  return metrics;
}

TEST_F(PlainQueryTest, EmptyGroupByIsOneCellWithEveryMetric) {
  const Json query = {{"group_by", Json::array()}, {"metrics", WithHistogram(kAllMetrics, {1, 2, 3})}};
  // 11 rows; 7 active users with counts 3,1,1,1,2,2,1: sum 11, sum of squares 9+1+1+1+4+4+1 = 21,
  // var = (7*21 - 11^2) / 7^2 = 26/49. Weekend rows r2 r4 r5 r6 r11: 5/11.
  // Spend 10.50+4.25+3+20.0001+0.75+7.1+1+2+5.5+100+0.0001 = 154.1002.
  // Histogram [1,2) [2,3) [3,inf): counts 1 x4, 2 x2, 3 x1.
  const Json expected = Json::array({{{"visits", 11},
                                      {"active_users", 7},
                                      {"visits_per_user", 11.0 / 7},
                                      {"visits_per_active_user", 11.0 / 7},
                                      {"var_visits_per_active_user", 26.0 / 49},
                                      {"stddev_visits_per_active_user", std::sqrt(26.0) / 7},
                                      {"weekend_share", 5.0 / 11},
                                      {"spend_sum", 154.1002},
                                      {"spend_mean", 154.1002 / 11},
                                      {"histogram_visits_per_active_user", {4, 2, 1}},
                                      {"suppressed", false}}});
  EXPECT_TRUE(RowsMatch(Rows(query, 1), expected));
  // group_by may be left out: the same single cell.
  EXPECT_TRUE(RowsMatch(Rows({{"metrics", query["metrics"]}}, 1), expected));
  // The histogram counts are exact integers; users below the first edge are in no bucket:
  // [2,5) holds the counts 2,2,3 and [5,inf) none.
  const Json hist = Rows({{"metrics", Json::array({{{"histogram_visits_per_active_user", {2, 5}}}})}}, 1);
  EXPECT_EQ(hist[0]["histogram_visits_per_active_user"], Json({3, 0}));
}

TEST_F(PlainQueryTest, DateFilterIsInclusiveUtcDays) {
  const Json query = {{"group_by", Json::array({"store_category"})},
                      {"metrics", WithHistogram(kAllMetrics, {2, 3})},
                      {"date_from", "2026-03-01"},
                      {"date_to", "2026-03-31"}};
  // March keeps r1 r2 r3 r5 r7 r8 r9 r11 (r11 at 03-01 00:00:00 and r9 at 03-31 23:59:59 included;
  // r4 in January, r6 at 02-28 23:59:59 and r10 at 04-01 00:00:00 excluded). total_users stays 7.
  // grocery: r1 r2 r3 r5 (party 1: u1 x3, u2 x1), r7 r8 (party 2: u1 x2): visits 6, active 3,
  //   var = (3*(9+1+4) - 36) / 9 = 6/9, weekend r2 r5 = 2/6, spend 10.5+4.25+3+0.75+1+2 = 21.5,
  //   histogram [2,3) one user (2), [3,inf) one user (3), the user with 1 in none.
  // clothing: r9 only (r4 is January): one visit of (2,u5), a weekday, 5.5.
  // pharmacy: r11 only (r6 is February): one visit of (2,u5), a Sunday, 0.0001.
  const Json expected = Json::array({
      {{"store_category", "grocery"},
       {"visits", 6},
       {"active_users", 3},
       {"visits_per_user", 6.0 / 7},
       {"visits_per_active_user", 2.0},
       {"var_visits_per_active_user", 2.0 / 3},
       {"stddev_visits_per_active_user", std::sqrt(2.0 / 3)},
       {"weekend_share", 1.0 / 3},
       {"spend_sum", 21.5},
       {"spend_mean", 21.5 / 6},
       {"histogram_visits_per_active_user", {1, 1}},
       {"suppressed", false}},
      {{"store_category", "clothing"},
       {"visits", 1},
       {"active_users", 1},
       {"visits_per_user", 1.0 / 7},
       {"visits_per_active_user", 1.0},
       {"var_visits_per_active_user", 0.0},
       {"stddev_visits_per_active_user", 0.0},
       {"weekend_share", 0.0},
       {"spend_sum", 5.5},
       {"spend_mean", 5.5},
       {"histogram_visits_per_active_user", {0, 0}},
       {"suppressed", false}},
      {{"store_category", "pharmacy"},
       {"visits", 1},
       {"active_users", 1},
       {"visits_per_user", 1.0 / 7},
       {"visits_per_active_user", 1.0},
       {"var_visits_per_active_user", 0.0},
       {"stddev_visits_per_active_user", 0.0},
       {"weekend_share", 1.0},
       {"spend_sum", 0.0001},
       {"spend_mean", 0.0001},
       {"histogram_visits_per_active_user", {0, 0}},
       {"suppressed", false}},
  });
  EXPECT_TRUE(RowsMatch(Rows(query, 1), expected));

  // Only date_from: March and April (r10 back in grocery as (2,u6)). Only date_to: up to 02-28
  // (r4 clothing, r6 pharmacy).
  const Json from = Rows({{"group_by", Json::array({"store_category"})},
                          {"metrics", Json::array({"visits"})},
                          {"date_from", "2026-03-01"}},
                         0);
  EXPECT_EQ(from[0]["visits"], 7);
  EXPECT_EQ(from[1]["visits"], 1);
  EXPECT_EQ(from[2]["visits"], 1);
  const Json to = Rows({{"group_by", Json::array({"store_category"})},
                        {"metrics", Json::array({"visits"})},
                        {"date_to", "2026-02-28"}},
                       0);
  EXPECT_EQ(to[0]["visits"], 0);
  EXPECT_EQ(to[1]["visits"], 1);
  EXPECT_EQ(to[2]["visits"], 1);
  // One day: 2026-03-02 holds r1 r3 r7 (three different users, two of them named u1).
  const Json day = Rows({{"metrics", Json::array({"visits", "active_users"})},
                         {"date_from", "2026-03-02"},
                         {"date_to", "2026-03-02"}},
                        0);
  EXPECT_EQ(day[0]["visits"], 3);
  EXPECT_EQ(day[0]["active_users"], 3);
}

TEST_F(PlainQueryTest, CellsBelowMinGroupSizeAreSuppressed) {
  const Json query = {{"group_by", Json::array({"store_category"})},
                      {"metrics", WithHistogram(kAllMetrics, {2, 3})},
                      {"date_from", "2026-03-01"},
                      {"date_to", "2026-03-31"}};
  // k = 2: grocery (3 active users) stays as above; clothing and pharmacy (1 each) lose every metric.
  const Json rows = Rows(query, 2);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0]["suppressed"], false);
  EXPECT_EQ(rows[0]["visits"], 6);
  for (int i : {1, 2}) {
    EXPECT_EQ(rows[i]["suppressed"], true);
    EXPECT_EQ(rows[i].size(), 1u + kAllMetrics.size() + 1u + 1u);  // key, metrics, histogram, suppressed
    for (const Json& m : kAllMetrics) EXPECT_TRUE(rows[i][m.get<std::string>()].is_null()) << m;
    EXPECT_TRUE(rows[i]["histogram_visits_per_active_user"].is_null());
  }
  EXPECT_EQ(rows[1]["store_category"], "clothing");
  // Empty group_by: 7 active users; k = 7 keeps the cell, k = 8 suppresses it.
  EXPECT_EQ(Rows({{"metrics", Json::array({"visits"})}}, 7)[0],
            Json({{"visits", 11}, {"suppressed", false}}));
  EXPECT_EQ(Rows({{"metrics", Json::array({"visits"})}}, 8)[0],
            Json({{"visits", nullptr}, {"suppressed", true}}));
}

TEST_F(PlainQueryTest, TwoKeysFirstKeyOutermost) {
  const Json query = {{"group_by", Json::array({"district", "is_weekend"})},
                      {"metrics", Json::array({"visits",
                                               "active_users",
                                               "weekend_share",
                                               "spend_sum",
                                               {{"histogram_visits_per_active_user", {1, 2}}}})}};
  // (north,0): r1 (1,u1) r7 r8 (2,u1) r10 (2,u6): visits 4, active 3, spend 10.5+1+2+100 = 113.5,
  //            counts 1,2,1 -> [1,2) 2, [2,inf) 1.
  // (north,1): r2 (1,u1) r4 (1,u3) r6 (1,u4): 3 visits, 3 users, spend 4.25+20.0001+7.1 = 31.3501.
  // (south,0): r3 (1,u2) r9 (2,u5): 2 active users < k = 3: suppressed.
  // (south,1): r5 (1,u1) r11 (2,u5): 2 active users: suppressed.
  const Json expected = Json::array({
      {{"district", "north"},
       {"is_weekend", 0},
       {"visits", 4},
       {"active_users", 3},
       {"weekend_share", 0.0},
       {"spend_sum", 113.5},
       {"histogram_visits_per_active_user", {2, 1}},
       {"suppressed", false}},
      {{"district", "north"},
       {"is_weekend", 1},
       {"visits", 3},
       {"active_users", 3},
       {"weekend_share", 1.0},
       {"spend_sum", 31.3501},
       {"histogram_visits_per_active_user", {3, 0}},
       {"suppressed", false}},
      {{"district", "south"},
       {"is_weekend", 0},
       {"visits", nullptr},
       {"active_users", nullptr},
       {"weekend_share", nullptr},
       {"spend_sum", nullptr},
       {"histogram_visits_per_active_user", nullptr},
       {"suppressed", true}},
      {{"district", "south"},
       {"is_weekend", 1},
       {"visits", nullptr},
       {"active_users", nullptr},
       {"weekend_share", nullptr},
       {"spend_sum", nullptr},
       {"histogram_visits_per_active_user", nullptr},
       {"suppressed", true}},
  });
  EXPECT_TRUE(RowsMatch(Rows(query, 3), expected));

  // The other order: is_weekend outermost. (0,north) 4, (0,south) 2, (1,north) 3, (1,south) 2.
  const Json swapped =
      Rows({{"group_by", Json::array({"is_weekend", "district"})}, {"metrics", Json::array({"visits"})}}, 0);
  const Json expected_swapped = Json::array({
      {{"is_weekend", 0}, {"district", "north"}, {"visits", 4}, {"suppressed", false}},
      {{"is_weekend", 0}, {"district", "south"}, {"visits", 2}, {"suppressed", false}},
      {{"is_weekend", 1}, {"district", "north"}, {"visits", 3}, {"suppressed", false}},
      {{"is_weekend", 1}, {"district", "south"}, {"visits", 2}, {"suppressed", false}},
  });
  EXPECT_TRUE(RowsMatch(swapped, expected_swapped));

  // Three categories x two districts = 6 cells, every one present, zeros included (k = 0).
  const Json six = Rows(
      {{"group_by", Json::array({"store_category", "district"})}, {"metrics", Json::array({"visits"})}}, 0);
  ASSERT_EQ(six.size(), 6u);
  // grocery: north r1 r2 r7 r8 r10, south r3 r5; clothing: north r4, south r9; pharmacy: north r6, south r11.
  const int visits[] = {5, 2, 1, 1, 1, 1};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(six[i]["store_category"], categories_[i / 2]);
    EXPECT_EQ(six[i]["district"], districts_[i % 2]);
    EXPECT_EQ(six[i]["visits"], visits[i]) << i;
  }
}

TEST_F(PlainQueryTest, TimeKeysAndEmptyCells) {
  // Months 1..12, k = 0 so that empty cells show their own values.
  const Json query = {{"group_by", Json::array({"month"})},
                      {"metrics", Json::array({"visits",
                                               "active_users",
                                               "visits_per_active_user",
                                               "var_visits_per_active_user",
                                               "weekend_share",
                                               "spend_sum",
                                               "spend_mean",
                                               {{"histogram_visits_per_active_user", {1}}}})}};
  Json expected = Json::array();
  auto one = [](int month, double weekend, double spend) {
    return Json{{"month", month},
                {"visits", 1},
                {"active_users", 1},
                {"visits_per_active_user", 1.0},
                {"var_visits_per_active_user", 0.0},
                {"weekend_share", weekend},
                {"spend_sum", spend},
                {"spend_mean", spend},
                {"histogram_visits_per_active_user", {1}},
                {"suppressed", false}};
  };
  expected.push_back(one(1, 1.0, 20.0001));  // r4
  expected.push_back(one(2, 1.0, 7.1));      // r6
  // March: r1 r2 r3 r5 r7 r8 r9 r11; users (1,u1) 3, (1,u2) 1, (2,u1) 2, (2,u5) 2: sum 8, squares 18,
  // var = (4*18 - 64) / 16 = 0.5; weekend r2 r5 r11 = 3/8; spend 10.5+4.25+3+0.75+1+2+5.5+0.0001 = 27.0001.
  expected.push_back({{"month", 3},
                      {"visits", 8},
                      {"active_users", 4},
                      {"visits_per_active_user", 2.0},
                      {"var_visits_per_active_user", 0.5},
                      {"weekend_share", 0.375},
                      {"spend_sum", 27.0001},
                      {"spend_mean", 3.3750125},
                      {"histogram_visits_per_active_user", {4}},
                      {"suppressed", false}});
  expected.push_back(one(4, 0.0, 100.0));  // r10
  for (int month = 5; month <= 12; ++month) {
    // No visits: the ratios over zero are null, the sums zero.
    expected.push_back({{"month", month},
                        {"visits", 0},
                        {"active_users", 0},
                        {"visits_per_active_user", nullptr},
                        {"var_visits_per_active_user", nullptr},
                        {"weekend_share", nullptr},
                        {"spend_sum", 0.0},
                        {"spend_mean", nullptr},
                        {"histogram_visits_per_active_user", {0}},
                        {"suppressed", false}});
  }
  EXPECT_TRUE(RowsMatch(Rows(query, 0), expected));
  // With k = 1 the empty months are suppressed instead.
  EXPECT_EQ(Rows(query, 1)[4]["suppressed"], true);

  // Monday = 0: Mon r1 r3 r7, Tue r8 r9, Wed r10, Sat r2 r4 r6, Sun r5 r11.
  const Json dow =
      Rows({{"group_by", Json::array({"day_of_week"})}, {"metrics", Json::array({"visits"})}}, 0);
  ASSERT_EQ(dow.size(), 7u);
  const int per_day[] = {3, 2, 1, 0, 0, 3, 2};
  for (int d = 0; d < 7; ++d) {
    EXPECT_EQ(dow[d]["day_of_week"], d);
    EXPECT_EQ(dow[d]["visits"], per_day[d]) << d;
  }
  // UTC hours: 00 r10 r11, 10 r1 r3 r5 r7, 11 r2, 18 r4, 23 r6 r8 r9.
  const Json hours =
      Rows({{"group_by", Json::array({"hour_of_day"})}, {"metrics", Json::array({"visits"})}}, 0);
  ASSERT_EQ(hours.size(), 24u);
  for (int h = 0; h < 24; ++h) {
    const int want = h == 0 ? 2 : h == 10 ? 4 : h == 11 ? 1 : h == 18 ? 1 : h == 23 ? 3 : 0;
    EXPECT_EQ(hours[h]["hour_of_day"], h);
    EXPECT_EQ(hours[h]["visits"], want) << h;
  }
}

TEST_F(PlainQueryTest, UnexpectedInputThrows) {
  const auto rows = [&](const Json& q) { return Rows(q, 1); };
  EXPECT_THROW(rows({{"metrics", Json::array({"visits", "median"})}}), std::runtime_error);
  EXPECT_THROW(rows({{"metrics", Json::array()}}), std::runtime_error);
  EXPECT_THROW(rows({{"group_by", Json::array({"weekday"})}, {"metrics", Json::array({"visits"})}}),
               std::runtime_error);
  EXPECT_THROW(rows({{"group_by", Json::array({"month", "month"})}, {"metrics", Json::array({"visits"})}}),
               std::runtime_error);
  EXPECT_THROW(rows({{"metrics", Json::array({{{"histogram_visits_per_active_user", {2, 2}}}})}}),
               std::runtime_error);
  EXPECT_THROW(rows({{"metrics", Json::array({{{"histogram_visits_per_active_user", {0, 1}}}})}}),
               std::runtime_error);
  EXPECT_THROW(rows({{"metrics", Json::array({{{"histogram_visits_per_active_user", Json::array()}}})}}),
               std::runtime_error);
  EXPECT_THROW(rows({{"metrics", Json::array({"visits"})}, {"date_from", "2026-02-30"}}), std::runtime_error);
  EXPECT_THROW(
      rows({{"metrics", Json::array({"visits"})}, {"date_from", "2026-03-02"}, {"date_to", "2026-03-01"}}),
      std::runtime_error);
  // A category outside the roster's list.
  EXPECT_THROW(PlainQueryRows({{"metrics", Json::array({"visits"})}}, {party1_, party2_},
                              {"grocery", "clothing"}, districts_, 1),
               std::runtime_error);
  // A spend metric over a file without the spend column; without a spend metric the file is fine.
  const std::vector<std::string> no_spend = {Write("nospend.csv", kNoSpend)};
  EXPECT_THROW(PlainQueryRows({{"metrics", Json::array({"spend_sum"})}}, {party1_, no_spend}, categories_,
                              districts_, 1),
               std::runtime_error);
  const Json rows2 = PlainQueryRows({{"metrics", Json::array({"visits", "visits_per_user"})}},
                                    {party1_, no_spend}, categories_, districts_, 1);
  EXPECT_EQ(rows2[0]["visits"], 7);                        // 6 + 1
  EXPECT_DOUBLE_EQ(rows2[0]["visits_per_user"], 7.0 / 5);  // 4 + 1 users
}

TEST(RowsMatchTest, ToleranceAndMessages) {
  const Json base = Json::array({
      {{"district", "north"},
       {"visits", 4},
       {"visits_per_user", 0.5},
       {"spend_sum", 12.5},
       {"histogram_visits_per_active_user", {1, 2}},
       {"suppressed", false}},
      {{"district", "south"},
       {"visits", nullptr},
       {"visits_per_user", nullptr},
       {"spend_sum", nullptr},
       {"histogram_visits_per_active_user", nullptr},
       {"suppressed", true}},
  });
  EXPECT_TRUE(RowsMatch(base, base));
  auto changed = [&](size_t row, const char* key, const Json& value) {
    Json copy = base;
    copy[row][key] = value;
    return copy;
  };
  // Doubles: 1e-9 relative; spend: 0.0001.
  EXPECT_TRUE(RowsMatch(changed(0, "visits_per_user", 0.5 * (1 + 1e-10)), base));
  EXPECT_FALSE(RowsMatch(changed(0, "visits_per_user", 0.5 * (1 + 1e-8)), base));
  EXPECT_TRUE(RowsMatch(changed(0, "spend_sum", 12.50009), base));
  EXPECT_FALSE(RowsMatch(changed(0, "spend_sum", 12.5002), base));
  // Integers exact, and integer-typed.
  EXPECT_FALSE(RowsMatch(changed(0, "visits", 4.0), base));
  EXPECT_FALSE(RowsMatch(changed(0, "histogram_visits_per_active_user", {1, 3}), base));
  // null only against null.
  EXPECT_FALSE(RowsMatch(changed(1, "visits", 0), base));
  EXPECT_FALSE(RowsMatch(changed(0, "visits_per_user", nullptr), base));
  EXPECT_FALSE(RowsMatch(changed(1, "suppressed", false), base));

  const ::testing::AssertionResult visits = RowsMatch(changed(0, "visits", 5), base);
  EXPECT_NE(std::string(visits.message()).find("row 0 {district=\"north\"}: field 'visits'"),
            std::string::npos)
      << visits.message();
  const ::testing::AssertionResult hist =
      RowsMatch(changed(1, "histogram_visits_per_active_user", {0, 0}), base);
  EXPECT_NE(std::string(hist.message())
                .find("row 1 {district=\"south\"}: field 'histogram_visits_per_active_user'"),
            std::string::npos)
      << hist.message();
  Json extra = base;
  extra[1]["weekend_share"] = nullptr;
  const ::testing::AssertionResult keys = RowsMatch(extra, base);
  EXPECT_FALSE(keys);
  EXPECT_NE(std::string(keys.message()).find("extra in actual: weekend_share"), std::string::npos)
      << keys.message();
  Json fewer = base;
  fewer.erase(1);
  EXPECT_FALSE(RowsMatch(fewer, base));
}

}  // namespace
}  // namespace mpcstats::testing
