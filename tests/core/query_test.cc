// Query files and policies: every malformed input is a one-line error before anything is sent.
#include "common/core/query.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/core/policy.h"
#include "common/core/query_plan.h"
#include "common/core/roster.h"

namespace mpcstats::core {
namespace {

using nlohmann::json;

std::string QueryError(std::string_view text) {
  auto query = ParseQuery(text);
  if (query.ok()) return "(parsed)";
  EXPECT_EQ(query.status().code(), Code::kBadInput);
  return query.status().message();
}

TEST(QueryTest, ParsesTheIssueExample) {
  const std::string text = R"({"group_by": ["district", "is_weekend"], "metrics": ["visits", "active_users",
      "visits_per_user", "visits_per_active_user", "var_visits_per_active_user", "stddev_visits_per_active_user",
      "weekend_share", "spend_sum", "spend_mean", {"histogram_visits_per_active_user": [1, 2, 5, 10]}],
      "date_from": "2026-01-01", "date_to": "2026-03-31"})";
  auto query = ParseQuery(text);
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  EXPECT_EQ(query->group_by, (std::vector<GroupKey>{GroupKey::kDistrict, GroupKey::kIsWeekend}));
  ASSERT_EQ(query->metrics.size(), 10u);
  EXPECT_EQ(query->metrics.front(), Metric::kVisits);
  EXPECT_EQ(query->metrics.back(), Metric::kHistogramVisitsPerActiveUser);
  EXPECT_EQ(query->histogram_edges, (std::vector<uint64_t>{1, 2, 5, 10}));
  EXPECT_EQ(query->from_second, 1767225600);   // 2026-01-01T00:00:00Z
  EXPECT_EQ(query->until_second, 1775001600);  // 2026-04-01T00:00:00Z: the last day counts whole
  EXPECT_TRUE(query->HasDateFilter());

  // The canonical form parses back to the same query.
  auto again = ParseQuery(QueryToJson(*query).dump());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(QueryToJson(*again), QueryToJson(*query));
  EXPECT_EQ(again->until_second, query->until_second);
}

TEST(QueryTest, GroupByIsOptionalAndDatesAreOpenEnded) {
  auto query = ParseQuery(R"({"metrics": ["visits"]})");
  ASSERT_TRUE(query.ok()) << query.status().ToString();
  EXPECT_TRUE(query->group_by.empty());
  EXPECT_FALSE(query->HasDateFilter());
  EXPECT_EQ(query->from_second, INT64_MIN);
  EXPECT_EQ(query->until_second, INT64_MAX);
}

TEST(QueryTest, MalformedQueriesAreClearErrors) {
  EXPECT_NE(QueryError("{\"metrics\": [\"visits\"]").find("query: invalid JSON: parse error"),
            std::string::npos);
  EXPECT_EQ(QueryError("[]"), "query: top level must be an object, got array");
  EXPECT_EQ(QueryError(R"({"group_by": []})"), "query: missing \"metrics\"");
  EXPECT_EQ(QueryError(R"({"metrics": []})"), "query: \"metrics\" is empty: ask for at least one metric");
  EXPECT_EQ(QueryError(R"({"metrics": ["visits"], "where": 1})"),
            "query: unknown key 'where' (known: group_by, metrics, date_from, date_to, privacy, bounds)");
  EXPECT_EQ(QueryError(R"({"metrics": ["median"]})"),
            "query: unknown metric 'median' (known: " + AllMetricNames() + ")");
  EXPECT_EQ(QueryError(R"({"metrics": ["visits"], "group_by": ["store"]})"),
            "query: unknown grouping key 'store' (known: " + AllGroupKeyNames() + ")");
  EXPECT_EQ(QueryError(R"({"metrics": ["visits"], "group_by": ["month", "month"]})"),
            "query: grouping key 'month' given twice");
  EXPECT_EQ(QueryError(R"({"metrics": ["visits", "visits"]})"), "query: metric 'visits' given twice");
  EXPECT_EQ(QueryError(R"({"metrics": ["visits"], "group_by": "district"})"),
            "query: \"group_by\" must be an array, got string");
  EXPECT_EQ(QueryError(R"({"metrics": [7]})"),
            "query: a metric is a name or {\"histogram_visits_per_active_user\": [edges]}, got '7'");
}

