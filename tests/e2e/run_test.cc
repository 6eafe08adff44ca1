// Successful runs with real processes: totals are exact against the parties' own local results
// and against a plaintext computation of the CSV rows the test wrote.
#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <regex>
#include <set>

#include "tests/e2e/cluster.h"
#include "tests/e2e/run_checks.h"

namespace mpcstats::e2e {
namespace {

using nlohmann::json;

std::vector<std::string> PartyIds(int n) {
  std::vector<std::string> ids;
  for (int p = 1; p <= n; ++p) ids.push_back(Cluster::PartyId(p));
  return ids;
}

// Everything a successful run must show, whatever the inputs. `expected` (per party, optional)
// is the plaintext answer computed by the test.
void ExpectSuccessfulRun(Cluster& cluster, const std::vector<PlainStats>* expected) {
  const int n = cluster.num_parties();
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  for (const std::string& name : cluster.process_names()) {
    EXPECT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  EXPECT_TRUE(cluster.PortsReleased());

  std::optional<json> run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << "no run.json\n" << cluster.Describe();
  SCOPED_TRACE("run.json: " + run->dump());
  EXPECT_TRUE((*run)["run_id"].is_string() && !(*run)["run_id"].get<std::string>().empty());
  // No --protocol: the coordinator's default, secure aggregation, with nobody dropped.
  EXPECT_EQ((*run)["protocol"], "secagg");
  EXPECT_EQ((*run)["included_parties"], json(PartyIds(n)));
  EXPECT_EQ((*run)["dropped_parties"], json::object());
  EXPECT_EQ((*run)["parties"], n);
  EXPECT_EQ((*run)["party_ids"], json(PartyIds(n)));
  EXPECT_EQ((*run)["categories"], json(DefaultCategories()));

  // The parties' own local results, summed by the test.
  std::vector<PlainStats> locals;
  for (int p = 1; p <= n; ++p) {
    std::optional<json> local = cluster.LocalJson(p);
    ASSERT_TRUE(local.has_value()) << "no local_" << Cluster::PartyId(p) << ".json";
    SCOPED_TRACE("local: " + local->dump());
    EXPECT_EQ((*local)["party"], Cluster::PartyId(p));
    PlainStats stats;
    stats.users = (*local)["users"].get<uint64_t>();
    for (const std::string& c : DefaultCategories()) {
      ASSERT_TRUE((*local)["visits"].contains(c)) << c;
      stats.visits[c] = (*local)["visits"][c].get<uint64_t>();
      double expected_avg = stats.users ? double(stats.visits[c]) / double(stats.users) : 0.0;
      EXPECT_DOUBLE_EQ((*local)["average_visits_per_user"][c].get<double>(), expected_avg) << c;
    }
    EXPECT_EQ((*local)["visits"].size(), DefaultCategories().size());
    if (expected) {
      EXPECT_EQ(stats.users, (*expected)[p - 1].users) << Cluster::PartyId(p);
      EXPECT_EQ(stats.visits, (*expected)[p - 1].visits) << Cluster::PartyId(p);
    }
    locals.push_back(stats);
  }
  PlainStats sum = SumStats(locals);
  PlainStats truth = expected ? SumStats(*expected) : sum;

  EXPECT_EQ((*run)["total_users"].get<uint64_t>(), sum.users);
  EXPECT_EQ((*run)["total_users"].get<uint64_t>(), truth.users);
  EXPECT_EQ((*run)["total_visits"].size(), DefaultCategories().size());
  EXPECT_EQ((*run)["average_visits_per_user"].size(), DefaultCategories().size());
  // The default run obeys the policies: a category with fewer active users than min_group_size
  // (the roster's default, 10) is published as null. The synthetic data has hundreds of users
  // in every category; the CSV tests know each category's users.
  const auto suppressed = (*run)["suppressed"].get<std::set<std::string>>();
  const uint64_t k = (*run)["min_group_size"].get<uint64_t>();
  std::set<std::string> small;
  for (const std::string& c : DefaultCategories()) {
    if (expected && truth.active_users[c] < k) small.insert(c);
  }
  EXPECT_EQ(suppressed, small);
  for (const std::string& c : DefaultCategories()) {
    ASSERT_TRUE((*run)["total_visits"].contains(c)) << c;
    if (suppressed.count(c)) {
      EXPECT_TRUE((*run)["total_visits"][c].is_null() && (*run)["average_visits_per_user"][c].is_null()) << c;
      continue;
    }
    uint64_t total = (*run)["total_visits"][c].get<uint64_t>();
    EXPECT_EQ(total, sum.visits[c]) << c;
    EXPECT_EQ(total, truth.visits[c]) << c;
    double expected_avg = truth.users ? double(truth.visits[c]) / double(truth.users) : 0.0;
    EXPECT_DOUBLE_EQ((*run)["average_visits_per_user"][c].get<double>(), expected_avg) << c;
  }

  // Metrics: every process reports bytes in both directions, and the phases are timed.
  const json& metrics = (*run)["metrics"];
  std::vector<std::string> processes = {"coordinator"};
  for (const std::string& id : PartyIds(n)) processes.push_back(id);
  for (const char* key :
       {"wire_bytes_sent", "wire_bytes_received", "payload_bytes_sent", "payload_bytes_received"}) {
    ASSERT_TRUE(metrics.contains(key)) << key;
    for (const std::string& who : processes) {
      ASSERT_TRUE(metrics[key].contains(who)) << key << " " << who;
      EXPECT_GT(metrics[key][who].get<uint64_t>(), 0u) << key << " " << who;
    }
  }
  for (const std::string& who : processes) {
    // TLS adds headers, records and the handshake: the wire carries more than the payload.
    EXPECT_GT(metrics["wire_bytes_sent"][who].get<uint64_t>(),
              metrics["payload_bytes_sent"][who].get<uint64_t>())
        << who;
  }
  ASSERT_TRUE(metrics.contains("phase_seconds"));
  for (const char* phase :
       {"connect_handshake", "share_distribution", "local_summing", "aggregation", "total"}) {
    ASSERT_TRUE(metrics["phase_seconds"].contains(phase)) << phase;
    EXPECT_GE(metrics["phase_seconds"][phase].get<double>(), 0.0) << phase;
  }
  EXPECT_GT(metrics["phase_seconds"]["total"].get<double>(), 0.0);
}

void RunSynthetic(int n) {
  Cluster cluster({.num_parties = n});
  for (int p = 1; p <= n; ++p) cluster.UseSynthetic(p, 300 + 211 * p, 1000 + p);
  cluster.StartAll();
  ExpectSuccessfulRun(cluster, nullptr);
}

// CSV files with random rows; party p never visits category p-1, and nobody visits "sports",
// so zero counts (per party and in total) are exercised.
void RunCsv(int n, uint32_t seed) {
  Cluster cluster({.num_parties = n});
  std::mt19937 rng(seed);
  std::vector<PlainStats> expected;
  for (int p = 1; p <= n; ++p) {
    std::vector<std::string> categories;
    for (size_t c = 0; c < DefaultCategories().size(); ++c) {
      const std::string& name = DefaultCategories()[c];
      if (c != size_t(p - 1) && name != "sports") categories.push_back(name);
    }
    int users = 50 + static_cast<int>(rng() % 400);
    int rows = users + static_cast<int>(rng() % 1500);
    // The same user names at every party: ids are party-local, so they still count separately.
    std::vector<Visit> visits = RandomVisits(rng, "user-", users, rows, categories);
    cluster.UseCsv(p, visits);
    expected.push_back(LocalStats(visits));
  }
  ASSERT_EQ(SumStats(expected).visits.at("sports"), 0u);
  cluster.StartAll();
  ExpectSuccessfulRun(cluster, &expected);
}

TEST(RunTest, SyntheticThreeParties) { RunSynthetic(3); }
TEST(RunTest, SyntheticFiveParties) { RunSynthetic(5); }
TEST(RunTest, CsvThreePartiesExact) { RunCsv(3, 20260314); }
TEST(RunTest, CsvFivePartiesExact) { RunCsv(5, 777); }

TEST(RunTest, StartOrderDoesNotMatter) {
  // Parties last to first, each once it has been refused by the absent coordinator, and the
  // coordinator last of all: everyone retries (debug logs show the connector's attempts).
  const int n = 3;
  Cluster cluster({.num_parties = n, .log_level = "debug"});
  std::mt19937 rng(99);
  std::vector<PlainStats> expected;
  for (int p = 1; p <= n; ++p) {
    std::vector<Visit> visits = RandomVisits(rng, "u", 100 * p, 250 * p, DefaultCategories());
    cluster.UseCsv(p, visits);
    expected.push_back(LocalStats(visits));
  }
  for (int p = n; p >= 1; --p) {
    cluster.StartParty(p);
    ASSERT_TRUE(WaitForLogLine(cluster, Cluster::PartyId(p), "connecting to coordinator at ", "attempt 1 failed",
                               std::chrono::seconds(3)))
        << Cluster::PartyId(p) << " did not try the coordinator\n"
        << cluster.Describe();
  }
  cluster.StartCoordinator();
  ExpectSuccessfulRun(cluster, &expected);
  // Each party got in on a retry, not on its first attempt.
  const std::regex connected(R"(connected to coordinator at \S+ after (\d+) attempt)");
  for (int p = 1; p <= n; ++p) {
    const std::string log = cluster.Log(Cluster::PartyId(p));
    std::smatch match;
    ASSERT_TRUE(std::regex_search(log, match, connected)) << Cluster::PartyId(p) << "\n" << cluster.Describe();
    EXPECT_GE(std::stoi(match[1]), 2) << Cluster::PartyId(p) << " did not retry\n" << cluster.Describe();
  }
}

TEST(RunTest, SameInputsSameResultFreshRun) {
  // Two runs of the same synthetic inputs publish the same totals but different run ids.
  json first, second;
  for (json* out : {&first, &second}) {
    Cluster cluster({.num_parties = 3});
    cluster.StartAll();
    ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
    std::optional<json> run = cluster.RunJson();
    ASSERT_TRUE(run.has_value()) << cluster.Describe();
    *out = *run;
  }
  EXPECT_EQ(first["total_visits"], second["total_visits"]);
  EXPECT_EQ(first["total_users"], second["total_users"]);
  EXPECT_NE(first["run_id"], second["run_id"]);
}

}  // namespace
}  // namespace mpcstats::e2e
