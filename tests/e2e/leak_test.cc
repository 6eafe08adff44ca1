// Canary: party1's data carries a user id and a per-category visit count that nobody else has.
// After a successful run at the most verbose log level, no other process's log or output, and
// not the published result, contains either; only the (different) total is published.
#include <gtest/gtest.h>

#include <random>

#include "tests/e2e/cluster.h"

namespace mpcstats::e2e {
namespace {

constexpr char kCanaryUser[] = "canary-7f3a9c";
// party1's visits to "beauty": six digits, far from any byte count or duration of a small run.
constexpr int kCanaryBeautyVisits = 104729;

TEST(LeakTest, CanaryStaysWithItsParty) {
  Cluster cluster({.num_parties = 3, .log_level = "trace"});
  std::mt19937 rng(4243);

  // party1: ordinary visits to every category but beauty, then exactly kCanaryBeautyVisits
  // beauty visits, some of them by the canary user.
  std::vector<std::string> not_beauty;
  for (const std::string& c : DefaultCategories()) {
    if (c != "beauty") not_beauty.push_back(c);
  }
  std::vector<Visit> party1 = RandomVisits(rng, "p1-user-", 500, 1500, not_beauty);
  for (int i = 0; i < kCanaryBeautyVisits; ++i) {
    std::string user = i < 3 ? kCanaryUser : "p1-user-" + std::to_string(i % 500);
    party1.push_back(Visit{user, "beauty", 1767225600 + 60 * int64_t(i), DefaultDistricts()[i % 6]});
  }
  party1.push_back(Visit{kCanaryUser, "grocery", 1773000000, "harbor"});
  std::vector<std::vector<Visit>> data = {party1, RandomVisits(rng, "p2-", 400, 1200, DefaultCategories()),
                                          RandomVisits(rng, "p3-", 300, 900, DefaultCategories())};
  std::vector<PlainStats> expected;
  for (int p = 1; p <= 3; ++p) {
    cluster.UseCsv(p, data[p - 1]);
    expected.push_back(LocalStats(data[p - 1]));
  }
  const uint64_t party1_total_visits = data[0].size();
  const PlainStats truth = SumStats(expected);
  ASSERT_EQ(expected[0].visits.at("beauty"), uint64_t(kCanaryBeautyVisits));
  ASSERT_GT(truth.visits.at("beauty"), uint64_t(kCanaryBeautyVisits)) << "others must visit beauty too";

  cluster.StartAll();
  ASSERT_TRUE(cluster.WaitAll()) << cluster.Describe();
  for (const std::string& name : cluster.process_names()) {
    ASSERT_EQ(cluster.exit_code(name), 0) << name << "\n" << cluster.Describe();
  }

  // The canary did reach the computation: party1 saw it, and the published total includes it.
  std::optional<nlohmann::json> local1 = cluster.LocalJson(1);
  ASSERT_TRUE(local1.has_value());
  EXPECT_EQ((*local1)["visits"]["beauty"].get<uint64_t>(), uint64_t(kCanaryBeautyVisits));
  std::optional<nlohmann::json> run = cluster.RunJson();
  ASSERT_TRUE(run.has_value()) << cluster.Describe();
  EXPECT_EQ((*run)["total_visits"]["beauty"].get<uint64_t>(), truth.visits.at("beauty"));

  // Nothing of party1's own data anywhere else.
  std::vector<std::pair<std::string, std::string>> texts;  // (what, content)
  for (const std::string& name : cluster.process_names()) {
    if (name != "party1") texts.emplace_back("log of " + name, cluster.Log(name));
  }
  for (const auto& [owner, path] : cluster.OutputFiles()) {
    if (owner != "party1") texts.emplace_back("output " + path.string(), ReadFileOrEmpty(path));
  }
  ASSERT_GE(texts.size(), 5u);  // 3 logs and at least run.json and two local files
  for (const auto& [what, content] : texts) {
    EXPECT_EQ(content.find(kCanaryUser), std::string::npos) << what << " contains party1's canary user id";
    EXPECT_FALSE(ContainsWholeNumber(content, kCanaryBeautyVisits))
        << what << " contains party1's beauty subtotal";
    EXPECT_FALSE(ContainsWholeNumber(content, party1_total_visits))
        << what << " contains party1's visit total";
  }
  // The test can see a leak: party1's own local result does contain its subtotal.
  EXPECT_TRUE(ContainsWholeNumber(local1->dump(), kCanaryBeautyVisits));
}

}  // namespace
}  // namespace mpcstats::e2e
