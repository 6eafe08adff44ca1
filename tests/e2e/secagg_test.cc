// Protocol secagg with real processes: parties that only dial the coordinator (the roster gives
// them no host or port, and they are asserted to listen on nothing), exact totals against each
// party's own local result, every included party's result.json equal to the coordinator's
// published result, and parties killed between rounds (--inject-fault exit-after-*): excluded
// before their masked input, included after it, NOT_ENOUGH_PARTIES below the threshold.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/cluster.h"
#include "tests/e2e/run_checks.h"

namespace mpcstats::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr int kParties = 5;
constexpr int kInjectedCrashExitCode = 3;  // party/main.cc

Cluster::Options SecAggOptions(int n = kParties) {
  return {.num_parties = n, .timeout_seconds = 10, .protocol = "secagg", .party_endpoints = false};
}

// Starts the coordinator, then every party, with `faults` (party -> --inject-fault value).
void StartWithFaults(Cluster& cluster, const std::map<int, std::string>& faults) {
  cluster.StartCoordinator();
  for (int p = 1; p <= cluster.num_parties(); ++p) {
    std::vector<std::string> argv = cluster.PartyArgs(p);
    if (auto it = faults.find(p); it != faults.end()) argv.insert(argv.end(), {"--inject-fault", it->second});
    cluster.StartCustom(Cluster::PartyId(p), argv);
  }
}

// The totals run.json must show: the sum of the included parties' own local results.
void ExpectExactOver(const Cluster& cluster, const json& run, const std::set<int>& included) {
  std::map<std::string, uint64_t> visits;
  uint64_t users = 0;
  for (int p : included) {
    std::optional<json> local = cluster.LocalJson(p);
    ASSERT_TRUE(local.has_value()) << "no local result of party" << p;
    users += (*local)["users"].get<uint64_t>();
    for (const auto& [category, count] : (*local)["visits"].items()) visits[category] += count.get<uint64_t>();
  }
  EXPECT_EQ(run["total_users"].get<uint64_t>(), users);
  for (const auto& [category, count] : visits) {
    EXPECT_EQ(run["total_visits"][category].get<uint64_t>(), count) << category;
  }
  std::vector<std::string> ids;
  for (int p : included) ids.push_back(Cluster::PartyId(p));
  EXPECT_EQ(run["included_parties"], json(ids));
}

// Every included party that finished wrote result.json, equal to run.json without its metrics;
// nobody else has one.
void ExpectResultsDelivered(const Cluster& cluster, const json& run, const std::set<int>& receivers) {
  json published = run;
  published.erase("metrics");
  for (int p = 1; p <= cluster.num_parties(); ++p) {
    const auto path = cluster.out_dir(Cluster::PartyId(p)) / "result.json";
    if (receivers.count(p) == 0) {
      EXPECT_FALSE(std::filesystem::exists(path)) << "party" << p << " dropped but has a result";
      continue;
    }
    const std::string text = ReadFileOrEmpty(path);
    ASSERT_FALSE(text.empty()) << "party" << p << " has no result.json\n" << cluster.Describe();
    EXPECT_EQ(json::parse(text), published) << "party" << p;
  }
}

