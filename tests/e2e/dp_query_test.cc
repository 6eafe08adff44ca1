// Private queries with real processes. At the coordinator: malformed privacy blocks and bounds,
// and calibrations that cannot be met, are user errors (exit 2, naming the field and the file)
// before it listens. End to end, over CSV data whose bounded truth the test computes itself:
// noisy totals within 6 sd of the truth, most cells differing and the errors of about their sd
// (chi-square), privacy and per-row noise in
// run.json and result.csv, suppression on noisy counts, each party's ledger charged once per run
// (and still after a restart, or after the party was killed once it had paid), refusals under
// require_dp and with an exhausted budget.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "tests/e2e/cluster.h"
#include "tests/e2e/process.h"
#include "tests/e2e/run_checks.h"

namespace mpcstats::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr uint64_t kMaxVisitsPerCell = 20;
constexpr double kRho = 4;

// Grouped by category; the bounds clip no user's cell count here except by kMaxVisitsPerCell, and
// every user fits in max_cells_per_user (8 categories), so the bounded truth needs no sampling.
json PrivateQuery(double rho = kRho) {
  return {{"group_by", {"store_category"}},
          {"metrics", {"visits", "active_users", "visits_per_active_user"}},
          {"privacy", {{"rho", rho}, {"delta", 1e-6}}},
          {"bounds", {{"max_visits_per_user_per_cell", kMaxVisitsPerCell}, {"max_cells_per_user", 8}}}};
}

// The truth under the bounds, computed from the rows the test wrote.
struct BoundedTruth {
  std::map<std::string, uint64_t> visits, active_users;
  uint64_t users = 0;
};

// Writes every party's CSV: random visits in all categories but the last, where only two users of
// party1 ever went (a cell for suppression on the noisy count). One user of party2 is heavy in
// the first category (clipped to kMaxVisitsPerCell). The truth counts the parties in `counted`
// (empty: all of them).
BoundedTruth WritePrivateData(Cluster& cluster, uint32_t seed, const std::set<int>& counted = {}) {
  std::mt19937 rng(seed);
  const auto& categories = DefaultCategories();
  const std::vector<std::string> common(categories.begin(), categories.end() - 1);
  BoundedTruth truth;
  for (int p = 1; p <= cluster.num_parties(); ++p) {
    std::vector<Visit> visits = RandomVisits(rng, fmt::format("p{}u", p), 200, 700, common);
    if (p == 1) {
      for (const char* user : {"rare1", "rare2"}) visits.push_back({user, categories.back(), visits[0].timestamp, visits[0].district});
    }
    if (p == 2) {
      for (int i = 0; i < 50; ++i) visits.push_back({"heavy", categories.front(), visits[0].timestamp, visits[0].district});
    }
    std::map<std::pair<std::string, std::string>, uint64_t> per_cell;
    std::set<std::string> users;
    for (const Visit& v : visits) {
      ++per_cell[{v.user_id, v.category}];
      users.insert(v.user_id);
    }
    cluster.UseCsv(p, visits);
    if (!counted.empty() && counted.count(p) == 0) continue;
    for (const auto& [key, count] : per_cell) {
      truth.visits[key.second] += std::min(count, kMaxVisitsPerCell);
      ++truth.active_users[key.second];
    }
    truth.users += users.size();
  }
  return truth;
}

fs::path LedgerPath(const fs::path& dir, int party) { return dir / fmt::format("ledger-party{}.sqlite", party); }

void UseLedgers(Cluster& cluster, const fs::path& dir) {
  for (int p = 1; p <= cluster.num_parties(); ++p) cluster.AddArgs(p, {"--budget-ledger", LedgerPath(dir, p).string()});
}

// mpcstats-party --show-budget's line for `party`.
std::string ShowBudget(Cluster& cluster, const fs::path& ledgers, int party, const std::string& name) {
  Process& show = cluster.StartCustom(name, {MPCSTATS_PARTY_BIN, "--show-budget", "--budget-ledger",
                                             LedgerPath(ledgers, party).string(), "--roster",
                                             cluster.roster_path().string(), "--id", Cluster::PartyId(party)});
  EXPECT_EQ(show.WaitFor(10s), std::optional<int>(0)) << cluster.Log(name);
  return cluster.Log(name);
}

