// Federated queries with real processes: every metric and several groupings, against a plaintext
// computation over the same CSV files (tests/plain), plus suppression, a policy refusal and bad
// query files.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "tests/e2e/cluster.h"
#include "tests/e2e/run_checks.h"
#include "tests/plain/plain_query.h"

namespace mpcstats::e2e {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const json kAllMetrics =
    json::array({"visits", "active_users", "visits_per_user", "visits_per_active_user",
                 "var_visits_per_active_user", "stddev_visits_per_active_user", "weekend_share", "spend_sum",
                 "spend_mean", json{{"histogram_visits_per_active_user", {1, 2, 5, 10}}}});

// CSV with the spend column: amounts in whole cents or with 4 decimals, both exact in fixed point.
std::string FormatCsvWithSpend(const std::vector<Visit>& visits, std::mt19937& rng) {
  std::string out = "user_id,store_category,timestamp,district,is_weekend,spend\n";
  std::uniform_int_distribution<int> cents(0, 25000);
  std::uniform_int_distribution<int> fine(0, 9999);
  for (size_t i = 0; i < visits.size(); ++i) {
    const Visit& v = visits[i];
    const std::string spend = i % 7 == 0 ? fmt::format("{}.{:04}", fine(rng) % 50, fine(rng))
                                         : fmt::format("{}.{:02}", cents(rng) / 100, cents(rng) % 100);
    out += fmt::format("{},{},{},{},{},{}\n", v.user_id, v.category, FormatTimestamp(v.timestamp), v.district,
                       IsWeekend(v.timestamp) ? 1 : 0, spend);
  }
  return out;
}

// Writes each party's data: party 1 gets two files sharing user ids, the others one file each.
// Returns the files per party (for the plaintext reference).
std::vector<std::vector<std::string>> WriteSpendData(Cluster& cluster, int users_per_party, uint32_t seed) {
  std::mt19937 rng(seed);
  std::vector<std::vector<std::string>> files(cluster.num_parties());
  for (int p = 1; p <= cluster.num_parties(); ++p) {
    std::vector<Visit> visits =
        RandomVisits(rng, "cust", users_per_party, users_per_party * 4, DefaultCategories());
    std::vector<fs::path> paths;
    if (p == 1) {
      const auto half = visits.begin() + static_cast<ptrdiff_t>(visits.size() / 2);
      paths.push_back(
          cluster.WriteFile("data/party1-a.csv", FormatCsvWithSpend({visits.begin(), half}, rng)));
      paths.push_back(cluster.WriteFile("data/party1-b.csv", FormatCsvWithSpend({half, visits.end()}, rng)));
    } else {
      paths.push_back(cluster.WriteFile(fmt::format("data/party{}.csv", p), FormatCsvWithSpend(visits, rng)));
    }
    for (const auto& path : paths) files[p - 1].push_back(path.string());
    cluster.UseCsvFiles(p, paths);
  }
  return files;
}

size_t CountLines(const fs::path& path) {
  std::ifstream in(path);
  size_t lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return lines;
}

// Runs `query` over fresh random data and checks run.json and result.csv against the plaintext
// reference with k = `k` (the roster's policies are set by the caller through `configure`).
json RunAndCompare(const json& query, uint64_t k, const std::string& protocol = "",
                   const std::function<void(Cluster&)>& configure = {}) {
  SCOPED_TRACE("query: " + query.dump());
  Cluster cluster({.num_parties = 3, .timeout_seconds = 10, .protocol = protocol});
  cluster.UseQuery(query);
  if (configure) configure(cluster);
  const auto files = WriteSpendData(cluster, 150, 11);
  cluster.StartAll();
  EXPECT_TRUE(cluster.WaitAll()) << cluster.Describe();
  for (const std::string& name : cluster.process_names()) {
    EXPECT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  std::optional<json> run = cluster.RunJson();
  if (!run.has_value()) {
    ADD_FAILURE() << "no run.json\n" << cluster.Describe();
    return json::array();
  }
  EXPECT_EQ((*run)["workload"], "query");
  EXPECT_EQ((*run)["min_group_size"], k);
  const json expected =
      testing::PlainQueryRows((*run)["query"], files, DefaultCategories(), DefaultDistricts(), k);
  EXPECT_TRUE(testing::RowsMatch((*run)["result"], expected));
  // The query as run is the query as asked (canonical form: group_by always present).
  for (const auto& [key, value] : query.items()) EXPECT_EQ((*run)["query"][key], value) << key;

  // result.csv: a header and the same rows.
  const fs::path csv = cluster.out_dir("coordinator") / "result.csv";
  EXPECT_TRUE(fs::exists(csv)) << cluster.Describe();
  EXPECT_EQ(CountLines(csv), expected.size() + 1);
  // The printed table names the query.
  EXPECT_NE(cluster.Log("coordinator").find("cells,"), std::string::npos);
  return expected;
}

TEST(QueryRunTest, EveryMetricByDistrictAndWeekendWithDateFilter) {
  RunAndCompare({{"group_by", {"district", "is_weekend"}},
                 {"metrics", kAllMetrics},
                 {"date_from", "2026-01-15"},
                 {"date_to", "2026-03-10"}},
                10);
}

TEST(QueryRunTest, EveryMetricWithoutGroupingOrFilterFullProtocol) {
  RunAndCompare({{"group_by", json::array()}, {"metrics", kAllMetrics}}, 10, "full");
}

TEST(QueryRunTest, EveryMetricByDistrictSecAggProtocol) {
  RunAndCompare({{"group_by", {"district"}}, {"metrics", kAllMetrics}}, 10, "secagg");
}

TEST(QueryRunTest, TimeKeysAndCategories) {
  RunAndCompare({{"group_by", {"store_category"}}, {"metrics", {"visits", "active_users", "weekend_share"}}},
                10);
  RunAndCompare({{"group_by", {"month", "day_of_week"}},
                 {"metrics", {"visits", "visits_per_active_user", "stddev_visits_per_active_user"}},
                 {"date_from", "2026-02-01"}},
                10);
  RunAndCompare(
      {{"group_by", {"hour_of_day"}}, {"metrics", {"visits", "spend_mean"}}, {"date_to", "2026-02-14"}}, 10);
}

TEST(QueryRunTest, SmallCellsAreSuppressedByTheStrictestPolicy) {
  // The roster's default asks for 5 active users, party3 for 100: the strictest decides. With
  // 450 users and about 4 visits each, a category's weekday cell holds about 140 active users and
  // its weekend cell about 60, so both outcomes appear.
  const json rows =
      RunAndCompare({{"group_by", {"store_category", "is_weekend"}}, {"metrics", {"visits", "spend_sum"}}},
                    100, "", [](Cluster& cluster) {
                      cluster.SetPolicy(0, {{"min_group_size", 5}});
                      cluster.SetPolicy(3, {{"min_group_size", 100}});
                    });
  size_t suppressed = 0;
  for (const json& row : rows) {
    if (row["suppressed"].get<bool>()) {
      ++suppressed;
      EXPECT_TRUE(row["visits"].is_null() && row["spend_sum"].is_null()) << row.dump();
    }
  }
  EXPECT_GT(suppressed, 0u);
  EXPECT_LT(suppressed, rows.size());
}

TEST(QueryRunTest, QueryRefusedByOnePartysPolicyGivesNobodyAResult) {
  Cluster cluster({.num_parties = 3, .timeout_seconds = 5});
  cluster.UseQuery({{"group_by", {"hour_of_day"}}, {"metrics", {"visits"}}});
  cluster.SetPolicy(2, {{"group_by", {"store_category", "district"}}});
  WriteSpendData(cluster, 30, 5);
  cluster.StartAll();
  ExpectFailedRun(cluster);
  const std::string reason = "party2 refuses the query: its policy does not allow grouping by 'hour_of_day'";
  EXPECT_TRUE(HasLine(cluster.Log("coordinator"), "POLICY_REFUSED", reason)) << cluster.Describe();
  for (const char* name : {"party1", "party3"}) {
    EXPECT_TRUE(HasLine(cluster.Log(name), "POLICY_REFUSED", "party2")) << name << "\n" << cluster.Describe();
  }
  EXPECT_TRUE(HasLine(cluster.Log("party2"), "POLICY_REFUSED", reason)) << cluster.Describe();
  EXPECT_FALSE(fs::exists(cluster.out_dir("coordinator") / "result.csv"));
}

TEST(QueryRunTest, SpendAskedOfDataWithoutSpendFailsTheRunNamingTheParty) {
  Cluster cluster({.num_parties = 3, .timeout_seconds = 5});
  cluster.UseQuery({{"metrics", {"spend_sum"}}});
  std::mt19937 rng(3);
  WriteSpendData(cluster, 30, 5);
  cluster.UseCsv(2, RandomVisits(rng, "u", 20, 40, DefaultCategories()));  // no spend column
  cluster.StartAll();
  ExpectFailedRun(cluster);
  EXPECT_TRUE(
      HasLine(cluster.Log("coordinator"), "BAD_INPUT", "party2: the query asks for spend_sum or spend_mean"))
      << cluster.Describe();
}

TEST(QueryRunTest, BadQueryFilesAreUserErrorsBeforeAnythingIsSent) {
  Cluster cluster({.num_parties = 3});
  struct Case {
    std::string name;
    std::string content;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"malformed", "{\"metrics\": [\"visits\"", "query: invalid JSON"},
      {"unknown-metric", R"({"metrics": ["visits", "median"]})", "query: unknown metric 'median'"},
      {"unknown-key", R"({"group_by": ["weather"], "metrics": ["visits"]})",
       "query: unknown grouping key 'weather'"},
      {"bad-buckets", R"({"metrics": [{"histogram_visits_per_active_user": [5, 2]}]})",
       "bucket edges must be strictly increasing, got 2 after 5"},
      {"bad-date", R"({"metrics": ["visits"], "date_from": "2026-13-01"})", "is not a date YYYY-MM-DD"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const fs::path file = cluster.WriteFile("queries/" + c.name + ".json", c.content);
    std::vector<std::string> argv = cluster.CoordinatorArgs();
    argv.insert(argv.end(), {"--query", file.string()});
    Process& process = cluster.StartCustom("coordinator-" + c.name, argv);
    const std::optional<int> code = process.WaitFor(std::chrono::seconds(10));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 2);
    const std::string log = cluster.Log("coordinator-" + c.name);
    EXPECT_NE(log.find(c.message), std::string::npos) << log;
    EXPECT_NE(log.find(file.string()), std::string::npos) << "the message names the file\n" << log;
    // Refused before listening: the coordinator's port was never opened.
    EXPECT_EQ(log.find("listening on"), std::string::npos) << log;
  }
  EXPECT_FALSE(cluster.RunJson().has_value());
}

}  // namespace
}  // namespace mpcstats::e2e
