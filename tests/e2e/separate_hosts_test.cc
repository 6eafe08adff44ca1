// The coordinator and each party on a host of its own: a network namespace each, its own IP on a
// bridge (tests/e2e/netns.h), named by IP in the roster and in the certificates. A worked example
// of a multi-host deployment (README), and the place where a link can die silently: a veth taken
// down drops packets with no reset, unlike a killed process on loopback.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <random>

#include "tests/e2e/cluster.h"
#include "tests/e2e/netns.h"
#include "tests/e2e/run_checks.h"
#include "tests/e2e/visit_data.h"

namespace mpcstats::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kParties = 3;
constexpr uint16_t kPort = 7000;  // every host has its own ports: coordinator 7000, partyI 7000 + I

std::vector<std::string> NodeNames() {
  std::vector<std::string> names = {"coordinator"};
  for (int p = 1; p <= kParties; ++p) names.push_back(Cluster::PartyId(p));
  return names;
}

// One run across the namespaces: the roster names every host by its IP, the certificates
// (SharedCerts, which carry every NetnsAddress) name those IPs, each party gets CSV data whose
// plaintext answer the test knows.
class SeparateHosts {
 public:
  explicit SeparateHosts(int timeout_seconds)
      : topology_(NodeNames()), cluster_({.num_parties = kParties, .timeout_seconds = timeout_seconds}) {}

  bool ok() const { return topology_.ok(); }
  const std::string& error() const { return topology_.error(); }
  Cluster& cluster() { return cluster_; }
  NetnsTopology& topology() { return topology_; }
  const std::vector<PlainStats>& expected() const { return expected_; }

  // Roster and data; throws on a setup failure. Without party endpoints (secagg) only the
  // coordinator has an address and port: the parties dial out and listen on nothing.
  void Prepare(bool party_endpoints = true) {
    json roster = {{"coordinator", {{"host", topology_.ip("coordinator")}, {"port", kPort}}},
                   {"parties", json::array()}};
    for (int p = 1; p <= kParties; ++p) {
      const std::string id = Cluster::PartyId(p);
      if (party_endpoints) {
        roster["parties"].push_back({{"id", id}, {"host", topology_.ip(id)}, {"port", kPort + p}});
      } else {
        roster["parties"].push_back({{"id", id}});
      }
    }
    roster_ = cluster_.WriteFile("roster.separate-hosts.json", roster.dump(2));
    std::mt19937 rng(4242);
    for (int p = 1; p <= kParties; ++p) {
      const std::vector<Visit> visits =
          RandomVisits(rng, fmt::format("host{}-", p), 40 + 13 * p, 160 + 29 * p, DefaultCategories());
      data_.push_back(cluster_.WriteFile(fmt::format("data/party{}.csv", p), FormatCsv(visits)));
      expected_.push_back(LocalStats(visits));
    }
  }

  void StartCoordinator(const std::string& protocol = "", const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {MPCSTATS_COORDINATOR_BIN, "--out", cluster_.out_dir("coordinator").string()};
    AddCommon(argv, "coordinator");
    if (!protocol.empty()) argv.insert(argv.end(), {"--protocol", protocol});
    argv.insert(argv.end(), extra.begin(), extra.end());
    cluster_.StartCustom("coordinator", topology_.Exec("coordinator", argv));
  }

  void StartParty(int p, const std::string& fault = "") {
    const std::string id = Cluster::PartyId(p);
    std::vector<std::string> argv = {MPCSTATS_PARTY_BIN, "--id", id, "--data", data_[p - 1].string(),
                                     "--out", cluster_.out_dir(id).string()};
    AddCommon(argv, id);
    if (!fault.empty()) argv.insert(argv.end(), {"--inject-fault", fault});
    cluster_.StartCustom(id, topology_.Exec(id, argv));
  }

 private:
  void AddCommon(std::vector<std::string>& argv, const std::string& id) const {
    const CertSet& certs = SharedCerts();
    argv.insert(argv.end(), {"--roster", roster_.string(), "--ca", certs.ca().string(), "--cert",
                             certs.cert(id).string(), "--key", certs.key(id).string(), "--timeout",
                             std::to_string(cluster_.timeout_seconds())});
  }

  NetnsTopology topology_;  // declared first: the cluster's processes are gone before it is
  Cluster cluster_;
  fs::path roster_;
  std::vector<fs::path> data_;
  std::vector<PlainStats> expected_;
};

#define SKIP_WITHOUT_NAMESPACES(hosts) \
  if (!(hosts).ok()) GTEST_SKIP() << "no network namespaces here: " << (hosts).error()

