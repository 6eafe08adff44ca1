// The default run (no --query: average visits per user per store category) is a query like any
// other: every party's disclosure policy applies to it, and categories with fewer active users
// than the strictest min_group_size are published as null and listed under "suppressed".
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>

#include "tests/e2e/cluster.h"
#include "tests/e2e/run_checks.h"
#include "tests/e2e/visit_data.h"

namespace mpcstats::e2e {
namespace {

namespace fs = std::filesystem;

TEST(DefaultRunPolicyTest, PartyWhosePolicyForbidsStoreCategoryRefusesTheDefaultRun) {
  Cluster cluster({.num_parties = 3, .timeout_seconds = 5});
  cluster.SetPolicy(2, {{"group_by", {"district"}}});
  std::mt19937 rng(7);
  for (int p = 1; p <= 3; ++p) {
    cluster.UseCsvFiles(p, {cluster.WriteFile("data/party" + std::to_string(p) + ".csv",
                                              FormatCsv(RandomVisits(rng, "u", 20, 60, DefaultCategories())))});
  }
  cluster.StartAll();
  ExpectFailedRun(cluster);
  const std::string reason = "party2 refuses the query: its policy does not allow grouping by 'store_category'";
  EXPECT_TRUE(HasLine(cluster.Log("coordinator"), "POLICY_REFUSED", reason)) << cluster.Describe();
  for (const char* name : {"party1", "party3"}) {
    EXPECT_TRUE(HasLine(cluster.Log(name), "POLICY_REFUSED", "party2")) << name << "\n" << cluster.Describe();
  }
  EXPECT_FALSE(fs::exists(cluster.run_json_path()));
}

TEST(DefaultRunPolicyTest, CategoriesBelowTheStrictestMinGroupSizeAreSuppressed) {
  // Six categories with about 40 users per party; the seventh has one user per party (3 in all)
  // and the eighth none. party3 asks for 5 active users, the roster's default for 2: the
  // strictest decides, so exactly the last two categories are suppressed.
  Cluster cluster({.num_parties = 3, .timeout_seconds = 10});
  cluster.SetPolicy(0, {{"min_group_size", 2}});
  cluster.SetPolicy(3, {{"min_group_size", 5}});
  const auto& categories = DefaultCategories();
  ASSERT_GE(categories.size(), 8u);
  const std::vector<std::string> common(categories.begin(), categories.begin() + 6);
  std::mt19937 rng(21);
  std::vector<PlainStats> parts;
  for (int p = 1; p <= 3; ++p) {
    std::vector<Visit> visits = RandomVisits(rng, "p" + std::to_string(p) + "u", 40, 200, common);
    const auto rare = RandomVisits(rng, "p" + std::to_string(p) + "rare", 1, 3, {categories[6]});
    visits.insert(visits.end(), rare.begin(), rare.end());
    parts.push_back(LocalStats(visits));
    cluster.UseCsvFiles(p, {cluster.WriteFile("data/party" + std::to_string(p) + ".csv", FormatCsv(visits))});
  }
  const PlainStats truth = SumStats(parts);
  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  for (const std::string& name : cluster.process_names()) {
    EXPECT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }
  const auto run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << cluster.Describe();
  EXPECT_EQ((*run)["min_group_size"], 5);
  EXPECT_EQ((*run)["total_users"].get<uint64_t>(), truth.users);
  const std::set<std::string> suppressed = (*run)["suppressed"].get<std::set<std::string>>();
  EXPECT_EQ(suppressed, (std::set<std::string>{categories[6], categories[7]}));
  for (const std::string& c : categories) {
    const auto& visits = (*run)["total_visits"][c];
    const auto& average = (*run)["average_visits_per_user"][c];
    if (suppressed.count(c)) {
      EXPECT_TRUE(visits.is_null() && average.is_null()) << c << " " << run->dump();
    } else {
      EXPECT_EQ(visits.get<uint64_t>(), truth.visits.at(c)) << c;
      EXPECT_DOUBLE_EQ(average.get<double>(),
                       static_cast<double>(truth.visits.at(c)) / static_cast<double>(truth.users))
          << c;
    }
  }
  // The query rows carry the same decision.
  for (const auto& row : (*run)["result"]) {
    EXPECT_EQ(row["suppressed"].get<bool>(), suppressed.count(row["store_category"].get<std::string>()) == 1)
        << row.dump();
  }
}

}  // namespace
}  // namespace mpcstats::e2e