TEST(QueryTest, BadBucketListsAreClearErrors) {
  EXPECT_EQ(QueryError(R"({"metrics": ["histogram_visits_per_active_user"]})"),
            "query: histogram_visits_per_active_user needs its bucket edges: "
            "{\"histogram_visits_per_active_user\": [1, 2, 5, 10]}");
  EXPECT_EQ(
      QueryError(R"({"metrics": [{"histogram_visits_per_active_user": []}]})"),
      "query: histogram_visits_per_active_user needs a non-empty list of bucket edges, e.g. [1, 2, 5, 10]");
  EXPECT_EQ(
      QueryError(R"({"metrics": [{"histogram_visits_per_active_user": [1, 5, 5]}]})"),
      "query: histogram_visits_per_active_user: bucket edges must be strictly increasing, got 5 after 5");
  EXPECT_EQ(
      QueryError(R"({"metrics": [{"histogram_visits_per_active_user": [3, 2]}]})"),
      "query: histogram_visits_per_active_user: bucket edges must be strictly increasing, got 2 after 3");
  EXPECT_EQ(QueryError(R"({"metrics": [{"histogram_visits_per_active_user": [0, 2]}]})"),
            "query: histogram_visits_per_active_user: bucket edges must be integers >= 1, got '0'");
  EXPECT_EQ(QueryError(R"({"metrics": [{"histogram_visits_per_active_user": [1.5]}]})"),
            "query: histogram_visits_per_active_user: bucket edges must be integers >= 1, got '1.5'");
  EXPECT_EQ(QueryError(R"({"metrics": [{"histogram_visits_per_active_user": [-1]}]})"),
            "query: histogram_visits_per_active_user: bucket edges must be integers >= 1, got '-1'");
  EXPECT_EQ(
      QueryError(R"({"metrics": [{"histogram_visits_per_active_user": {"a": 1}}]})"),
      "query: histogram_visits_per_active_user needs a non-empty list of bucket edges, e.g. [1, 2, 5, 10]");
  json many = json::array();
  for (int i = 1; i <= 65; ++i) many.push_back(i);
  EXPECT_EQ(QueryError(json{{"metrics", {{{"histogram_visits_per_active_user", many}}}}}.dump()),
            "query: histogram_visits_per_active_user: more than 64 bucket edges");
}

TEST(QueryTest, BadDatesAreClearErrors) {
  EXPECT_EQ(QueryError(R"({"metrics": ["visits"], "date_from": "2026-02-30"})"),
            "query: \"date_from\": '2026-02-30' is not a date YYYY-MM-DD");
  EXPECT_EQ(QueryError(R"({"metrics": ["visits"], "date_to": "2026-01-01T00:00:00"})"),
            "query: \"date_to\": '2026-01-01T00:00:00' is not a date YYYY-MM-DD");
  EXPECT_EQ(QueryError(R"({"metrics": ["visits"], "date_to": 20260101})"),
            "query: \"date_to\" must be a date string YYYY-MM-DD, got number");
  EXPECT_EQ(QueryError(R"({"metrics": ["visits"], "date_from": "2026-03-01", "date_to": "2026-02-28"})"),
            "query: date_from 2026-03-01 is after date_to 2026-02-28");
}

