// The SQL of the PostgreSQL source without a server: values only as parameters, the plan's field
// order in the result, the payload filled and checked from text rows, one-line validation errors.
#include "common/core/pg_sql.h"

#include <gtest/gtest.h>

#include "common/core/query.h"
#include "common/core/timestamp.h"

namespace mpcstats::core {
namespace {

const std::vector<std::string> kCategories = {"grocery", "toys\"; DROP TABLE x; --"};
const std::vector<std::string> kDistricts = {"north", "south"};

QueryPlan Plan(const std::string& json) {
  auto query = ParseQuery(json);
  EXPECT_TRUE(query.ok()) << query.status().ToString();
  auto plan = QueryPlan::Make(*query, kCategories, kDistricts);
  EXPECT_TRUE(plan.ok());
  return *plan;
}

TEST(PgSqlTest, TextArrayQuotesAndEscapesEveryElement) {
  EXPECT_EQ(PgTextArray({}), "{}");
  EXPECT_EQ(PgTextArray({"a", "b c", "q\"x", "back\\slash", ""}), R"({"a","b c","q\"x","back\\slash",""})");
}

TEST(PgSqlTest, PushdownPassesValuesAsParametersOnly) {
  const PgSourceShape shape{.from = "\"visits\"", .has_spend = true};
  const QueryPlan plan = Plan(R"({"group_by": ["store_category", "district", "month"],
      "metrics": ["visits", "spend_sum", "var_visits_per_active_user", {"histogram_visits_per_active_user": [1, 3]}],
      "date_from": "2026-01-02", "date_to": "2026-01-31"})");
  auto st = PgPushdownStatement(shape, plan, kCategories, kDistricts);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->sql.find("DROP"), std::string::npos);
  EXPECT_EQ(st->sql.find("grocery"), std::string::npos);
  EXPECT_EQ(st->sql.find("north"), std::string::npos);
  // categories, districts, from, until, edges
  ASSERT_EQ(st->params.size(), 5u);
  EXPECT_EQ(st->params[0], PgTextArray(kCategories));
  EXPECT_EQ(st->params[1], PgTextArray(kDistricts));
  EXPECT_EQ(st->params[2], std::to_string(*ParseIsoDate("2026-01-02")));
  EXPECT_EQ(st->params[3], std::to_string(*ParseIsoDate("2026-02-01")));  // until: the day after date_to
  EXPECT_EQ(st->params[4], "{1,3}");
  EXPECT_NE(st->sql.find("FROM \"visits\""), std::string::npos);
  EXPECT_NE(st->sql.find("$5::bigint[]"), std::string::npos);
}

TEST(PgSqlTest, PushdownWithoutFilterOrKeysHasNoParameters) {
  const QueryPlan plan = Plan(R"({"metrics": ["visits"]})");
  auto st = PgPushdownStatement({.from = "t"}, plan, kCategories, kDistricts);
  ASSERT_TRUE(st.ok());
  EXPECT_TRUE(st->params.empty());
  EXPECT_EQ(st->sql.find('$'), std::string::npos);
}

TEST(PgSqlTest, SpendAskedOfASourceWithoutSpendIsRefused) {
  auto st = PgPushdownStatement({.from = "t", .has_spend = false}, Plan(R"({"metrics": ["spend_mean"]})"),
                                kCategories, kDistricts);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.status().code(), Code::kBadInput);
  EXPECT_NE(st.status().message().find("no spend column"), std::string::npos);
}

TEST(PgSqlTest, FillerPutsRowsInTheirCellsAndZerosElsewhere) {
  const QueryPlan plan = Plan(R"({"group_by": ["district"], "metrics": ["visits", "weekend_share"]})");
  ASSERT_EQ(plan.fields_per_cell(), 3u);  // visits, active users, weekend visits
  PgPayloadFiller filler(plan, 3);
  const std::vector<std::string_view> cell1 = {"1", "7", "3", "2"};
  const std::vector<std::string_view> users = {"-1", "3", "0", "0"};
  ASSERT_TRUE(filler.AddRow(cell1).ok());
  ASSERT_TRUE(filler.AddRow(users).ok());
  auto payload = std::move(filler).Finish();
  ASSERT_TRUE(payload.ok());
  EXPECT_EQ(*payload, (std::vector<uint64_t>{0, 0, 0, 7, 3, 2, 3}));
}

TEST(PgSqlTest, FillerRefusesValuesThatWouldWrapAndRowsOutsideThePlan) {
  const QueryPlan plan = Plan(R"({"group_by": ["district"], "metrics": ["spend_sum"]})");
  {
    PgPayloadFiller filler(plan, 2);
    // 2^63: two parties' sum would wrap.
    const std::vector<std::string_view> row = {"0", "1", "1", "9223372036854775808"};
    const Status s = filler.AddRow(row);
    EXPECT_EQ(s.code(), Code::kBadInput);
    EXPECT_NE(s.message().find("spend sum of cell 0"), std::string::npos) << s.message();
  }
  {
    PgPayloadFiller filler(plan, 2);
    const std::vector<std::string_view> row = {"2", "1", "1", "5"};
    EXPECT_EQ(filler.AddRow(row).code(), Code::kInternal);
    EXPECT_FALSE(std::move(filler).Finish().ok());  // no users row either
  }
}

TEST(PgSqlTest, ValidationErrorsAreOneLineNamingValueAndCount) {
  const Status s = PgValidationError("postgres table \"v\"", "unknown store_category", "toys\nx", "", "3", "5");
  EXPECT_EQ(s.code(), Code::kBadInput);
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
  EXPECT_NE(s.message().find("unknown category"), std::string::npos);
  EXPECT_NE(s.message().find("(3 rows; 5 rows have a problem in all)"), std::string::npos) << s.message();
  const Status w = PgValidationError("t", "is_weekend inconsistent", "true", "2026-01-05", "1", "1");
  EXPECT_NE(w.message().find("is_weekend=true but 2026-01-05 is a Monday (1 row)"), std::string::npos)
      << w.message();
}

TEST(PgSqlTest, StreamCopyReadsTheCanonicalColumnsInTheCsvForm) {
  const std::string sql = PgStreamCopySql({.from = "\"v\"", .timestamptz = true, .weekend_boolean = false,
                                           .has_spend = true});
  EXPECT_EQ(sql.rfind("COPY (", 0), 0u);
  EXPECT_NE(sql.find("AT TIME ZONE 'UTC'"), std::string::npos);
  EXPECT_NE(sql.find("trim_scale"), std::string::npos);
  EXPECT_NE(sql.find("FORMAT csv, HEADER, NULL '\\N'"), std::string::npos);
}

}  // namespace
}  // namespace mpcstats::core
