// Calibration of private queries: exact budget split, sensitivities under the bounds, the
// distributed-noise accounting, epsilon from rho, h from the policies, and the DP policy keys.
#include "common/core/dp_accounting.h"

#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "common/core/policy.h"
#include "common/core/query.h"
#include "common/core/query_plan.h"
#include "common/core/roster.h"

namespace mpcstats::core {
namespace {

using nlohmann::json;

QueryPlan PrivatePlan(double rho, json metrics, json group_by = {"store_category"}, uint64_t cells = 4) {
  json q = {{"group_by", group_by},
            {"metrics", metrics},
            {"privacy", {{"rho", rho}, {"delta", 1e-6}}},
            {"bounds", {{"max_visits_per_user_per_cell", 20}, {"max_cells_per_user", cells}, {"max_spend_per_visit", 500}}}};
  auto query = ParseQuery(q.dump());
  EXPECT_TRUE(query.ok()) << query.status().ToString();
  auto plan = QueryPlan::Make(*query, DefaultCategories(), DefaultDistricts());
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  return *plan;
}

json AllMetrics() {
  return json::parse(R"(["visits", "active_users", "visits_per_user", "var_visits_per_active_user",
    "weekend_share", "spend_sum", {"histogram_visits_per_active_user": [1, 2, 5]}])");
}

TEST(DpAccountingTest, RhoSharesAddUpToExactlyRho) {
  for (double rho : {0.25, 0.1, 1.0 / 3, 1e-6, 100.0, 0.7}) {
    for (const json& metrics : {json{"visits"}, AllMetrics(), json{"visits", "weekend_share"}}) {
      const QueryPlan plan = PrivatePlan(rho, metrics);
      auto shares = RhoShares(plan);
      ASSERT_TRUE(shares.ok()) << shares.status().ToString();
      EXPECT_EQ(shares->size(), PlanAggregates(plan).size());
      Rational sum{0, 1};
      for (const Rational& share : *shares) {
        auto next = AddRationals(sum, share);
        ASSERT_TRUE(next.ok());
        sum = *next;
      }
      EXPECT_EQ(sum, *RationalFromDouble(rho)) << "rho = " << rho << ", metrics " << metrics.dump();
      EXPECT_EQ(RationalFromDouble(rho)->ToDouble(), rho);  // the rational is the double itself
    }
  }
}

TEST(DpAccountingTest, SensitivitiesUnderTheBounds) {
  const QueryPlan plan = PrivatePlan(0.25, AllMetrics());
  // V = 20, C = 4 (of 6 categories), S = 500 = 5e6 fixed-point units.
  EXPECT_EQ(SensitivitySquared(plan, DpAggregate::kVisits), 20u * 20 * 4);
  EXPECT_EQ(SensitivitySquared(plan, DpAggregate::kActiveUsers), 4u);
  EXPECT_EQ(SensitivitySquared(plan, DpAggregate::kSumSquares), 20u * 20 * 20 * 20 * 4);
  EXPECT_EQ(SensitivitySquared(plan, DpAggregate::kWeekendVisits), 20u * 20 * 4);
  EXPECT_EQ(SensitivitySquared(plan, DpAggregate::kSpend), static_cast<uint128>(20 * 20) * 5'000'000 * 5'000'000 * 4);
  EXPECT_EQ(SensitivitySquared(plan, DpAggregate::kHistogram), 4u);
  EXPECT_EQ(SensitivitySquared(plan, DpAggregate::kUserTotal), 1u);
  // A user cannot be in more cells than exist: C is capped at the plan's 2 cells.
  const QueryPlan weekend = PrivatePlan(0.25, {"visits"}, {"is_weekend"}, 50);
  EXPECT_EQ(SensitivitySquared(weekend, DpAggregate::kVisits), 20u * 20 * 2);
}

TEST(DpAccountingTest, EveryPayloadValueBelongsToOneAggregate) {
  const QueryPlan plan = PrivatePlan(0.25, AllMetrics());
  std::map<DpAggregate, size_t> counts;
  for (size_t i = 0; i < plan.payload_length(); ++i) ++counts[AggregateAt(plan, i)];
  size_t total = 0;
  for (DpAggregate a : PlanAggregates(plan)) {
    EXPECT_EQ(counts[a], AggregateDimension(plan, a)) << DpAggregateName(a);
    total += counts[a];
  }
  EXPECT_EQ(total, plan.payload_length());
  EXPECT_EQ(AggregateAt(plan, plan.users_index()), DpAggregate::kUserTotal);
}

TEST(DpAccountingTest, DistributedGaussianBound) {
  // One party: exactly the discrete Gaussian's Delta^2 / (2 s^2).
  EXPECT_DOUBLE_EQ(DistributedGaussianRho(16, 8, 1, 10), 1.0);
  // Large s: the sum of n parties behaves like one Gaussian of variance n s^2.
  EXPECT_NEAR(DistributedGaussianRho(16, 8, 4, 10), 0.25, 1e-12);
  // Small s: the sum is visibly not a discrete Gaussian and the bound says so.
  EXPECT_GT(DistributedGaussianRho(1, 0.25, 3, 100), 1.0 / (2 * 3 * 0.25));
}

TEST(DpAccountingTest, CalibrationSpendsAtMostEachShare) {
  for (double rho : {0.01, 0.25, 4.0}) {
    const QueryPlan plan = PrivatePlan(rho, AllMetrics());
    auto calibration = CalibrateDp(plan, 2, 3);
    ASSERT_TRUE(calibration.ok()) << calibration.status().ToString();
    EXPECT_EQ(calibration->aggregates.size(), PlanAggregates(plan).size());
    double total = 0;
    for (const AggregateCalibration& a : calibration->aggregates) {
      const double share = a.rho_share.ToDouble();
      EXPECT_LE(a.rho_accounted, share) << DpAggregateName(a.aggregate);
      // The bound is checked for every possible number of honest parties (2 and 3 here).
      EXPECT_LE(DistributedGaussianRho(static_cast<double>(a.sensitivity_squared), a.party_variance, 2, a.dimension), share);
      EXPECT_LE(DistributedGaussianRho(static_cast<double>(a.sensitivity_squared), a.party_variance, 3, a.dimension), share);
      EXPECT_GE(a.party_variance, 0.25);
      total += a.rho_accounted;
      if (a.aggregate == DpAggregate::kSpend) {
        // Far from the discretisation: the continuous calibration Delta^2 / (2 rho_k h), rounded up.
        const double expected = static_cast<double>(a.sensitivity_squared) / (2 * share * 2);
        EXPECT_NEAR(a.party_variance / expected, 1, 1e-6);
        EXPECT_EQ(a.scale, calibration->spend_granularity);
        EXPECT_NEAR(a.sum_sd, static_cast<double>(a.scale) * std::sqrt(3 * a.party_variance), 1e-6 * a.sum_sd);
        // The granularity is far below the noise, and keeps the sampler in range.
        EXPECT_LE(static_cast<double>(a.scale), a.sum_sd / 0x1p20);
        EXPECT_LE(a.party_variance, 0x1p61);
        EXPECT_EQ(a.sensitivity_squared, SensitivitySquared(plan, DpAggregate::kSpend, a.scale));
        if (rho == 0.01) {
          EXPECT_GT(a.scale, 1u);  // sigma ~ 2.7e9 units: beyond the sampler without a granularity
        }
      }
    }
    EXPECT_LE(calibration->rho_accounted, rho);
    EXPECT_NEAR(calibration->rho_accounted, total, 1e-15);
    EXPECT_GT(calibration->epsilon, rho);
    const json report = calibration->ToJson(plan.query());
    EXPECT_EQ(report["h"], 2);
    EXPECT_EQ(report["rho"], rho);
    EXPECT_TRUE(report["sigma"].contains("visits"));
    EXPECT_EQ(report["bounds"]["max_cells_per_user"], 4);
  }
}

TEST(DpAccountingTest, NoiseTooLargeForTheSamplerIsAQueryError) {
  json q = {{"metrics", {"var_visits_per_active_user"}},
            {"privacy", {{"rho", 1e-6}, {"delta", 1e-6}}},
            {"bounds", {{"max_visits_per_user_per_cell", 1000000}, {"max_cells_per_user", 1}, {"max_spend_per_visit", 1000000}}}};
  auto plan = QueryPlan::Make(*ParseQuery(q.dump()), DefaultCategories(), DefaultDistricts());
  auto calibration = CalibrateDp(*plan, 1, 2);
  ASSERT_FALSE(calibration.ok());
  EXPECT_EQ(calibration.status().code(), Code::kBadInput);
  EXPECT_NE(calibration.status().message().find("raise privacy.rho or lower the bounds"), std::string::npos);
  EXPECT_NE(calibration.status().message().find("sum_squared_visits_per_user"), std::string::npos)
      << calibration.status().message();
}

// Independent brute force over a fine grid of Renyi orders.
double BruteEpsilon(double rho, double delta) {
  double best = 1e300;
  for (double a = 1.0001; a < 2000; a *= 1.0001) {
    best = std::min(best, a * rho + (std::log(1 / delta) + (a - 1) * std::log(1 - 1 / a) - std::log(a)) / (a - 1));
  }
  return best;
}

TEST(DpAccountingTest, EpsilonFromRhoIsTheTightConversion) {
  for (double rho : {0.01, 0.25, 1.0, 5.0}) {
    for (double delta : {1e-6, 1e-9, 1e-3}) {
      const double eps = EpsilonFromRho(rho, delta);
      EXPECT_NEAR(eps, BruteEpsilon(rho, delta), 1e-6) << rho << " " << delta;
      EXPECT_LT(eps, rho + 2 * std::sqrt(rho * std::log(1 / delta)));
      EXPECT_GT(eps, rho);
    }
  }
}

Roster ThreeParties(uint64_t colluding_of_p2) {
  json roster = {{"coordinator", {{"host", "127.0.0.1"}, {"port", 7000}}},
                 {"parties",
                  {{{"id", "p1"}, {"host", "127.0.0.1"}, {"port", 7001}},
                   {{"id", "p2"}, {"host", "127.0.0.1"}, {"port", 7002}, {"policy", {{"dp_max_colluding", colluding_of_p2}}}},
                   {{"id", "p3"}, {"host", "127.0.0.1"}, {"port", 7003}, {"policy", {{"dp_max_colluding", 1}}}}}}};
  auto parsed = ParseRoster(roster.dump());
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return *parsed;
}

TEST(DpAccountingTest, HIsGuaranteedPartiesMinusTheLargestColludingAssumption) {
  EXPECT_EQ(*NoiseParties(ThreeParties(0), 3), 2u);
  EXPECT_EQ(*NoiseParties(ThreeParties(2), 3), 1u);
  auto refused = NoiseParties(ThreeParties(3), 3);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kPolicyRefused);
  EXPECT_NE(refused.status().message().find("p2 assumes up to 3 colluding parties"), std::string::npos)
      << refused.status().message();
  EXPECT_FALSE(NoiseParties(ThreeParties(0), 1).ok());  // e.g. a secagg threshold of 1 with p3's assumption
}