TEST(QueryTest, JsonErrorsStayOneShortLine) {
  // nlohmann quotes the last token read: a long unterminated string must not become a long message.
  const std::string message = QueryError("{\"metrics\": [\"" + std::string(5000, 'x') + "\n");
  EXPECT_EQ(message.rfind("query: invalid JSON: ", 0), 0u) << message;
  EXPECT_LT(message.size(), 220u);
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(QueryTest, NumberTooLargeForJsonIsAnErrorNotAnException) {
  // Found by tests/fuzz/query_fuzz: nlohmann throws out_of_range, not parse_error, for this.
  const std::string message = QueryError(R"({"metrics": ["visits"], "x": 1E400})");
  EXPECT_EQ(message.rfind("query: invalid JSON: number overflow parsing '1E400'", 0), 0u) << message;
  auto roster = ParseRoster(R"({"coordinator": {"host": "h", "port": 1E999}})");
  ASSERT_FALSE(roster.ok());
  EXPECT_EQ(roster.status().code(), Code::kBadInput);
}

TEST(QueryTest, OversizedQueryIsRefusedBeforeParsing) {
  const std::string huge =
      "{\"metrics\": [\"visits\"], \"group_by\": [" + std::string(kMaxQueryBytes, ' ') + "]}";
  EXPECT_EQ(QueryError(huge), "query: larger than 65536 bytes");
}

TEST(QueryTest, LoadQueryNamesTheFile) {
  auto missing = LoadQuery("/nonexistent/query.json");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kBadInput);
  EXPECT_NE(missing.status().message().find("cannot open '/nonexistent/query.json'"), std::string::npos);
}