TEST(SecAggE2eTest, DefaultRunIsExactPartiesListenOnNothingAndAllGetTheResult) {
  Cluster cluster(SecAggOptions());
  cluster.StartAll();
  // While the run lasts: no party ever listens; each holds its coordinator connection.
  int connected_samples = 0;
  for (auto until = std::chrono::steady_clock::now() + cluster.cap(); std::chrono::steady_clock::now() < until;) {
    bool running = false;
    for (int p = 1; p <= kParties; ++p) {
      Process& party = cluster.process(Cluster::PartyId(p));
      party.Poll();
      if (party.finished()) continue;
      running = true;
      EXPECT_EQ(ListeningPortsOf(party.pid()), std::vector<uint16_t>{}) << "party" << p << " listens";
      if (HasEstablishedConnection(party.pid(), cluster.coordinator_port())) ++connected_samples;
    }
    if (!running) break;
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_GT(connected_samples, 0) << "never saw a party connected: the listening check saw nothing";
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  for (const std::string& name : cluster.process_names()) {
    ASSERT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  std::optional<json> run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << cluster.Describe();
  EXPECT_EQ((*run)["protocol"], "secagg");
  EXPECT_EQ((*run)["threshold"], 4);  // floor(2 * 5 / 3) + 1
  EXPECT_EQ((*run)["dropped_parties"], json::object());
  ExpectExactOver(cluster, *run, {1, 2, 3, 4, 5});
  ExpectResultsDelivered(cluster, *run, {1, 2, 3, 4, 5});
}

TEST(SecAggE2eTest, QueryRunDeliversTheSameRowsToEveryParty) {
  Cluster cluster(SecAggOptions(3));
  cluster.UseQuery({{"group_by", {"store_category"}}, {"metrics", {"visits", "active_users"}}});
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  for (const std::string& name : cluster.process_names()) {
    ASSERT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  std::optional<json> run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << cluster.Describe();
  ASSERT_TRUE((*run)["result"].is_array());
  EXPECT_FALSE((*run)["result"].empty());
  // The rows themselves are checked against the plaintext reference by
  // QueryRunTest.EveryMetricByDistrictSecAggProtocol; here: every party got the same.
  ExpectResultsDelivered(cluster, *run, {1, 2, 3});
  const std::string csv = ReadFileOrEmpty(cluster.out_dir("coordinator") / "result.csv");
  ASSERT_FALSE(csv.empty());
  for (int p = 1; p <= 3; ++p) {
    EXPECT_EQ(ReadFileOrEmpty(cluster.out_dir(Cluster::PartyId(p)) / "result.csv"), csv) << "party" << p;
  }
}

TEST(SecAggE2eTest, PartyKilledAfterShareKeysIsExcludedAndTheRestIsExact) {
  Cluster cluster(SecAggOptions());
  StartWithFaults(cluster, {{3, "exit-after-share-keys"}});
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  EXPECT_EQ(cluster.exit_code("party3"), kInjectedCrashExitCode) << cluster.Describe();
  for (const char* name : {"coordinator", "party1", "party2", "party4", "party5"}) {
    ASSERT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  std::optional<json> run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << cluster.Describe();
  EXPECT_EQ((*run)["dropped_parties"], json({{"party3", "masked_input"}}));
  ExpectExactOver(cluster, *run, {1, 2, 4, 5});
  ExpectResultsDelivered(cluster, *run, {1, 2, 4, 5});
}

TEST(SecAggE2eTest, PartyKilledAfterItsMaskedInputIsIncluded) {
  Cluster cluster(SecAggOptions());
  StartWithFaults(cluster, {{2, "exit-after-masked-input"}});
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  EXPECT_EQ(cluster.exit_code("party2"), kInjectedCrashExitCode) << cluster.Describe();
  for (const char* name : {"coordinator", "party1", "party3", "party4", "party5"}) {
    ASSERT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  std::optional<json> run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << cluster.Describe();
  EXPECT_EQ((*run)["dropped_parties"], json({{"party2", "unmasking"}}));
  ExpectExactOver(cluster, *run, {1, 2, 3, 4, 5});
  ExpectResultsDelivered(cluster, *run, {1, 3, 4, 5});
}

TEST(SecAggE2eTest, TooManyDroppedAbortsWithNotEnoughPartiesAndPublishesNothing) {
  Cluster cluster(SecAggOptions());  // T = 4 of 5
  StartWithFaults(cluster, {{1, "exit-after-advertise-keys"}, {4, "exit-after-advertise-keys"}});
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  EXPECT_EQ(cluster.exit_code("coordinator"), 1) << cluster.Describe();
  EXPECT_FALSE(cluster.RunJson().has_value());
  EXPECT_TRUE(HasLine(cluster.Log("coordinator"), "NOT_ENOUGH_PARTIES", "party1, party4")) << cluster.Describe();
  for (const char* name : {"party2", "party3", "party5"}) {
    EXPECT_EQ(cluster.exit_code(name), 1) << name << "\n" << cluster.Describe();
    EXPECT_TRUE(HasLine(cluster.Log(name), "NOT_ENOUGH_PARTIES")) << name << "\n" << cluster.Describe();
  }
  for (int p = 1; p <= kParties; ++p) {
    EXPECT_FALSE(std::filesystem::exists(cluster.out_dir(Cluster::PartyId(p)) / "result.json"));
  }
}

TEST(SecAggE2eTest, ThresholdOutOfRangeIsAUsageError) {
  for (uint32_t bad : {2u, 6u}) {
    Cluster::Options options = SecAggOptions();
    options.threshold = bad;
    Cluster cluster(options);
    cluster.StartCoordinator();
    ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
    EXPECT_EQ(cluster.exit_code("coordinator"), 2) << cluster.Describe();
    EXPECT_TRUE(HasLine(cluster.Log("coordinator"), "--threshold")) << cluster.Describe();
  }
}

TEST(SecAggE2eTest, MeshProtocolsRefuseARosterWithoutPartyEndpoints) {
  Cluster::Options options = SecAggOptions(3);
  options.protocol = "seeded";
  Cluster cluster(options);
  cluster.StartCoordinator();
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  EXPECT_EQ(cluster.exit_code("coordinator"), 2) << cluster.Describe();
  EXPECT_TRUE(HasLine(cluster.Log("coordinator"), "host and port")) << cluster.Describe();
}

}  // namespace
}  // namespace mpcstats::e2e
