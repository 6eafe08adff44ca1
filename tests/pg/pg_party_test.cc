// mpcstats-party on PostgreSQL, as real processes: three parties (party1 pushdown, party2 stream,
// party3 CSV) exact against the plaintext reference for the default run and a grouped query with
// every metric; every user error an operator can cause with --pg exits 2 with a one-line message
// before the party connects to anyone; the database password never reaches a log.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/e2e/cluster.h"
#include "tests/e2e/run_checks.h"
#include "tests/pg/pg_server.h"
#include "tests/plain/plain_query.h"

namespace mpcstats::pgtest {
namespace {

namespace fs = std::filesystem;
using e2e::Cluster;
using e2e::DefaultCategories;
using e2e::DefaultDistricts;
using nlohmann::json;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The party's command line with --pg arguments instead of its synthetic data.
std::vector<std::string> PgPartyArgs(const Cluster& cluster, int party, const std::vector<std::string>& pg) {
  std::vector<std::string> argv = cluster.PartyArgs(party);
  for (auto it = argv.begin(); it != argv.end(); ++it) {
    if (*it == "--users") {
      it = argv.erase(it, it + 4);  // --users U --seed S
      argv.insert(it, pg.begin(), pg.end());
      return argv;
    }
  }
  throw std::logic_error("no --users in the party's command line");
}

// No log of the run (the processes' and the server's own) contains the password.
void ExpectPasswordInNoLog(const Cluster& cluster, const TestDatabase& database) {
  size_t logs = 0;
  for (const auto& entry : fs::recursive_directory_iterator(cluster.dir() / "logs")) {
    if (!entry.is_regular_file()) continue;
    ++logs;
    EXPECT_EQ(ReadFile(entry.path()).find(database.password()), std::string::npos) << entry.path();
  }
  EXPECT_GT(logs, 0u);
  EXPECT_EQ(ReadFile(database.server_log()).find(database.password()), std::string::npos);
}

const json kAllMetrics =
    json::array({"visits", "active_users", "visits_per_user", "visits_per_active_user",
                 "var_visits_per_active_user", "stddev_visits_per_active_user", "weekend_share", "spend_sum",
                 "spend_mean", json{{"histogram_visits_per_active_user", {1, 2, 5, 10}}}});

// Runs three parties, party1 pushdown, party2 stream, party3 CSV, on the same kind of data; with a
// query (else the default run), under `protocol` (empty: the coordinator's default, secagg).
// Checks the result against the plaintext reference.
void RunThreeSources(const std::optional<json>& query, const std::string& protocol = "") {
  Cluster cluster({.num_parties = 3, .timeout_seconds = 10, .protocol = protocol});
  if (query) cluster.UseQuery(*query);
  TestDatabase database("e2e", cluster.dir() / "pg");
  std::mt19937 rng(21);
  std::vector<std::vector<e2e::Visit>> visits;
  std::vector<std::vector<std::string>> files;
  for (int p = 1; p <= 3; ++p) {
    visits.push_back(e2e::RandomVisits(rng, "cust", 150, 600, DefaultCategories()));
    const fs::path file = cluster.WriteFile(fmt::format("data/party{}.csv", p), CsvWithSpend(visits.back(), rng));
    files.push_back({file.string()});
  }
  database.LoadTable("visits_p1", ReadFile(files[0][0]), {.timestamptz = true, .weekend_boolean = true});
  database.LoadTable("visits_p2", ReadFile(files[1][0]), {.timestamptz = false, .weekend_boolean = false});
  cluster.UseCsvFiles(3, {files[2][0]});

  cluster.StartCoordinator();
  cluster.StartCustom("party1", PgPartyArgs(cluster, 1, {"--pg", database.Conninfo(), "--pg-table", "visits_p1"}));
  cluster.StartCustom("party2", PgPartyArgs(cluster, 2,
                                            {"--pg", database.Conninfo(), "--pg-table", "visits_p2", "--pg-mode",
                                             "stream"}));
  cluster.StartParty(3);
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  for (const std::string& name : cluster.process_names()) {
    EXPECT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  EXPECT_NE(cluster.Log("party1").find("aggregated by the database"), std::string::npos) << cluster.Log("party1");
  std::optional<json> run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << cluster.Describe();
  EXPECT_EQ((*run)["protocol"], protocol.empty() ? "secagg" : protocol);
  if (query) {
    EXPECT_EQ((*run)["workload"], "query");
    const json expected = testing::PlainQueryRows((*run)["query"], files, DefaultCategories(), DefaultDistricts(),
                                                  (*run)["min_group_size"].get<uint64_t>());
    EXPECT_TRUE(testing::RowsMatch((*run)["result"], expected));
  } else {
    std::vector<e2e::PlainStats> parts;
    for (const auto& v : visits) parts.push_back(e2e::LocalStats(v));
    const e2e::PlainStats truth = e2e::SumStats(parts);
    EXPECT_EQ((*run)["total_users"].get<uint64_t>(), truth.users);
    for (const std::string& c : DefaultCategories()) {
      EXPECT_EQ((*run)["total_visits"][c].get<uint64_t>(), truth.visits.at(c)) << c;
    }
    // Each party's own local result (never sent) is its plaintext answer too.
    for (int p = 1; p <= 3; ++p) {
      std::optional<json> local = cluster.LocalJson(p);
      ASSERT_TRUE(local.has_value()) << p;
      EXPECT_EQ((*local)["users"].get<uint64_t>(), parts[p - 1].users) << p;
      for (const std::string& c : DefaultCategories()) {
        EXPECT_EQ((*local)["visits"][c].get<uint64_t>(), parts[p - 1].visits.at(c)) << p << " " << c;
      }
    }
  }
  ExpectPasswordInNoLog(cluster, database);
}

TEST(PgPartyTest, DefaultRunWithPushdownStreamAndCsvPartiesIsExact) { RunThreeSources(std::nullopt); }

const json kGroupedQuery = {{"group_by", {"store_category", "is_weekend", "hour_of_day"}},
                            {"metrics", kAllMetrics},
                            {"date_from", "2026-01-10"},
                            {"date_to", "2026-03-20"}};

TEST(PgPartyTest, GroupedQueryWithEveryMetricWithPushdownStreamAndCsvPartiesIsExact) { RunThreeSources(kGroupedQuery); }

// The tests above run under the default protocol (secagg); the mesh reads the same sources.
TEST(PgPartyTest, SeededRunsWithPushdownStreamAndCsvPartiesAreExact) {
  RunThreeSources(std::nullopt, "seeded");
  RunThreeSources(kGroupedQuery, "seeded");
}

TEST(PgPartyTest, UserErrorsExitTwoWithOneLineBeforeConnectingToAnyone) {
  Cluster cluster({.num_parties = 3, .timeout_seconds = 5});
  TestDatabase database("errors", cluster.dir() / "pg");
  std::mt19937 rng(5);
  const std::string csv = CsvWithSpend(e2e::RandomVisits(rng, "u", 20, 60, DefaultCategories()), rng);
  database.LoadTable("visits", csv, {});
  database.LoadTable("secret_visits", csv, {});
  database.Exec("REVOKE SELECT ON secret_visits FROM \"" + database.role() + "\"");
  database.Exec("CREATE TABLE no_district AS SELECT user_id, store_category, \"timestamp\", is_weekend FROM visits");
  database.Exec("CREATE TABLE text_time AS SELECT user_id, store_category, \"timestamp\"::text AS \"timestamp\", "
                "district, is_weekend FROM visits");
  database.Exec("CREATE TABLE bad_rows AS SELECT * FROM visits");
  database.Exec("INSERT INTO bad_rows VALUES ('x','toys','2026-01-05 10:00','north',false,1)");
  for (const char* table : {"no_district", "text_time", "bad_rows"}) {
    database.Exec(fmt::format("GRANT SELECT ON {} TO \"{}\"", table, database.role()));
  }
  const fs::path wrong_passfile = cluster.WriteFile("pg/wrong-pgpass", "*:*:*:" + database.role() + ":nope\n");
  fs::permissions(wrong_passfile, fs::perms::owner_read | fs::perms::owner_write);
  const std::string good = database.Conninfo();
  std::string wrong_password = good.substr(0, good.find(" passfile=")) + " passfile=" + wrong_passfile.string();

  struct Case {
    std::string name;
    std::vector<std::string> pg;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"unreachable", {"--pg", "host=/nonexistent/mpcstats dbname=x user=y", "--pg-table", "visits"},
       "cannot reach the server"},
      {"authentication", {"--pg", wrong_password, "--pg-table", "visits"}, "authentication failed"},
      {"missing-table", {"--pg", good, "--pg-table", "nope"}, "missing table: relation \"nope\" does not exist"},
      {"missing-column", {"--pg", good, "--pg-table", "no_district"}, "missing column: no column \"district\""},
      {"missing-column-query",
       {"--pg", good, "--pg-query", "SELECT user_id, store_category, \"timestamp\", district, weekend FROM visits"},
       "missing column: column \"weekend\" does not exist"},
      {"wrong-type", {"--pg", good, "--pg-table", "text_time", "--pg-mode", "stream"},
       "wrong column type: \"timestamp\" is text, expected timestamp or timestamptz"},
      {"permission", {"--pg", good, "--pg-table", "secret_visits"},
       "permission denied: permission denied for table secret_visits"},
      {"password-in-string", {"--pg", good + " password=" + database.password(), "--pg-table", "visits"},
       "the connection string contains a password"},
      {"bad-row", {"--pg", good, "--pg-table", "bad_rows"}, "unknown category 'toys' (1 row)"},
      {"bad-row-stream", {"--pg", good, "--pg-table", "bad_rows", "--pg-mode", "stream"},
       "(user_id 'x'): unknown category 'toys'"},
      {"no-source", {"--pg", good}, "--pg needs --pg-table NAME or --pg-query SQL"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    e2e::PortDecoy decoy(cluster, {cluster.coordinator_port()});
    e2e::Process& process = cluster.StartCustom(c.name, PgPartyArgs(cluster, 1, c.pg));
    const std::optional<int> code = process.WaitFor(std::chrono::seconds(20));
    ASSERT_TRUE(code.has_value());
    EXPECT_EQ(*code, 2);
    const std::string log = cluster.Log(c.name);
    // One line: the message and its line end, nothing after it.
    const size_t at = log.find(c.message);
    ASSERT_NE(at, std::string::npos) << log;
    const size_t line_start = log.rfind('\n', at) == std::string::npos ? 0 : log.rfind('\n', at) + 1;
    EXPECT_EQ(log.substr(line_start, 15), "mpcstats-party:") << log;
    EXPECT_EQ(log.find('\n', at) + 1, log.size()) << log;
    EXPECT_EQ(log.find("connecting to the coordinator"), std::string::npos) << log;
    EXPECT_EQ(decoy.Connections(), 0) << "connected despite a user error";
  }
  ExpectPasswordInNoLog(cluster, database);
}

}  // namespace
}  // namespace mpcstats::pgtest