TEST(DpPolicyTest, KeysParseAndEnterTheDigest) {
  json roster = {{"coordinator", {{"host", "127.0.0.1"}, {"port", 7000}}},
                 {"policy", {{"privacy_budget_rho", 2.5}, {"require_dp", true}}},
                 {"parties",
                  {{{"id", "p1"}, {"host", "127.0.0.1"}, {"port", 7001}},
                   {{"id", "p2"}, {"host", "127.0.0.1"}, {"port", 7002}, {"policy", {{"dp_max_colluding", 1}}}}}}};
  auto parsed = ParseRoster(roster.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->parties[0].policy.privacy_budget_rho, 2.5);
  EXPECT_TRUE(parsed->parties[1].policy.require_dp);
  EXPECT_EQ(parsed->parties[0].policy.dp_max_colluding, 0u);
  EXPECT_EQ(parsed->parties[1].policy.dp_max_colluding, 1u);
  json other = roster;
  other["policy"]["privacy_budget_rho"] = 2.0;
  EXPECT_NE(ParseRoster(other.dump())->Digest(), parsed->Digest());

  const auto error = [&](json policy) {
    json r = roster;
    r["parties"][1]["policy"] = std::move(policy);
    auto p = ParseRoster(r.dump());
    return p.ok() ? std::string("(parsed)") : p.status().message();
  };
  EXPECT_EQ(error({{"privacy_budget_rho", -1}}),
            "roster: p2: policy: privacy_budget_rho must be a number in (0, 1000000], got '-1'");
  EXPECT_EQ(error({{"privacy_budget_rho", "1"}}),
            "roster: p2: policy: privacy_budget_rho must be a number in (0, 1000000], got '\"1\"'");
  EXPECT_EQ(error({{"require_dp", 1}}), "roster: p2: policy: require_dp must be true or false");
  EXPECT_EQ(error({{"dp_max_colluding", -1}}),
            "roster: p2: policy: dp_max_colluding must be an integer in [0, 1000], got '-1'");
  EXPECT_EQ(error({{"dp_max_colluding", 1.5}}),
            "roster: p2: policy: dp_max_colluding must be an integer in [0, 1000], got '1.5'");
}

TEST(DpPolicyTest, RequireDpRefusesExactQueries) {
  DisclosurePolicy policy;
  policy.require_dp = true;
  auto exact = ParseQuery(R"({"metrics": ["visits"]})");
  const Status refused = CheckQueryAllowed(*exact, policy, "p2");
  EXPECT_EQ(refused.code(), Code::kPolicyRefused);
  EXPECT_NE(refused.message().find("p2 refuses the query: its policy requires differential privacy"), std::string::npos);
  auto private_query = ParseQuery(
      R"({"metrics": ["visits"], "privacy": {"rho": 1, "delta": 1e-6}, "bounds": {"max_visits_per_user_per_cell": 5, "max_cells_per_user": 1}})");
  ASSERT_TRUE(private_query.ok()) << private_query.status().ToString();
  EXPECT_TRUE(CheckQueryAllowed(*private_query, policy, "p2").ok());
}

}  // namespace
}  // namespace mpcstats::core
