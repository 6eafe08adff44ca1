// Contribution bounding against the independent plaintext reference (tests/plain) applying the
// same bounds, and the random choice of cells when a user has more than max_cells_per_user.
#include "common/core/contribution_bounds.h"

#include <gtest/gtest.h>
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "common/core/csv_reader.h"
#include "common/core/query.h"
#include "common/core/query_aggregates.h"
#include "common/core/query_result.h"
#include "common/report/query_report.h"
#include "tests/plain/plain_query.h"

namespace mpcstats::core {
namespace {

using nlohmann::json;

const std::vector<std::string> kCategories = {"grocery", "clothing", "pharmacy"};
const std::vector<std::string> kDistricts = {"north", "south"};

AesKey Key(uint8_t tag) {
  AesKey key{};
  key[0] = tag;
  return key;
}

// Random visits CSV: `users` users with up to 12 visits each over the categories, spend 0..30.00.
// std::mt19937 only makes test data; nothing secret comes from it.
std::string RandomCsv(uint32_t seed, int users, int categories_per_user) {
  std::mt19937 rng(seed);
  std::string out = "user_id,store_category,timestamp,district,is_weekend,spend\n";
  for (int u = 0; u < users; ++u) {
    const int visits = 1 + static_cast<int>(rng() % 12);
    for (int v = 0; v < visits; ++v) {
      const size_t category = (u + rng() % categories_per_user) % kCategories.size();
      const int day = 5 + static_cast<int>(rng() % 7);  // 2026-01-05 (Mon) .. 2026-01-11 (Sun)
      out += fmt::format("u{},{},2026-01-{:02d}T{:02d}:00:00,{},{},{}.{:02d}\n", u, kCategories[category], day,
                         8 + rng() % 10, kDistricts[rng() % 2], day >= 10 ? 1 : 0, rng() % 30, rng() % 100);
    }
  }
  return out;
}

class ContributionBoundsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("mpcstats_bounds_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  std::filesystem::path dir_;
};

json BoundedQuery(json group_by, uint64_t cells) {
  return {{"group_by", std::move(group_by)},
          {"metrics",
           json::parse(R"(["visits", "active_users", "visits_per_user", "var_visits_per_active_user",
             "weekend_share", "spend_sum", "spend_mean", {"histogram_visits_per_active_user": [1, 2, 3]}])")},
          {"privacy", {{"rho", 1}, {"delta", 1e-6}}},
          {"bounds", {{"max_visits_per_user_per_cell", 3}, {"max_cells_per_user", cells}, {"max_spend_per_visit", 12.5}}}};
}

// The bounded aggregates of one party, decoded and published exactly (no noise here).
json BoundedRows(const json& query_json, const VisitTable& table, RandomSource& random) {
  auto query = ParseQuery(query_json.dump());
  EXPECT_TRUE(query.ok()) << query.status().ToString();
  auto plan = QueryPlan::Make(*query, kCategories, kDistricts);
  auto payload = ComputeBoundedQueryPayload(table, *plan, 1, 1, random);
  EXPECT_TRUE(payload.ok()) << payload.status().ToString();
  auto result = DecodeQueryResult(*payload, *plan, 1);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  return report::QueryRowsJson(*plan, *result);
}

TEST_F(ContributionBoundsTest, VisitAndSpendBoundsMatchThePlaintextReference) {
  for (uint32_t seed : {1u, 2u, 3u}) {
    const std::string path = Write("p.csv", RandomCsv(seed, 60, 3));
    auto table = ReadVisitsCsvFiles({path}, kCategories, kDistricts);
    ASSERT_TRUE(table.ok()) << table.status().ToString();
    AesCtrPrg prg(Key(1));
    // Three cells, so max_cells_per_user = 3 never binds: the bounds are deterministic.
    const json query = BoundedQuery({"store_category"}, 3);
    const json expected = testing::PlainQueryRows(query, {{path}}, kCategories, kDistricts, 1);
    EXPECT_TRUE(testing::RowsMatch(BoundedRows(query, *table, prg), expected)) << "seed " << seed;
    // The bounds bind on this data: the unbounded answer differs.
    json unbounded = query;
    unbounded.erase("bounds");
    unbounded.erase("privacy");
    EXPECT_FALSE(testing::RowsMatch(testing::PlainQueryRows(unbounded, {{path}}, kCategories, kDistricts, 1), expected));
  }
}

TEST_F(ContributionBoundsTest, AUserKeepsAtMostMaxCellsChosenUniformly) {
  const std::string path = Write("p.csv", RandomCsv(7, 80, 3));
  auto table = ReadVisitsCsvFiles({path}, kCategories, kDistricts);
  ASSERT_TRUE(table.ok());
  auto query = ParseQuery(BoundedQuery({"store_category"}, 1).dump());
  auto plan = QueryPlan::Make(*query, kCategories, kDistricts);
  AesCtrPrg prg(Key(2));
  const VisitTable bounded = BoundContributions(*table, *plan, 1, prg);
  // Every user keeps exactly one cell and at most 3 visits there, and every user keeps a cell.
  std::map<uint32_t, std::map<uint16_t, int>> kept;
  for (size_t r = 0; r < bounded.size(); ++r) ++kept[bounded.user[r]][bounded.category[r]];
  EXPECT_EQ(kept.size(), table->num_users);
  for (const auto& [user, cells] : kept) {
    EXPECT_EQ(cells.size(), 1u) << "user " << user;
    for (const auto& [cell, visits] : cells) EXPECT_LE(visits, 3);
  }
  EXPECT_EQ(bounded.num_users, table->num_users);

  // One user with visits in all three categories: each is kept with probability 1/3.
  VisitTable one;
  one.has_spend = true;
  one.num_users = 1;
  for (uint16_t c = 0; c < 3; ++c) {
    one.user.push_back(0);
    one.category.push_back(c);
    one.timestamp.push_back(1767600000);
    one.district.push_back(0);
    one.is_weekend.push_back(0);
    one.spend.push_back(100);
  }
  constexpr int kRuns = 30'000;
  std::map<uint16_t, int> chosen;
  for (int i = 0; i < kRuns; ++i) {
    const VisitTable b = BoundContributions(one, *plan, 1, prg);
    ASSERT_EQ(b.size(), 1u);
    ++chosen[b.category[0]];
  }
  for (uint16_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(chosen[c], kRuns / 3.0, 5 * std::sqrt(kRuns * 2.0 / 9)) << "category " << c;
  }
}

TEST_F(ContributionBoundsTest, SpendIsRoundedToTheGranularity) {
  auto query = ParseQuery(BoundedQuery(json::array(), 1).dump());
  auto plan = QueryPlan::Make(*query, kCategories, kDistricts);
  VisitTable t;
  t.has_spend = true;
  t.num_users = 1;
  for (int64_t spend : {149, 150, 5'000'000}) {
    t.user.push_back(0);
    t.category.push_back(0);
    t.timestamp.push_back(1767600000);
    t.district.push_back(0);
    t.is_weekend.push_back(0);
    t.spend.push_back(spend);
  }
  AesCtrPrg prg(Key(3));
  const VisitTable b = BoundContributions(t, *plan, 100, prg);
  // 149 -> 100, 150 -> 200 (half up), 500.0000 clamped to 12.5 = 125000 units, a multiple of 100.
  EXPECT_EQ(b.spend, (std::vector<int64_t>{100, 200, 125000}));
}

}  // namespace
}  // namespace mpcstats::core
