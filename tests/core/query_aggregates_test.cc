// Local aggregates of a query and their decoding, on small tables whose answers are worked out by
// hand in the comments.
#include "common/core/query_aggregates.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/core/party_input.h"
#include "common/core/query_result.h"
#include "common/core/roster.h"
#include "common/core/timestamp.h"
#include "common/core/workload.h"

namespace mpcstats::core {
namespace {

// 2026-01-05 is a Monday, 2026-01-10 a Saturday.
const int64_t kMonday9 = *ParseIsoTimestamp("2026-01-05T09:15:00");
const int64_t kMonday18 = *ParseIsoTimestamp("2026-01-05T18:00:00");
const int64_t kSaturday9 = *ParseIsoTimestamp("2026-01-10T09:30:00");
const int64_t kMarch = *ParseIsoTimestamp("2026-03-02T12:00:00");

void AddVisit(VisitTable* t, uint32_t user, uint16_t category, int64_t when, uint16_t district,
              int64_t spend) {
  t->user.push_back(user);
  t->category.push_back(category);
  t->timestamp.push_back(when);
  t->district.push_back(district);
  t->is_weekend.push_back(IsWeekend(when) ? 1 : 0);
  t->spend.push_back(spend);
  t->num_users = std::max<uint64_t>(t->num_users, user + 1);
}

// user 0: 3 visits in category 0 (two on Monday, one on Saturday), 1 in category 1 (March)
// user 1: 1 visit in category 0 (Monday)
// user 2: 2 visits in category 1 (Saturday, March)
VisitTable SmallTable() {
  VisitTable t;
  t.has_spend = true;
  AddVisit(&t, 0, 0, kMonday9, 0, 125000);  // 12.50
  AddVisit(&t, 0, 0, kMonday18, 1, 10000);  // 1.00
  AddVisit(&t, 0, 0, kSaturday9, 0, 5);     // 0.0005
  AddVisit(&t, 0, 1, kMarch, 1, 20000);     // 2.00
  AddVisit(&t, 1, 0, kMonday9, 0, 0);
  AddVisit(&t, 2, 1, kSaturday9, 1, 30000);  // 3.00
  AddVisit(&t, 2, 1, kMarch, 0, 1);          // 0.0001
  return t;
}

QueryPlan Plan(std::string_view query_text, size_t categories = 2) {
  std::vector<std::string> names;
  for (size_t i = 0; i < categories; ++i) names.push_back("c" + std::to_string(i));
  auto query = ParseQuery(query_text);
  EXPECT_TRUE(query.ok()) << query.status().ToString();
  auto plan = QueryPlan::Make(*query, names, {"d0", "d1"});
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return *plan;
}

TEST(QueryAggregatesTest, PerCategoryAggregatesByHand) {
  const QueryPlan plan = Plan(R"({"group_by": ["store_category"], "metrics": ["var_visits_per_active_user",
      "weekend_share", "spend_sum", {"histogram_visits_per_active_user": [1, 2, 3]}]})");
  auto payload = ComputeQueryPayload(SmallTable(), plan, 3);
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  // Fields: visits, active, sum of squares, weekend, spend, 3 histogram buckets = 8 per cell.
  ASSERT_EQ(plan.fields_per_cell(), 8u);
  ASSERT_EQ(payload->size(), 2 * 8 + 1u);
  EXPECT_GE(payload->capacity(), payload->size() + 3);  // room for the check vector
  // Category 0: user 0 has 3 visits, user 1 has 1: squares 9 + 1; one weekend visit;
  // spend 12.50 + 1.00 + 0.0005 + 0 = 13.5005; counts 3 -> [3,inf), 1 -> [1,2).
  EXPECT_EQ(std::vector<uint64_t>(payload->begin(), payload->begin() + 8),
            (std::vector<uint64_t>{4, 2, 10, 1, 135005, 1, 0, 1}));
  // Category 1: user 0 has 1 visit, user 2 has 2: squares 1 + 4; one weekend visit (user 2);
  // spend 2.00 + 3.00 + 0.0001; counts 1 -> [1,2), 2 -> [2,3).
  EXPECT_EQ(std::vector<uint64_t>(payload->begin() + 8, payload->begin() + 16),
            (std::vector<uint64_t>{3, 2, 5, 1, 50001, 1, 1, 0}));
  EXPECT_EQ(payload->back(), 3u);  // all users, whatever the cell