TEST(QueryPlanTest, LayoutHoldsOnlyWhatTheMetricsNeed) {
  const auto categories = DefaultCategories();  // 8
  const auto districts = DefaultDistricts();    // 6
  auto minimal = QueryPlan::Make(*ParseQuery(R"({"metrics": ["visits"]})"), categories, districts);
  ASSERT_TRUE(minimal.ok());
  EXPECT_EQ(minimal->num_cells(), 1u);
  EXPECT_EQ(minimal->fields_per_cell(), 2u);  // visits and active users (for suppression)
  EXPECT_EQ(minimal->payload_length(), 3u);   // + total users

  auto full =
      QueryPlan::Make(*ParseQuery(R"({"group_by": ["store_category", "district", "is_weekend", "hour_of_day",
      "day_of_week", "month"], "metrics": ["stddev_visits_per_active_user", "weekend_share", "spend_mean",
      {"histogram_visits_per_active_user": [1, 3]}]})"),
                      categories, districts);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->num_cells(), 8u * 6 * 2 * 24 * 7 * 12);
  EXPECT_EQ(full->fields_per_cell(), 2u + 1 + 1 + 1 + 2);
  EXPECT_EQ(full->sum_squares_field(), 2u);
  EXPECT_EQ(full->weekend_field(), 3u);
  EXPECT_EQ(full->spend_field(), 4u);
  EXPECT_EQ(full->histogram_field(), 5u);
  // Cells are row-major: the last key varies fastest; months count from 1.
  EXPECT_EQ(full->CellKeys(0), (std::vector<uint32_t>{0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(full->CellKeys(13), (std::vector<uint32_t>{0, 0, 0, 0, 1, 2}));
  EXPECT_EQ(full->CellKeys(full->num_cells() - 1), (std::vector<uint32_t>{7, 5, 1, 23, 6, 12}));
  EXPECT_EQ(full->KeyLabel(0, 7), "beauty");
  EXPECT_EQ(full->KeyLabel(1, 5), "harbor");
  EXPECT_EQ(full->KeyLabel(5, 12), "12");
  EXPECT_EQ(full->BucketOf(0), -1);
  EXPECT_EQ(full->BucketOf(1), 0);
  EXPECT_EQ(full->BucketOf(2), 0);
  EXPECT_EQ(full->BucketOf(3), 1);
  EXPECT_EQ(full->BucketOf(1000), 1);
}

TEST(QueryPlanTest, TooManyCellsIsAnError) {
  std::vector<std::string> huge_domain;
  for (int i = 0; i < 60000; ++i) huge_domain.push_back("c" + std::to_string(i));
  auto plan = QueryPlan::Make(*ParseQuery(R"({"group_by": ["store_category", "district", "hour_of_day"],
      "metrics": ["visits"]})"),
                              huge_domain, huge_domain);
  ASSERT_FALSE(plan.ok());
  EXPECT_EQ(plan.status().code(), Code::kBadInput);
  EXPECT_NE(plan.status().message().find("more than the limit of 134217728 values"), std::string::npos);
}

TEST(PolicyTest, RosterPoliciesOverrideTheDefaultPerField) {
  json roster = {
      {"coordinator", {{"host", "127.0.0.1"}, {"port", 7000}}},
      {"policy", {{"min_group_size", 5}, {"group_by", {"store_category", "district"}}}},
      {"parties",
       {{{"id", "p1"}, {"host", "127.0.0.1"}, {"port", 7001}},
        {{"id", "p2"}, {"host", "127.0.0.1"}, {"port", 7002}, {"policy", {{"min_group_size", 20}}}},
        {{"id", "p3"},
         {"host", "127.0.0.1"},
         {"port", 7003},
         {"policy", {{"date_filter", false}, {"metrics", {"visits"}}}}}}},
  };
  auto parsed = ParseRoster(roster.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->parties[0].policy.min_group_size, 5u);
  EXPECT_EQ(parsed->parties[1].policy.min_group_size, 20u);
  EXPECT_EQ(parsed->parties[1].policy.allowed_group_by,
            (std::vector<GroupKey>{GroupKey::kStoreCategory, GroupKey::kDistrict}));
  EXPECT_EQ(parsed->MinGroupSize(), 20u);  // the strictest party decides

  const auto by_month = *ParseQuery(R"({"group_by": ["month"], "metrics": ["visits"]})");
  Status refused = CheckQueryAllowed(by_month, parsed->parties[0].policy, "p1");
  EXPECT_EQ(refused.code(), Code::kPolicyRefused);
  EXPECT_EQ(refused.message(), "p1 refuses the query: its policy does not allow grouping by 'month'");

  const auto dated = *ParseQuery(R"({"metrics": ["visits"], "date_from": "2026-01-01"})");
  EXPECT_TRUE(CheckQueryAllowed(dated, parsed->parties[0].policy, "p1").ok());
  EXPECT_EQ(CheckQueryAllowed(dated, parsed->parties[2].policy, "p3").message(),
            "p3 refuses the query: its policy does not allow a date filter");
  const auto spend = *ParseQuery(R"({"metrics": ["visits", "spend_sum"]})");
  EXPECT_EQ(CheckQueryAllowed(spend, parsed->parties[2].policy, "p3").message(),
            "p3 refuses the query: its policy does not allow the metric 'spend_sum'");

  // Policies are part of the roster's digest: processes that disagree on them refuse to run.
  json other = roster;
  other["parties"][1]["policy"]["min_group_size"] = 21;
  EXPECT_NE(ParseRoster(other.dump())->Digest(), parsed->Digest());
}

TEST(PolicyTest, MalformedPoliciesAreRosterErrors) {
  json roster = {
      {"coordinator", {{"host", "127.0.0.1"}, {"port", 7000}}},
      {"parties",
       {{{"id", "p1"}, {"host", "127.0.0.1"}, {"port", 7001}},
        {{"id", "p2"}, {"host", "127.0.0.1"}, {"port", 7002}}}},
  };
  auto error = [&](json policy, bool top_level) {
    json r = roster;
    if (top_level) {
      r["policy"] = policy;
    } else {
      r["parties"][1]["policy"] = policy;
    }
    auto parsed = ParseRoster(r.dump());
    return parsed.ok() ? std::string("(parsed)") : parsed.status().message();
  };
  EXPECT_EQ(error({{"min_group_size", 0}}, false),
            "roster: p2: policy: min_group_size must be an integer >= 1, got '0'");
  EXPECT_EQ(error({{"group_by", {"weather"}}}, false),
            "roster: p2: policy: \"group_by\": unknown name '\"weather\"'");
  EXPECT_EQ(error({{"metrics", "visits"}}, true),
            "roster: \"policy\": \"metrics\" must be an array of names, got string");
  EXPECT_EQ(error({{"k", 5}}, true),
            "roster: \"policy\": unknown key 'k' (known: min_group_size, group_by, metrics, date_filter, "
            "privacy_budget_rho, require_dp, dp_max_colluding)");
  EXPECT_EQ(error({{"date_filter", "no"}}, false), "roster: p2: policy: date_filter must be true or false");
}

}  // namespace
}  // namespace mpcstats::core
