// A private query end to end inside one process: three parties' MakeDpPayload (bounding, noise,
// ledger charge), the sum mod 2^64 as the secure sum would reveal it, and the noisy decoding.
#include "common/core/dp_payload.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "common/core/contribution_bounds.h"
#include "common/core/noisy_result.h"
#include "common/core/query.h"
#include "common/core/synthetic_data.h"
#include "tests/support/memory_ledger.h"

namespace mpcstats::core {
namespace {

using nlohmann::json;

using mpcstats::testing::MemoryLedger;

Roster MakeRoster(json policy) {
  json r = {{"coordinator", {{"host", "127.0.0.1"}, {"port", 7000}}},
            {"policy", std::move(policy)},
            {"parties",
             {{{"id", "p1"}, {"host", "127.0.0.1"}, {"port", 7001}},
              {{"id", "p2"}, {"host", "127.0.0.1"}, {"port", 7002}},
              {{"id", "p3"}, {"host", "127.0.0.1"}, {"port", 7003}}}}};
  auto roster = ParseRoster(r.dump());
  EXPECT_TRUE(roster.ok()) << roster.status().ToString();
  return *roster;
}

QueryPlan HourPlan(double rho, const Roster& roster) {
  auto query = ParseQuery(json{{"group_by", {"hour_of_day"}},
                               {"metrics", {"visits", "active_users", "visits_per_active_user", "spend_sum"}},
                               {"privacy", {{"rho", rho}, {"delta", 1e-6}}},
                               {"bounds",
                                {{"max_visits_per_user_per_cell", 3},
                                 {"max_cells_per_user", 24},
                                 {"max_spend_per_visit", 50}}}}
                              .dump());
  EXPECT_TRUE(query.ok()) << query.status().ToString();
  return *QueryPlan::Make(*query, roster.categories, roster.districts);
}

AesKey Key(uint8_t tag) {
  AesKey key{};
  key[3] = tag;
  return key;
}

TEST(DpPayloadTest, NoisyTotalsAreWithinSixSigmaOfTheBoundedTruthAndMostDiffer) {
  const Roster roster = MakeRoster({{"min_group_size", 1}, {"privacy_budget_rho", 1.0}});
  const QueryPlan plan = HourPlan(0.5, roster);
  auto calibration = CalibrateRun(plan, roster, 3);
  ASSERT_TRUE(calibration.ok()) << calibration.status().ToString();
  EXPECT_EQ(calibration->h, 3u);

  MemoryLedger ledger;
  std::vector<uint64_t> noisy(plan.payload_length(), 0), truth(plan.payload_length(), 0);
  for (size_t p = 0; p < 3; ++p) {
    const VisitTable table = GenerateSyntheticVisits({.users = 300, .seed = 9, .party_index = p,
                                                      .num_categories = roster.categories.size(),
                                                      .num_districts = roster.districts.size()});
    AesCtrPrg random(Key(static_cast<uint8_t>(p)));
    auto payload = MakeDpPayload(plan, table, roster, p, {.run_id = "run-1", .guaranteed_parties = 3}, random, &ledger);
    ASSERT_TRUE(payload.ok()) << payload.status().ToString();
    AesCtrPrg unused(Key(99));  // 24 cells >= max_cells_per_user: the bounded truth needs no random choice
    auto exact = ComputeBoundedQueryPayload(table, plan, calibration->spend_granularity, 3, unused);
    ASSERT_TRUE(exact.ok());
    for (size_t i = 0; i < noisy.size(); ++i) {
      noisy[i] += (*payload)[i];
      truth[i] += (*exact)[i];
    }
  }
  EXPECT_EQ(ledger.charges(), 3u);

  size_t differ = 0;
  for (size_t i = 0; i < noisy.size(); ++i) {
    const double error = static_cast<double>(static_cast<int64_t>(noisy[i] - truth[i]));
    const double sd = calibration->For(AggregateAt(plan, i)).sum_sd;
    EXPECT_LE(std::abs(error), 6 * sd) << "value " << i;
    differ += noisy[i] != truth[i] ? 1 : 0;
  }
  EXPECT_GT(differ, noisy.size() * 3 / 4) << "noise was not added to most values";

  auto result = DecodeNoisyQueryResult(noisy, plan, 1);
  ASSERT_TRUE(result.ok());
  const json rows = NoisyQueryRowsJson(plan, *result, *calibration);
  ASSERT_EQ(rows.size(), 24u);
  for (const json& row : rows) {
    if (row["suppressed"].get<bool>()) continue;
    EXPECT_DOUBLE_EQ(row["noise_sd"]["visits"].get<double>(), calibration->For(DpAggregate::kVisits).sum_sd);
    EXPECT_LT(row["ci95"]["visits"][0].get<double>(), row["visits"].get<double>());
    EXPECT_GT(row["ci95"]["visits"][1].get<double>(), row["visits"].get<double>());
  }
}

TEST(DpPayloadTest, DecodingIsSignedAndSuppressesOnNoisyCounts) {
  const Roster roster = MakeRoster({{"min_group_size", 5}});
  const QueryPlan plan = HourPlan(1, roster);
  auto calibration = CalibrateRun(plan, roster, 3);
  ASSERT_TRUE(calibration.ok());
  std::vector<uint64_t> payload(plan.payload_length(), 0);
  const size_t f = plan.fields_per_cell();
  payload[0 * f + QueryPlan::kVisitsField] = static_cast<uint64_t>(int64_t{-3});  // noise pushed it below 0
  payload[0 * f + QueryPlan::kActiveUsersField] = 9;
  payload[1 * f + QueryPlan::kVisitsField] = 40;
  payload[1 * f + QueryPlan::kActiveUsersField] = 4;  // below min_group_size 5
  payload[2 * f + QueryPlan::kVisitsField] = 10;
  payload[2 * f + QueryPlan::kActiveUsersField] = 5;
  payload[plan.users_index()] = 100;
  auto result = DecodeNoisyQueryResult(payload, plan, 5);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->cells[0].visits, -3);
  EXPECT_FALSE(result->cells[0].suppressed);
  EXPECT_TRUE(result->cells[1].suppressed);
  EXPECT_FALSE(result->cells[2].suppressed);
  // More active users than visits, or negative visits, is no CHECK_FAILED here.
  const NoisyValue per_user = NoisyMetricValue(Metric::kVisitsPerActiveUser, result->cells[0], 100, *calibration);
  ASSERT_TRUE(per_user.value.has_value());
  EXPECT_DOUBLE_EQ(*per_user.value, -3.0 / 9);
  NoisyCellTotals zero = result->cells[2];
  zero.active_users = 0;
  zero.suppressed = false;
  EXPECT_FALSE(NoisyMetricValue(Metric::kVisitsPerActiveUser, zero, 100, *calibration).value.has_value());
  NoisyCellTotals skewed = result->cells[2];
  skewed.sum_squares = 1;  // q / n < (v / n)^2: the variance is clamped at 0
  EXPECT_EQ(*NoisyMetricValue(Metric::kVarVisitsPerActiveUser, skewed, 100, *calibration).value, 0.0);
  const json rows = NoisyQueryRowsJson(plan, *result, *calibration);
  EXPECT_TRUE(rows[1]["visits"].is_null());
  EXPECT_EQ(rows[0]["visits"], -3);
}

TEST(DpPayloadTest, RefusalsComeBeforeAnythingLeaves) {
  const VisitTable table = GenerateSyntheticVisits({.users = 50, .seed = 1, .party_index = 0, .num_categories = 8, .num_districts = 6});
  AesCtrPrg random(Key(7));
  MemoryLedger ledger;
  // Budget 1, query rho 0.6: the second run of the same party is refused.
  const Roster budgeted = MakeRoster({{"privacy_budget_rho", 1.0}});
  const QueryPlan plan = HourPlan(0.6, budgeted);
  ASSERT_TRUE(MakeDpPayload(plan, table, budgeted, 0, {.run_id = "a", .guaranteed_parties = 3}, random, &ledger).ok());
  auto second = MakeDpPayload(plan, table, budgeted, 0, {.run_id = "b", .guaranteed_parties = 3}, random, &ledger);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kInsufficientPrivacyBudget);
  // A budget needs a ledger to be kept in.
  auto no_ledger = MakeDpPayload(plan, table, budgeted, 0, {.run_id = "c", .guaranteed_parties = 3}, random, nullptr);
  EXPECT_EQ(no_ledger.status().code(), Code::kBadInput);
  // h < 1: every party assumes the other two collude, and only 2 are guaranteed.
  const Roster paranoid = MakeRoster({{"dp_max_colluding", 2}});
  auto refused = MakeDpPayload(HourPlan(0.6, paranoid), table, paranoid, 0, {.run_id = "d", .guaranteed_parties = 2},
                               random, &ledger);
  EXPECT_EQ(refused.status().code(), Code::kPolicyRefused);
  EXPECT_EQ(ledger.charges(), 1u);
}

}  // namespace
}  // namespace mpcstats::core
