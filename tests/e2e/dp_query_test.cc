// Private queries at the coordinator: malformed privacy blocks and bounds, and calibrations that
// cannot be met, are user errors (exit 2, naming the field and the file) before it listens.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/e2e/cluster.h"
#include "tests/e2e/process.h"

namespace mpcstats::e2e {
namespace {

namespace fs = std::filesystem;

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

}  // namespace
}  // namespace mpcstats::e2e