void ExpectExactTotals(SeparateHosts& hosts) {
  Cluster& cluster = hosts.cluster();
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  for (const std::string& name : cluster.process_names()) {
    EXPECT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  std::optional<json> run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << "no run.json\n" << cluster.Describe();
  const PlainStats truth = SumStats(hosts.expected());
  EXPECT_EQ((*run)["total_users"].get<uint64_t>(), truth.users);
  for (const std::string& c : DefaultCategories()) {
    EXPECT_EQ((*run)["total_visits"][c].get<uint64_t>(), truth.visits.at(c)) << c;
  }
}

// Every process in `others` ends non-zero within `bound` (default timeout + 5 s) of `cut_at`,
// naming `culprit`.
void ExpectOthersNameCulprit(Cluster& cluster, const std::vector<std::string>& others, const std::string& culprit,
                             Clock::time_point cut_at, std::optional<std::chrono::milliseconds> within = {}) {
  EXPECT_TRUE(cluster.WaitAll(others)) << cluster.Describe();
  const std::chrono::milliseconds bound = within.value_or(std::chrono::seconds(cluster.timeout_seconds() + 5));
  for (const std::string& name : others) {
    std::optional<int> code = cluster.exit_code(name);
    ASSERT_TRUE(code.has_value()) << name << "\n" << cluster.Describe();
    EXPECT_EQ(*code, 1) << name << "\n" << cluster.Describe();
    const auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(*cluster.process(name).ended_at() - cut_at);
    EXPECT_LE(took, bound) << name << " ended " << took.count() << " ms after " << culprit << "'s link went down\n"
                           << cluster.Describe();
    EXPECT_TRUE(HasReasonLine(cluster.Log(name), culprit)) << name << " does not name " << culprit << "\n"
                                                           << cluster.Describe();
  }
  EXPECT_FALSE(fs::exists(cluster.run_json_path())) << "a result was published";
}

class SeparateHostsProtocolTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SeparateHostsProtocolTest, ExactTotalsAcrossNamespaces) {
  SeparateHosts hosts(10);
  SKIP_WITHOUT_NAMESPACES(hosts);
  hosts.Prepare(/*party_endpoints=*/GetParam() != "secagg");
  hosts.StartCoordinator(GetParam());
  for (int p = 1; p <= kParties; ++p) hosts.StartParty(p);
  ExpectExactTotals(hosts);
  // The parties reached the coordinator at its namespace's address, not on a shared loopback.
  EXPECT_NE(hosts.cluster().Log("coordinator").find("listening on 0.0.0.0:7000"), std::string::npos);
  std::optional<json> run = hosts.cluster().RunJson();
  if (run) {
    EXPECT_EQ((*run)["protocol"], GetParam());
  }
}