  auto result = DecodeQueryResult(*payload, plan, 2);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const CellTotals& c0 = result->cells[0];
  EXPECT_FALSE(c0.suppressed);
  // Counts 3 and 1: mean 2, variance ((3-2)^2 + (1-2)^2) / 2 = 1.
  EXPECT_DOUBLE_EQ(*MetricValue(Metric::kVarVisitsPerActiveUser, c0, result->total_users), 1.0);
  EXPECT_DOUBLE_EQ(*MetricValue(Metric::kStddevVisitsPerActiveUser, c0, result->total_users), 1.0);
  EXPECT_DOUBLE_EQ(*MetricValue(Metric::kWeekendShare, c0, result->total_users), 0.25);
  EXPECT_DOUBLE_EQ(*MetricValue(Metric::kSpendSum, c0, result->total_users), 13.5005);
  EXPECT_DOUBLE_EQ(*MetricValue(Metric::kSpendMean, c0, result->total_users), 13.5005 / 4);
  EXPECT_DOUBLE_EQ(*MetricValue(Metric::kVisitsPerUser, c0, result->total_users), 4.0 / 3);
  EXPECT_DOUBLE_EQ(*MetricValue(Metric::kVisitsPerActiveUser, c0, result->total_users), 2.0);
  // Counts 1 and 2: mean 1.5, variance 0.25.
  EXPECT_DOUBLE_EQ(*MetricValue(Metric::kVarVisitsPerActiveUser, result->cells[1], 3), 0.25);
}

TEST(QueryAggregatesTest, TimeKeysAndDateFilter) {
  // Only January: user 0's March visit and user 2's March visit drop out.
  const QueryPlan plan = Plan(R"({"group_by": ["day_of_week", "hour_of_day"], "metrics": ["visits"],
      "date_from": "2026-01-05", "date_to": "2026-01-10"})");
  auto payload = ComputeQueryPayload(SmallTable(), plan, 2);
  ASSERT_TRUE(payload.ok()) << payload.status().ToString();
  auto at = [&](size_t day, size_t hour, size_t field) { return (*payload)[(day * 24 + hour) * 2 + field]; };
  EXPECT_EQ(at(0, 9, 0), 2u);  // Monday 09:xx: users 0 and 1
  EXPECT_EQ(at(0, 9, 1), 2u);
  EXPECT_EQ(at(0, 18, 0), 1u);  // Monday 18:00
  EXPECT_EQ(at(5, 9, 0), 2u);   // Saturday 09:30: users 0 and 2
  EXPECT_EQ(at(0, 12, 0), 0u);  // March's Monday noon is filtered out
  uint64_t visits = 0;
  for (size_t cell = 0; cell < plan.num_cells(); ++cell) visits += (*payload)[cell * 2];
  EXPECT_EQ(visits, 5u);
  EXPECT_EQ(payload->back(), 3u);  // users count whatever the filter

  const QueryPlan by_month = Plan(R"({"group_by": ["month"], "metrics": ["visits"]})");
  auto months = ComputeQueryPayload(SmallTable(), by_month, 2);
  ASSERT_TRUE(months.ok());
  EXPECT_EQ((*months)[0], 5u);      // January
  EXPECT_EQ((*months)[2 * 2], 2u);  // March
}

TEST(QueryAggregatesTest, SpendWithoutSpendColumnIsAnError) {
  VisitTable table = SmallTable();
  table.has_spend = false;
  table.spend.clear();
  auto payload = ComputeQueryPayload(table, Plan(R"({"metrics": ["spend_mean"]})"), 2);
  ASSERT_FALSE(payload.ok());
  EXPECT_EQ(payload.status().code(), Code::kBadInput);
  EXPECT_EQ(payload.status().message(),
            "the query asks for spend_sum or spend_mean but this party's data has no spend column");
  // Without a spend metric the same table is fine.
  EXPECT_TRUE(ComputeQueryPayload(table, Plan(R"({"metrics": ["visits"]})"), 2).ok());
}

TEST(QueryAggregatesTest, SpendSumThatCannotBeExactIsAnError) {
  VisitTable table;
  table.has_spend = true;
  const int64_t big = std::numeric_limits<int64_t>::max();
  AddVisit(&table, 0, 0, kMonday9, 0, big);
  AddVisit(&table, 1, 1, kMonday9, 0, 1);
  // One value of 2^63-1: over 2 parties the sum could reach 2^64 - 2 and still be exact.
  EXPECT_TRUE(
      ComputeQueryPayload(table, Plan(R"({"group_by": ["store_category"], "metrics": ["spend_sum"]})"), 2)
          .ok());
  // Over 3 parties it could wrap: refused, naming the cell.
  auto three =
      ComputeQueryPayload(table, Plan(R"({"group_by": ["store_category"], "metrics": ["spend_sum"]})"), 3);
  ASSERT_FALSE(three.ok());
  EXPECT_EQ(
      three.status().message(),
      "spend sum of cell (store_category=c0) is too large to add up exactly over 3 parties in 64-bit fixed "
      "point (units of 0.0001)");
  // Three such values in one cell overflow the local sum itself.
  AddVisit(&table, 2, 0, kMonday9, 0, big);
  AddVisit(&table, 3, 0, kMonday9, 0, big);
  auto wrapped = ComputeQueryPayload(table, Plan(R"({"metrics": ["spend_sum"]})"), 2);
  ASSERT_FALSE(wrapped.ok());
  EXPECT_NE(wrapped.status().message().find("spend sum of cell (the only cell) is too large"),
            std::string::npos);
}