std::vector<std::string> ReadLines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// `h`: the parties whose noise alone must suffice (the guaranteed parties less dp_max_colluding).
void CheckPrivateResult(const Cluster& cluster, const BoundedTruth& truth, int h = 3) {
  const auto run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << cluster.Describe();
  const json& privacy = (*run)["privacy"];
  EXPECT_DOUBLE_EQ(privacy["rho"].get<double>(), kRho);
  EXPECT_DOUBLE_EQ(privacy["delta"].get<double>(), 1e-6);
  EXPECT_GT(privacy["epsilon"].get<double>(), 0);
  EXPECT_EQ(privacy["h"], h);
  EXPECT_EQ(privacy["bounds"]["max_visits_per_user_per_cell"], kMaxVisitsPerCell);
  EXPECT_EQ(privacy["bounds"]["max_cells_per_user"], 8);
  const double sd_visits = privacy["sigma"]["visits"].get<double>();
  const double sd_active = privacy["sigma"]["active_users"].get<double>();
  const double sd_users = privacy["sigma"]["total_users"].get<double>();
  ASSERT_GT(sd_visits, 0);
  ASSERT_GT(sd_active, 0);
  ASSERT_GT(sd_users, 0);
  EXPECT_LE(std::abs((*run)["total_users"].get<double>() - static_cast<double>(truth.users)), 6 * sd_users);

  const json& rows = (*run)["result"];
  ASSERT_EQ(rows.size(), DefaultCategories().size());
  // Sum of squared standardized errors: about chi-square with one degree per value when the noise
  // has the stated sd, 0 when no noise was added.
  size_t values = 0, cells = 0, cells_differing = 0;
  double chi_square = 0;
  for (const json& row : rows) {
    const std::string category = row["store_category"];
    SCOPED_TRACE(category);
    if (category == DefaultCategories().back()) {
      // Two active users, min_group_size 10, noise sd ~2: suppressed on its noisy count.
      EXPECT_TRUE(row["suppressed"].get<bool>()) << row.dump();
      EXPECT_TRUE(row["visits"].is_null());
      continue;
    }
    ASSERT_FALSE(row["suppressed"].get<bool>()) << row.dump();
    const double visits = row["visits"].get<double>(), active = row["active_users"].get<double>();
    EXPECT_LE(std::abs(visits - static_cast<double>(truth.visits.at(category))), 6 * sd_visits) << row.dump();
    EXPECT_LE(std::abs(active - static_cast<double>(truth.active_users.at(category))), 6 * sd_active) << row.dump();
    values += 2;
    ++cells;
    cells_differing += visits != static_cast<double>(truth.visits.at(category)) ||
                       active != static_cast<double>(truth.active_users.at(category));
    chi_square += std::pow((visits - static_cast<double>(truth.visits.at(category))) / sd_visits, 2) +
                  std::pow((active - static_cast<double>(truth.active_users.at(category))) / sd_active, 2);
    EXPECT_DOUBLE_EQ(row["noise_sd"]["visits"].get<double>(), sd_visits);
    EXPECT_DOUBLE_EQ(row["noise_sd"]["active_users"].get<double>(), sd_active);
    EXPECT_GT(row["noise_sd"]["visits_per_active_user"].get<double>(), 0);
    for (const char* metric : {"visits", "active_users", "visits_per_active_user"}) {
      const json& ci = row["ci95"][metric];
      ASSERT_EQ(ci.size(), 2u) << metric;
      EXPECT_LT(ci[0].get<double>(), row[metric].get<double>()) << metric;
      EXPECT_GT(ci[1].get<double>(), row[metric].get<double>()) << metric;
    }
  }
  // For 14 values P(chi-square < 1) is about 1e-6. Most cells differ: a cell is unchanged only when
  // both its visits (sd ~35) and its active users (sd ~1.7) drew 0, p ~0.003; counted per value
  // instead, this failed about 1 run in 20 (the active-user noise is 0 with p ~0.23).
  ASSERT_EQ(values, 14u);
  EXPECT_GT(chi_square, 1.0) << "the published values are (nearly) the exact ones: was noise added?";
  EXPECT_GT(cells_differing * 2, cells) << "most cells should differ from the bounded truth";

  const auto csv = ReadLines(cluster.out_dir("coordinator") / "result.csv");
  ASSERT_EQ(csv.size(), rows.size() + 1);
  for (const char* column : {",visits,visits_noise_sd,visits_ci95_low,visits_ci95_high,", ",active_users_noise_sd,",
                             ",visits_per_active_user_ci95_high,"}) {
    EXPECT_NE(csv[0].find(column), std::string::npos) << csv[0];
  }
}