INSTANTIATE_TEST_SUITE_P(Protocols, SeparateHostsProtocolTest, ::testing::Values("seeded", "full", "secagg"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

TEST(SeparateHostsTest, SeededPartyLinkDownAfterItsSharesFailsTheOthersWithinOneTimeout) {
  // party1 finishes its share phase (the others hold its shares and go on to report) and then
  // its link goes silently down before its partial sum: only the coordinator can notice. It must
  // do so within one timeout of the last progress (the other parties' partial sums), not at the
  // end of its share-phase allowance, and everyone else must say party1 is at fault. The mesh's
  // rule (seeded); under secagg such a party is dropped (the next test).
  SeparateHosts hosts(5);
  SKIP_WITHOUT_NAMESPACES(hosts);
  hosts.Prepare();
  Cluster& cluster = hosts.cluster();
  hosts.StartCoordinator("seeded");
  hosts.StartParty(1, "stall-before-partial-sum");
  for (int p = 2; p <= kParties; ++p) hosts.StartParty(p);
  ASSERT_TRUE(WaitForLogLine(cluster, "party1", "stall-before-partial-sum: sending nothing more", "", 10s))
      << cluster.Describe();
  ASSERT_EQ(hosts.topology().CutLink("party1"), "");
  const auto cut_at = Clock::now();
  ExpectOthersNameCulprit(cluster, {"coordinator", "party2", "party3"}, "party1", cut_at);
  cluster.process("party1").KillAndReap();
}

TEST(SeparateHostsTest, SecAggPartyLinkDownAfterShareKeysDropsItAndTheOthersGetTheExactSum) {
  // Secure aggregation survives what the mesh protocols cannot: party3 stops after ShareKeys and
  // its link goes silently down. The coordinator closes MaskedInput one timeout later without it,
  // rebuilds its mask key from the survivors' shares, and party1 and party2 (T = 2 of 3) get the
  // exact sum over the two of them.
  SeparateHosts hosts(5);
  SKIP_WITHOUT_NAMESPACES(hosts);
  hosts.Prepare(/*party_endpoints=*/false);
  Cluster& cluster = hosts.cluster();
  hosts.StartCoordinator("secagg", {"--threshold", "2"});
  hosts.StartParty(1);
  hosts.StartParty(2);
  hosts.StartParty(3, "stall-before-partial-sum");
  ASSERT_TRUE(WaitForLogLine(cluster, "party3", "stall-before-partial-sum: sending nothing more", "", 10s))
      << cluster.Describe();
  ASSERT_EQ(hosts.topology().CutLink("party3"), "");
  ASSERT_TRUE(cluster.WaitAll({"coordinator", "party1", "party2"})) << cluster.Describe();
  for (const char* name : {"coordinator", "party1", "party2"}) {
    EXPECT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  std::optional<json> run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << cluster.Describe();
  EXPECT_EQ((*run)["included_parties"], (json{"party1", "party2"}));
  EXPECT_EQ((*run)["dropped_parties"], (json{{"party3", "masked_input"}}));
  const PlainStats truth = SumStats({hosts.expected()[0], hosts.expected()[1]});
  EXPECT_EQ((*run)["total_users"].get<uint64_t>(), truth.users);
  for (const std::string& c : DefaultCategories()) {
    EXPECT_EQ((*run)["total_visits"][c].get<uint64_t>(), truth.visits.at(c)) << c;
  }
  EXPECT_FALSE(fs::exists(cluster.out_dir("party3") / "result.json"));
  cluster.process("party3").KillAndReap();
}

// The run held open at a known point: the coordinator (running `protocol`) and every party start,
// the last party stops before its partial sum (secagg: its masked input) while the others have
// sent theirs, then the coordinator's link goes silently down at *cut_at.
void StallLastPartyThenCutTheCoordinator(SeparateHosts& hosts, const std::string& protocol, Clock::time_point* cut_at) {
  Cluster& cluster = hosts.cluster();
  hosts.StartCoordinator(protocol);
  for (int p = 1; p < kParties; ++p) hosts.StartParty(p);
  hosts.StartParty(kParties, "stall-before-partial-sum");
  ASSERT_TRUE(WaitForLogLine(cluster, Cluster::PartyId(kParties), "stall-before-partial-sum: sending nothing more",
                             "", 10s))
      << cluster.Describe();
  ASSERT_EQ(hosts.topology().CutLink("coordinator"), "");
  *cut_at = Clock::now();
}

std::vector<std::string> AllParties() {
  std::vector<std::string> parties;
  for (int p = 1; p <= kParties; ++p) parties.push_back(Cluster::PartyId(p));
  return parties;
}

TEST(SeparateHostsTest, SeededCoordinatorLinkDownMidRunFailsEveryPartyWithinOneTimeout) {
  // The run is held open at a known point (party3 stops after its shares; party1 and party2 have
  // sent their partial sums and wait for the verdict), then the coordinator's link goes silently
  // down: its verdict can no longer reach anyone. Each party must give up within one timeout of
  // its last progress, naming the coordinator. Pinned to seeded: that bound is the mesh's. A
  // secagg party waiting for the next round also allows for the coordinator's own round deadline
  // (it gave up 14.5 s after the cut with --timeout 5), so the bound does not hold there.
  SeparateHosts hosts(5);
  SKIP_WITHOUT_NAMESPACES(hosts);
  hosts.Prepare();
  Cluster& cluster = hosts.cluster();
  Clock::time_point cut_at;
  ASSERT_NO_FATAL_FAILURE(StallLastPartyThenCutTheCoordinator(hosts, "seeded", &cut_at));
  const std::vector<std::string> parties = AllParties();
  ExpectOthersNameCulprit(cluster, parties, "coordinator", cut_at);
  // The coordinator gives up on party3 too; its Abort is what the cut link swallowed.
  EXPECT_TRUE(cluster.WaitAll({"coordinator"})) << cluster.Describe();
  EXPECT_EQ(cluster.exit_code("coordinator"), 1) << cluster.Describe();
}

TEST(SeparateHostsTest, SecAggCoordinatorLinkDownMidRunFailsEveryPartyWithinItsPatience) {
  // The same cut under secagg (T = 3 of 3): party3 stops before its masked input, party1 and
  // party2 have sent theirs and wait for the unmasking request. A secagg party waits two timeouts
  // plus a margin (min(timeout, 2 s)) for the coordinator, since its round may close a timeout
  // after another party's answer; each must then give up, naming the coordinator, with nothing
  // published. The bound: that patience, plus the 5 s every failing process is allowed.
  SeparateHosts hosts(5);
  SKIP_WITHOUT_NAMESPACES(hosts);
  hosts.Prepare(/*party_endpoints=*/false);
  Cluster& cluster = hosts.cluster();
  Clock::time_point cut_at;
  ASSERT_NO_FATAL_FAILURE(StallLastPartyThenCutTheCoordinator(hosts, "secagg", &cut_at));
  const std::vector<std::string> parties = AllParties();
  const std::chrono::milliseconds timeout = std::chrono::seconds(cluster.timeout_seconds());
  ExpectOthersNameCulprit(cluster, parties, "coordinator", cut_at, 2 * timeout + std::min(timeout, 2000ms) + 5s);
  EXPECT_TRUE(cluster.WaitAll({"coordinator"})) << cluster.Describe();
  EXPECT_EQ(cluster.exit_code("coordinator"), 1) << cluster.Describe();
  for (int p = 1; p <= kParties; ++p) {
    EXPECT_FALSE(fs::exists(cluster.out_dir(Cluster::PartyId(p)) / "result.json")) << p;
  }
}

}  // namespace
}  // namespace mpcstats::e2e