TEST(QueryResultTest, SuppressionNullsEveryMetricBelowK) {
  const QueryPlan plan = Plan(R"({"group_by": ["store_category"], "metrics": ["visits", "spend_sum"]})");
  auto payload = ComputeQueryPayload(SmallTable(), plan, 1);
  ASSERT_TRUE(payload.ok());
  auto at_k2 = DecodeQueryResult(*payload, plan, 2);
  ASSERT_TRUE(at_k2.ok());
  EXPECT_FALSE(at_k2->cells[0].suppressed);  // 2 active users each
  auto at_k3 = DecodeQueryResult(*payload, plan, 3);
  ASSERT_TRUE(at_k3.ok());
  for (const CellTotals& cell : at_k3->cells) {
    EXPECT_TRUE(cell.suppressed);
    EXPECT_FALSE(MetricValue(Metric::kVisits, cell, 3).has_value());
    EXPECT_FALSE(MetricValue(Metric::kSpendSum, cell, 3).has_value());
  }
}

TEST(QueryResultTest, InconsistentTotalsAreDetected) {
  const QueryPlan plan = Plan(R"({"metrics": ["var_visits_per_active_user", "weekend_share",
      {"histogram_visits_per_active_user": [1]}]})");
  // Fields: visits, active, squares, weekend, 1 bucket; then users.
  const std::vector<uint64_t> good = {4, 2, 10, 1, 2, 3};
  EXPECT_TRUE(DecodeQueryResult(good, plan, 1).ok());
  auto expect_corrupt = [&](std::vector<uint64_t> totals, std::string_view what) {
    auto result = DecodeQueryResult(totals, plan, 1);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), Code::kCheckFailed);
    EXPECT_NE(result.status().message().find(what), std::string::npos) << result.status().message();
  };
  expect_corrupt({4, 5, 10, 1, 2, 3}, "more active users than visits");
  expect_corrupt({4, 2, 10, 5, 2, 3}, "more weekend visits than visits");
  expect_corrupt({4, 0, 10, 1, 0, 3}, "visits without active users");
  expect_corrupt({4, 2, 10, 1, 3, 3}, "histogram counts more users than are active");
  expect_corrupt({4, 2, 7, 1, 2, 3}, "sum of squared visit counts too small");  // 16 > 2 * 7
  // A share that wrapped around (a huge value) is caught the same way.
  expect_corrupt({4, UINT64_MAX, 10, 1, 2, 3}, "more active users than visits");
  auto short_payload = DecodeQueryResult(std::vector<uint64_t>{1, 2}, plan, 1);
  EXPECT_EQ(short_payload.status().code(), Code::kInvalidShare);
}

TEST(PartyInputTest, QueryIsCheckedAgainstThePartysPolicy) {
  auto roster = ParseRoster(R"({"coordinator": {"host": "127.0.0.1", "port": 7000},
      "parties": [{"id": "p1", "host": "127.0.0.1", "port": 7001},
                  {"id": "p2", "host": "127.0.0.1", "port": 7002, "policy": {"group_by": ["store_category"]}}]})");
  ASSERT_TRUE(roster.ok()) << roster.status().ToString();
  const VisitTable table = SmallTable();
  wire::Start start;
  start.set_workload(wire::WORKLOAD_QUERY);
  start.set_query(R"({"group_by": ["district"], "metrics": ["visits"]})");
  PartyData data{.visits = &table};
  auto p1 = BuildPartyInput(start, "run", data, *roster, 0);
  ASSERT_TRUE(p1.ok()) << p1.status().ToString();
  EXPECT_EQ(p1->size(), 6 * 2 + 1 + 2u);  // default districts, 2 fields, users, check vector
  EXPECT_EQ((*p1)[p1->size() - 2], 1u);   // p1's check entry
  auto p2 = BuildPartyInput(start, "run", data, *roster, 1);
  ASSERT_FALSE(p2.ok());
  EXPECT_EQ(p2.status().code(), Code::kPolicyRefused);
  EXPECT_EQ(p2.status().message(), "p2 refuses the query: its policy does not allow grouping by 'district'");

  // A query that does not parse (it came from the network) is refused the same way as a bad file.
  start.set_query("{\"metrics\": 3}");
  EXPECT_EQ(BuildPartyInput(start, "run", data, *roster, 0).status().code(), Code::kBadInput);
  // A party started for the vector workload cannot answer a query.
  start.set_query(R"({"metrics": ["visits"]})");
  std::vector<uint64_t> vector_input(12, 1);
  auto vector_party = BuildPartyInput(start, "run", PartyData{.vector_input = &vector_input}, *roster, 0);
  EXPECT_EQ(vector_party.status().message(),
            "the coordinator runs the query workload but this party was started with --vector-length");
  // It answers the vector workload with its prepared input, moved out once.
  start.set_workload(wire::WORKLOAD_VECTOR);
  auto moved = BuildPartyInput(start, "run", PartyData{.vector_input = &vector_input}, *roster, 0);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_EQ(*moved, std::vector<uint64_t>(12, 1));
}

}  // namespace
}  // namespace mpcstats::core