TEST(DpQueryRunTest, PrivateQueryRunsWithBothProtocolsAndChargesEachLedgerOnce) {
  for (const std::string protocol : {"seeded", "full"}) {
    SCOPED_TRACE(protocol);
    Cluster cluster({.num_parties = 3, .timeout_seconds = 10, .protocol = protocol});
    cluster.SetPolicy(0, {{"min_group_size", 10}, {"privacy_budget_rho", 10}});
    cluster.UseQuery(PrivateQuery());
    const BoundedTruth truth = WritePrivateData(cluster, protocol == "full" ? 7 : 8);
    UseLedgers(cluster, cluster.dir());
    cluster.StartAll();
    ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
    for (const char* name : {"coordinator", "party1", "party2", "party3"}) {
      ASSERT_EQ(cluster.exit_code(name), std::optional<int>(0)) << cluster.Describe();
    }
    CheckPrivateResult(cluster, truth);
    const std::string run_id = (*cluster.RunJson())["run_id"];
    for (int p = 1; p <= 3; ++p) {
      EXPECT_TRUE(HasLine(cluster.Log(Cluster::PartyId(p)), "privacy budget charged for run " + run_id,
                          "spent rho 4, remaining 6"))
          << cluster.Log(Cluster::PartyId(p));
      const std::string shown = ShowBudget(cluster, cluster.dir(), p, fmt::format("show{}", p));
      EXPECT_NE(shown.find(fmt::format("party{}: spent rho 4 of its privacy budget 10; remaining 6", p)),
                std::string::npos)
          << shown;
    }
  }
}

// Under secagg the noise is calibrated for the threshold T, not for n: a run with dropouts is
// published while at least T parties are included, with each included party's noise in the sum.
TEST(DpQueryRunTest, SecAggRunWithDropoutsIsPublishedWithNoiseForTheThreshold) {
  Cluster cluster({.num_parties = 5, .timeout_seconds = 10, .protocol = "secagg", .party_endpoints = false,
                   .threshold = 3});
  cluster.SetPolicy(0, {{"min_group_size", 10}, {"privacy_budget_rho", 10}});
  cluster.UseQuery(PrivateQuery());
  // party5 leaves before ShareKeys and party3 before its masked input: both excluded.
  const BoundedTruth truth = WritePrivateData(cluster, 51, {1, 2, 4});
  UseLedgers(cluster, cluster.dir());
  cluster.AddArgs(5, {"--inject-fault", "exit-after-advertise-keys"});
  cluster.AddArgs(3, {"--inject-fault", "exit-after-share-keys"});
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  for (const char* name : {"coordinator", "party1", "party2", "party4"}) {
    ASSERT_EQ(cluster.exit_code(name), std::optional<int>(0)) << name << "\n" << cluster.Describe();
  }
  const auto run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << cluster.Describe();
  EXPECT_EQ((*run)["included_parties"], json({"party1", "party2", "party4"}));
  CheckPrivateResult(cluster, truth, /*h=*/3);
}

// The calibration assumed T parties: fewer included aborts the run, nothing is published.
TEST(DpQueryRunTest, SecAggRunBelowTheCalibratedPartiesIsAbortedNotPublished) {
  Cluster cluster({.num_parties = 5, .timeout_seconds = 10, .protocol = "secagg", .party_endpoints = false});
  cluster.SetPolicy(0, {{"min_group_size", 10}, {"privacy_budget_rho", 10}});
  cluster.UseQuery(PrivateQuery());  // T = 4 of 5 by default, so h = 4
  WritePrivateData(cluster, 52);
  UseLedgers(cluster, cluster.dir());
  cluster.AddArgs(2, {"--inject-fault", "exit-after-share-keys"});
  cluster.AddArgs(4, {"--inject-fault", "exit-after-share-keys"});
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  EXPECT_EQ(cluster.exit_code("coordinator"), std::optional<int>(1)) << cluster.Describe();
  EXPECT_TRUE(HasLine(cluster.Log("coordinator"), "NOT_ENOUGH_PARTIES", "party2, party4")) << cluster.Describe();
  EXPECT_FALSE(cluster.RunJson().has_value());
  EXPECT_FALSE(fs::exists(cluster.out_dir("coordinator") / "result.csv"));
  for (int p : {1, 3, 5}) {
    EXPECT_EQ(cluster.exit_code(Cluster::PartyId(p)), std::optional<int>(1)) << cluster.Describe();
    EXPECT_FALSE(fs::exists(cluster.out_dir(Cluster::PartyId(p)) / "result.json"));
  }
}

TEST(DpQueryRunTest, SpentBudgetIsRefusedForEveryoneAfterThePartiesRestart) {
  Cluster first({.num_parties = 3, .timeout_seconds = 10});
  first.SetPolicy(0, {{"min_group_size", 10}, {"privacy_budget_rho", 5}});
  first.UseQuery(PrivateQuery());
  WritePrivateData(first, 21);
  UseLedgers(first, first.dir());
  first.StartAll();
  ASSERT_TRUE(first.WaitAll()) << first.Describe();
  ASSERT_EQ(first.exit_code("coordinator"), std::optional<int>(0)) << first.Describe();

  // New processes over the same ledgers: 4 of 5 spent, the query needs 4 again.
  Cluster second({.num_parties = 3, .timeout_seconds = 5});
  second.SetPolicy(0, {{"min_group_size", 10}, {"privacy_budget_rho", 5}});
  second.UseQuery(PrivateQuery());
  WritePrivateData(second, 22);
  UseLedgers(second, first.dir());
  second.StartAll();
  ExpectFailedRun(second);
  EXPECT_TRUE(HasLine(second.Log("coordinator"), "INSUFFICIENT_PRIVACY_BUDGET",
                      "the query needs rho 4 but only 1 of its privacy budget 5 remains"))
      << second.Describe();
  for (int p = 1; p <= 3; ++p) {
    const std::string id = Cluster::PartyId(p);
    EXPECT_TRUE(HasLine(second.Log(id), "INSUFFICIENT_PRIVACY_BUDGET")) << second.Log(id);
    EXPECT_FALSE(HasLine(second.Log(id), "privacy budget charged")) << second.Log(id);
    const std::string shown = ShowBudget(second, first.dir(), p, fmt::format("show{}", p));
    EXPECT_NE(shown.find(fmt::format("{}: spent rho 4 of its privacy budget 5; remaining 1", id)), std::string::npos)
        << "the refused run charged nothing\n"
        << shown;
  }
  EXPECT_FALSE(fs::exists(second.out_dir("coordinator") / "result.csv"));
}

TEST(DpQueryRunTest, PartyKilledAfterItsChargeLeavesItsLedgerCharged) {
  Cluster cluster({.num_parties = 3, .timeout_seconds = 5});
  cluster.SetPolicy(0, {{"min_group_size", 10}, {"privacy_budget_rho", 10}});
  cluster.UseQuery(PrivateQuery());
  WritePrivateData(cluster, 31);
  UseLedgers(cluster, cluster.dir());
  cluster.AddArgs(2, {"--inject-fault", "stall-before-partial-sum"});
  cluster.StartAll();
  // party2 has paid and shared, and now sends nothing more: kill it there.
  ASSERT_TRUE(WaitForLogLine(cluster, "party2", "stall-before-partial-sum: sending nothing more", "", 10s))
      << cluster.Describe();
  ASSERT_TRUE(HasLine(cluster.Log("party2"), "privacy budget charged for run")) << cluster.Log("party2");
  cluster.process("party2").Kill(SIGKILL);
  ExpectFailedRun(cluster, {"party2"});
  // The conservative choice (SECURITY.md): a run that failed after the charge stays charged.
  for (int p = 1; p <= 3; ++p) {
    const std::string shown = ShowBudget(cluster, cluster.dir(), p, fmt::format("show{}", p));
    EXPECT_NE(shown.find(fmt::format("party{}: spent rho 4 of its privacy budget 10; remaining 6", p)),
              std::string::npos)
        << shown;
  }
}

TEST(DpQueryRunTest, RequireDpRefusesAnExactQuery) {
  Cluster cluster({.num_parties = 3, .timeout_seconds = 5});
  cluster.SetPolicy(3, {{"min_group_size", 10}, {"require_dp", true}});
  cluster.UseQuery({{"group_by", {"store_category"}}, {"metrics", {"visits"}}});
  WritePrivateData(cluster, 41);
  cluster.StartAll();
  ExpectFailedRun(cluster);
  EXPECT_TRUE(HasLine(cluster.Log("coordinator"), "POLICY_REFUSED", "party3")) << cluster.Describe();
  EXPECT_TRUE(HasLine(cluster.Log("party3"), "POLICY_REFUSED", "require_dp")) << cluster.Log("party3");
}

TEST(DpQueryRunTest, NoiseOfNoPartySufficingIsRefusedBeforeListening) {
  Cluster cluster({.num_parties = 3});
  cluster.SetPolicy(2, {{"dp_max_colluding", 3}});
  cluster.UseQuery(PrivateQuery());
  Process& coordinator = cluster.StartCoordinator();
  ASSERT_EQ(coordinator.WaitFor(10s), std::optional<int>(2)) << cluster.Log("coordinator");
  EXPECT_TRUE(HasLine(cluster.Log("coordinator"), "POLICY_REFUSED", "h < 1")) << cluster.Log("coordinator");
  EXPECT_EQ(cluster.Log("coordinator").find("listening on"), std::string::npos);
}

TEST(DpQueryRunTest, BadPrivacyBlocksAreUserErrorsBeforeListening) {
  Cluster cluster({.num_parties = 3});
  struct Case {
    std::string name;
    std::string content;
    std::string message;
  };
  const std::string bounds =
      R"("bounds": {"max_visits_per_user_per_cell": 20, "max_cells_per_user": 4, "max_spend_per_visit": 500})";
  const std::vector<Case> cases = {
      {"negative-rho", R"({"metrics": ["visits"], "privacy": {"rho": -1, "delta": 1e-6}, )" + bounds + "}",
       "privacy.rho must be a number in (0, 100]"},
      {"zero-rho", R"({"metrics": ["visits"], "privacy": {"rho": 0, "delta": 1e-6}, )" + bounds + "}",
       "privacy.rho must be a number in (0, 100]"},
      {"huge-rho", R"({"metrics": ["visits"], "privacy": {"rho": 1e308, "delta": 1e-6}, )" + bounds + "}",
       "privacy.rho must be a number in (0, 100]"},
      {"nan-rho", R"({"metrics": ["visits"], "privacy": {"rho": "NaN", "delta": 1e-6}, )" + bounds + "}",
       "privacy.rho must be a number in (0, 100], got string"},
      {"delta-one", R"({"metrics": ["visits"], "privacy": {"rho": 1, "delta": 1}, )" + bounds + "}",
       "privacy.delta must be a number in (0, 1)"},
      {"zero-cells",
       R"({"metrics": ["visits"], "privacy": {"rho": 1, "delta": 1e-6}, "bounds": {"max_visits_per_user_per_cell": 2, "max_cells_per_user": 0}})",
       "bounds.max_cells_per_user must be an integer in [1, 1000000]"},
      {"negative-spend",
       R"({"metrics": ["spend_sum"], "privacy": {"rho": 1, "delta": 1e-6}, "bounds": {"max_visits_per_user_per_cell": 2, "max_cells_per_user": 1, "max_spend_per_visit": -5}})",
       "bounds.max_spend_per_visit must be a number in (0, 1000000]"},
      {"no-bounds", R"({"metrics": ["visits"], "privacy": {"rho": 1, "delta": 1e-6}})",
       "\"privacy\" needs \"bounds\""},
      {"noise-out-of-range",
       R"({"metrics": ["var_visits_per_active_user"], "privacy": {"rho": 1e-6, "delta": 1e-6}, "bounds": {"max_visits_per_user_per_cell": 1000000, "max_cells_per_user": 1}})",
       "raise privacy.rho or lower the bounds"},
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
    EXPECT_EQ(log.find("listening on"), std::string::npos) << log;
  }
  EXPECT_FALSE(cluster.RunJson().has_value());
}

// --show-budget reads the ledger without certificates or a network; a missing ledger file is
// created empty, a bad one is exit 2 naming it.
TEST(DpQueryRunTest, ShowBudgetPrintsSpentAndRemaining) {
  Cluster cluster({.num_parties = 3});
  const fs::path roster = cluster.WriteFile("dp-roster.json", R"({"coordinator": {"host": "127.0.0.1", "port": 7000},
    "policy": {"privacy_budget_rho": 2.5},
    "parties": [{"id": "party1", "host": "127.0.0.1", "port": 7001}, {"id": "party2", "host": "127.0.0.1", "port": 7002}]})");
  const fs::path ledger = cluster.WriteFile("ledger-dir/.keep", "").parent_path() / "budget.sqlite";
  Process& show = cluster.StartCustom("show", {MPCSTATS_PARTY_BIN, "--show-budget", "--budget-ledger", ledger.string(),
                                               "--roster", roster.string(), "--id", "party2"});
  ASSERT_EQ(show.WaitFor(std::chrono::seconds(10)), std::optional<int>(0));
  EXPECT_NE(cluster.Log("show").find("party2: spent rho 0 of its privacy budget 2.5; remaining 2.5"), std::string::npos)
      << cluster.Log("show");
  const fs::path bogus = cluster.WriteFile("not-a-ledger.sqlite", std::string(200, 'x'));
  Process& bad = cluster.StartCustom("show-bad", {MPCSTATS_PARTY_BIN, "--show-budget", "--budget-ledger", bogus.string(),
                                                  "--roster", roster.string(), "--id", "party2"});
  ASSERT_EQ(bad.WaitFor(std::chrono::seconds(10)), std::optional<int>(2));
  EXPECT_NE(cluster.Log("show-bad").find(bogus.string()), std::string::npos) << cluster.Log("show-bad");
}

// --dp-rho without --query: the default run's statistics (visits and visits per user by
// category) become a private query with the default bounds.
TEST(DpQueryRunTest, DpRhoFlagMakesTheDefaultRunPrivate) {
  Cluster cluster({.num_parties = 3, .timeout_seconds = 10});
  cluster.SetPolicy(0, {{"min_group_size", 10}});
  const BoundedTruth truth = WritePrivateData(cluster, 51);
  cluster.AddArgs(0, {"--dp-rho", "2", "--dp-delta", "1e-8"});
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  ASSERT_EQ(cluster.exit_code("coordinator"), std::optional<int>(0)) << cluster.Describe();
  const auto run = cluster.RunJson();
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ((*run)["workload"], "query");
  EXPECT_EQ((*run)["query"]["metrics"], json({"visits", "visits_per_user"}));
  // The default run's exact summary fields would undo the noise: not published.
  for (const char* key : {"total_visits", "average_visits_per_user"}) EXPECT_FALSE(run->contains(key)) << key;
  const json& privacy = (*run)["privacy"];
  EXPECT_DOUBLE_EQ(privacy["rho"].get<double>(), 2);
  EXPECT_DOUBLE_EQ(privacy["delta"].get<double>(), 1e-8);
  EXPECT_EQ(privacy["bounds"], json({{"max_cells_per_user", 8}, {"max_visits_per_user_per_cell", 20}}));
  const double sd = privacy["sigma"]["visits"].get<double>();
  for (const json& row : (*run)["result"]) {
    const std::string category = row["store_category"];
    if (row["suppressed"].get<bool>()) continue;
    EXPECT_LE(std::abs(row["visits"].get<double>() - static_cast<double>(truth.visits.at(category))), 6 * sd)
        << row.dump();
    EXPECT_GT(row["noise_sd"]["visits_per_user"].get<double>(), 0);
  }
}

TEST(DpQueryRunTest, BadDpFlagsAreUserErrorsBeforeListening) {
  Cluster cluster({.num_parties = 3});
  const fs::path query = cluster.WriteFile("queries/private.json", PrivateQuery().dump());
  struct Case {
    std::string name;
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"zero-rho", {"--dp-rho", "0"}, "BAD_INPUT: --dp-rho: query: privacy.rho must be a number in (0, 100]"},
      {"cells", {"--dp-rho", "1", "--dp-max-cells-per-user", "0"}, "bounds.max_cells_per_user must be an integer"},
      {"delta-alone", {"--dp-delta", "1e-5"}, "--dp-delta requires --dp-rho"},
      {"twice", {"--dp-rho", "1", "--query", query.string()}, "the query already has a \"privacy\" block"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> argv = cluster.CoordinatorArgs();
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    Process& process = cluster.StartCustom("coordinator-" + c.name, argv);
    ASSERT_EQ(process.WaitFor(10s), std::optional<int>(2)) << cluster.Log("coordinator-" + c.name);
    const std::string log = cluster.Log("coordinator-" + c.name);
    EXPECT_NE(log.find(c.message), std::string::npos) << log;
    EXPECT_EQ(log.find("listening on"), std::string::npos) << log;
  }
}

}  // namespace
}  // namespace mpcstats::e2e
