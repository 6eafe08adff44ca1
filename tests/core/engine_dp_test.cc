// Private queries through the protocol engines, in one process (engine_harness.h): every party
// builds its input with BuildPartyInput (bounding, noise, budget charge), the shares and partial
// sums travel as in a real run, and the coordinator decodes the noisy totals. Refusals (require_dp,
// an exhausted budget, h < 1) stop the run before the refusing party sends anything, and nobody
// gets a result.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <set>
#include <nlohmann/json.hpp>

#include "common/core/dp_payload.h"
#include "common/core/noisy_result.h"
#include "common/core/party_input.h"
#include "common/core/query.h"
#include "common/core/query_aggregates.h"
#include "common/core/synthetic_data.h"
#include "common/report/noisy_query_report.h"
#include "tests/core/engine_harness.h"
#include "tests/support/memory_ledger.h"

namespace mpcstats::core::testing {
namespace {

using nlohmann::json;

using mpcstats::testing::MemoryLedger;

Roster DpRoster(const json& default_policy, const std::map<int, json>& party_policies = {}) {
  json r = {{"coordinator", {{"host", "127.0.0.1"}, {"port", 7000}}}, {"policy", default_policy}};
  r["parties"] = json::array();
  for (int i = 1; i <= 3; ++i) {
    json party = {{"id", "party" + std::to_string(i)}, {"host", "127.0.0.1"}, {"port", 7000 + i}};
    if (party_policies.count(i)) party["policy"] = party_policies.at(i);
    r["parties"].push_back(party);
  }
  auto roster = ParseRoster(r.dump());
  EXPECT_TRUE(roster.ok()) << roster.status().ToString();
  return *roster;
}

json CategoryQuery(std::optional<double> rho) {
  json q = {{"group_by", {"store_category"}}, {"metrics", {"visits", "active_users", "visits_per_user"}}};
  if (rho) {
    q["privacy"] = {{"rho", *rho}, {"delta", 1e-6}};
    // Loose enough that the synthetic users are not clipped: the bounded truth is the exact one.
    q["bounds"] = {{"max_visits_per_user_per_cell", 1000}, {"max_cells_per_user", 8}};
  }
  return q;
}

// A run of 3 parties over synthetic data, each party building its input as party/main.cc does.
struct PrivateRun {
  // secagg: `threshold` (0: the default, all 3) is the guaranteed number the noise is calibrated for.
  PrivateRun(const Roster& roster_in, const json& query_json, ProtocolKind protocol, MemoryLedger* ledger_in = nullptr,
             uint32_t threshold = 0, std::map<std::string, Fault> faults = {})
      : roster(roster_in), ledger(ledger_in) {
    auto query = ParseQuery(query_json.dump());
    EXPECT_TRUE(query.ok()) << query.status().ToString();
    auto made = QueryPlan::Make(*query, roster.categories, roster.districts);
    EXPECT_TRUE(made.ok()) << made.status().ToString();
    plan = std::make_shared<const QueryPlan>(std::move(made).value());
    HarnessOptions options;
    options.parameters.workload = WorkloadKind::kQuery;
    options.parameters.payload_length = plan->payload_length();
    options.parameters.protocol = protocol;
    options.parameters.query_json = QueryToJson(*query).dump();
    options.parameters.threshold = threshold;
    options.parameters.guaranteed_parties = threshold != 0 ? threshold : roster.num_parties();
    options.faults = std::move(faults);
    options.plan = plan;
    options.roster = roster;
    for (size_t i = 0; i < roster.num_parties(); ++i) {
      tables.push_back(std::make_unique<VisitTable>(
          GenerateSyntheticVisits({.users = 400, .seed = 11, .party_index = i,
                                   .num_categories = roster.categories.size(),
                                   .num_districts = roster.districts.size()})));
      randoms.push_back(std::make_unique<DeterministicRandom>(static_cast<uint8_t>(0x51 + i)));
      options.sources.push_back([this, i](const wire::Start& start, const std::string& run_id) {
        ++built[i];
        return BuildPartyInput(start, run_id,
                               {.visits = tables[i].get(), .random = randoms[i].get(), .ledger = ledger}, roster, i);
      });
    }
    harness = std::make_unique<Harness>(std::move(options));
  }

  // The exact totals, as a plaintext sum of the exact payloads of `parties` (indices; empty: all).
  std::vector<uint64_t> ExactTotals(const std::set<size_t>& parties = {}) const {
    std::vector<uint64_t> sum(plan->payload_length(), 0);
    for (size_t i = 0; i < tables.size(); ++i) {
      if (!parties.empty() && parties.count(i) == 0) continue;
      auto payload = ComputeQueryPayload(*tables[i], *plan, roster.num_parties());
      EXPECT_TRUE(payload.ok());
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += (*payload)[i];
    }
    return sum;
  }

  // Messages of each type each process sent.
  size_t Sent(const std::string& from, wire::Envelope::BodyCase type) const {
    size_t n = 0;
    for (const auto& sent : harness->transcript()) n += sent.from == from && sent.message.body_case() == type ? 1 : 0;
    return n;
  }
  size_t SentAnyShare(const std::string& from) const {
    return Sent(from, wire::Envelope::kShares) + Sent(from, wire::Envelope::kSeedShare) +
           Sent(from, wire::Envelope::kPartialSum) + Sent(from, wire::Envelope::kMaskedInput);
  }
  // The coordinator's verdict with a result: Done (mesh protocols) or SecAggResult.
  size_t ResultsSent() const {
    return Sent("coordinator", wire::Envelope::kDone) + Sent("coordinator", wire::Envelope::kSecaggResult);
  }

  Roster roster;
  MemoryLedger* ledger;
  std::shared_ptr<const QueryPlan> plan;
  std::vector<std::unique_ptr<VisitTable>> tables;
  std::vector<std::unique_ptr<DeterministicRandom>> randoms;
  std::map<size_t, int> built;
  std::unique_ptr<Harness> harness;
};

class EngineDpTest : public ::testing::TestWithParam<ProtocolKind> {};

TEST_P(EngineDpTest, NoisyTotalsAreWithinSixSigmaOfTheTruthAndMostDiffer) {
  MemoryLedger ledger;
  PrivateRun run(DpRoster({{"min_group_size", 1}, {"privacy_budget_rho", 2.0}}), CategoryQuery(0.5), GetParam(), &ledger);
  run.harness->RunToEnd();
  CoordinatorEngine& coordinator = run.harness->coordinator();
  ASSERT_TRUE(coordinator.outcome().ok()) << coordinator.outcome().ToString();
  RunResult& result = coordinator.result();
  ASSERT_TRUE(result.privacy.has_value());
  EXPECT_EQ(result.privacy->h, 3u);
  EXPECT_EQ(result.privacy->guaranteed_parties, 3u);
  EXPECT_DOUBLE_EQ(result.privacy->rho, 0.5);
  // Every party paid once, for this run, before its shares left.
  EXPECT_EQ(ledger.charges(), 3u);
  EXPECT_EQ(ledger.run_ids(), std::set<std::string>{result.run_id});

  const std::vector<uint64_t> exact = run.ExactTotals();
  const QueryPlan& plan = *run.plan;
  const auto& cells = result.noisy_query.cells;
  ASSERT_EQ(cells.size(), plan.num_cells());
  size_t values = 0, differ = 0;
  auto check = [&](int64_t noisy, uint64_t truth, DpAggregate aggregate, const std::string& what) {
    const double error = static_cast<double>(noisy - static_cast<int64_t>(truth));
    const double sd = result.privacy->For(aggregate).sum_sd;
    EXPECT_GT(sd, 0);
    EXPECT_LE(std::abs(error), 6 * sd) << what << ": noisy " << noisy << ", exact " << truth << ", sd " << sd;
    ++values;
    differ += error != 0 ? 1 : 0;
  };
  for (size_t c = 0; c < cells.size(); ++c) {
    const uint64_t* block = exact.data() + c * plan.fields_per_cell();
    check(cells[c].visits, block[QueryPlan::kVisitsField], DpAggregate::kVisits, "visits of cell " + std::to_string(c));
    check(cells[c].active_users, block[QueryPlan::kActiveUsersField], DpAggregate::kActiveUsers,
          "active users of cell " + std::to_string(c));
  }
  check(result.noisy_query.total_users, exact[plan.users_index()], DpAggregate::kUserTotal, "user total");
  EXPECT_GE(differ * 4, values * 3) << "noise was not added to most values";

  // The published rows carry each value's noise sd and interval.
  const json rows = NoisyQueryRowsJson(plan, result.noisy_query, *result.privacy);
  for (const json& row : rows) {
    ASSERT_FALSE(row["suppressed"].get<bool>());
    EXPECT_DOUBLE_EQ(row["noise_sd"]["visits"].get<double>(), result.privacy->For(DpAggregate::kVisits).sum_sd);
    EXPECT_TRUE(row["ci95"].contains("visits_per_user"));
  }
  // result.csv: the same values, each followed by its sd and interval.
  const std::string csv = report::NoisyQueryResultCsv(plan, result.noisy_query, *result.privacy);
  const std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_EQ(header,
            "store_category,visits,visits_noise_sd,visits_ci95_low,visits_ci95_high,active_users,"
            "active_users_noise_sd,active_users_ci95_low,active_users_ci95_high,visits_per_user,"
            "visits_per_user_noise_sd,visits_per_user_ci95_low,visits_per_user_ci95_high,suppressed");
  const std::string first = csv.substr(header.size() + 1, csv.find('\n', header.size() + 1) - header.size() - 1);
  EXPECT_EQ(first.substr(0, first.find(',', first.find(',') + 1)),
            fmt::format("{},{}", rows[0]["store_category"].get<std::string>(), rows[0]["visits"].get<int64_t>()));
}

TEST_P(EngineDpTest, RequireDpRefusesAnExactQueryBeforeTheRefusingPartySendsAnything) {
  PrivateRun run(DpRoster({{"min_group_size", 1}}, {{2, {{"require_dp", true}}}}), CategoryQuery(std::nullopt), GetParam());
  run.harness->RunToEnd();
  const Status& outcome = run.harness->coordinator().outcome();
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.ToString().find("POLICY_REFUSED"), std::string::npos) << outcome.ToString();
  EXPECT_NE(outcome.ToString().find("party2"), std::string::npos) << outcome.ToString();
  EXPECT_EQ(run.SentAnyShare("party2"), 0u);
  EXPECT_EQ(run.ResultsSent(), 0u) << "nobody gets a result";
}

TEST_P(EngineDpTest, ExhaustedBudgetIsRefusedNamingThePartyAndWhatRemains) {
  MemoryLedger ledger;
  // party3 has spent 0.8 of its 1.0 already; the query needs 0.5.
  ASSERT_TRUE(ledger.Charge({.party_id = "party3", .run_id = "earlier", .rho = 0.8}, 1.0).ok());
  PrivateRun run(DpRoster({{"min_group_size", 1}, {"privacy_budget_rho", 1.0}}), CategoryQuery(0.5), GetParam(), &ledger);
  run.harness->RunToEnd();
  const Status& outcome = run.harness->coordinator().outcome();
  ASSERT_FALSE(outcome.ok());
  const std::string text = outcome.ToString();
  EXPECT_NE(text.find("INSUFFICIENT_PRIVACY_BUDGET"), std::string::npos) << text;
  EXPECT_NE(text.find("party3: the query needs rho 0.5 but only 0.2 of its privacy budget 1 remains"),
            std::string::npos)
      << text;
  EXPECT_EQ(run.SentAnyShare("party3"), 0u);
  EXPECT_EQ(run.ResultsSent(), 0u) << "nobody gets a result";
  for (const char* id : {"party1", "party2", "party3"}) {
    EXPECT_FALSE(run.harness->engine(id).outcome().ok()) << id;
  }
  EXPECT_EQ(ledger.State("party3", 1.0)->spent_nano, ChargeNanoRho(0.8)) << "a refused charge records nothing";
}

TEST_P(EngineDpTest, NoiseOfNoPartySufficingIsRefusedBeforeAnythingIsComputed) {
  MemoryLedger ledger;
  // party1 assumes the other two parties pool what they see: with 3 guaranteed, h = 0.
  PrivateRun run(DpRoster({{"min_group_size", 1}}, {{1, {{"dp_max_colluding", 3}}}}), CategoryQuery(0.5), GetParam(),
            &ledger);
  run.harness->RunToEnd();
  const Status& outcome = run.harness->coordinator().outcome();
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.ToString().find("POLICY_REFUSED"), std::string::npos) << outcome.ToString();
  EXPECT_NE(outcome.ToString().find("h < 1"), std::string::npos) << outcome.ToString();
  EXPECT_EQ(ledger.charges(), 0u) << "nobody was charged";
  for (const char* id : {"party1", "party2", "party3"}) EXPECT_EQ(run.SentAnyShare(id), 0u) << id;
  EXPECT_EQ(run.ResultsSent(), 0u);
  // And the coordinator's own calibration refuses it too (coordinator/main.cc: exit 2 before listening).
  EXPECT_EQ(CalibrateRun(*run.plan, run.roster, 3).status().code(), Code::kPolicyRefused);
}

TEST_P(EngineDpTest, PrivateQueryWithABudgetButNoLedgerIsRefusedNamingTheParty) {
  PrivateRun run(DpRoster({{"min_group_size", 1}, {"privacy_budget_rho", 1.0}}), CategoryQuery(0.5), GetParam());
  run.harness->RunToEnd();
  const Status& outcome = run.harness->coordinator().outcome();
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.ToString().find("BAD_INPUT"), std::string::npos) << outcome.ToString();
  EXPECT_NE(outcome.ToString().find("--budget-ledger"), std::string::npos) << outcome.ToString();
  EXPECT_EQ(run.ResultsSent(), 0u);
}

// Secagg with T = 2 of 3: party3 drops before its masked input, the noisy sum over party1 and
// party2 is published, calibrated for h = 2 (their noise alone suffices).
TEST(EngineDpSecAggTest, DropoutAboveTheThresholdIsPublishedWithTheThresholdsNoise) {
  MemoryLedger ledger;
  PrivateRun run(DpRoster({{"min_group_size", 1}, {"privacy_budget_rho", 2.0}}), CategoryQuery(0.5),
                 ProtocolKind::kSecAgg, &ledger, /*threshold=*/2, {{"party3", Fault::kExitAfterShareKeys}});
  run.harness->RunToEnd();
  CoordinatorEngine& coordinator = run.harness->coordinator();
  ASSERT_TRUE(coordinator.outcome().ok()) << coordinator.outcome().ToString();
  const RunResult& result = coordinator.result();
  EXPECT_EQ(result.included_parties, (std::vector<std::string>{"party1", "party2"}));
  ASSERT_TRUE(result.privacy.has_value());
  EXPECT_EQ(result.privacy->guaranteed_parties, 2u);
  EXPECT_EQ(result.privacy->h, 2u);
  const std::vector<uint64_t> exact = run.ExactTotals({0, 1});
  const QueryPlan& plan = *run.plan;
  ASSERT_EQ(result.noisy_query.cells.size(), plan.num_cells());
  size_t differ = 0;
  for (size_t c = 0; c < plan.num_cells(); ++c) {
    const int64_t truth = static_cast<int64_t>(exact[c * plan.fields_per_cell() + QueryPlan::kVisitsField]);
    const double error = static_cast<double>(result.noisy_query.cells[c].visits - truth);
    EXPECT_LE(std::abs(error), 6 * result.privacy->For(DpAggregate::kVisits).sum_sd) << "cell " << c;
    differ += error != 0 ? 1 : 0;
  }
  EXPECT_GT(differ * 2, plan.num_cells()) << "most cells should differ from the exact sum";
  const double users_error =
      static_cast<double>(result.noisy_query.total_users - static_cast<int64_t>(exact[plan.users_index()]));
  EXPECT_LE(std::abs(users_error), 6 * result.privacy->For(DpAggregate::kUserTotal).sum_sd);
}

// Secagg with the default T = 3 of 3: one dropout leaves fewer parties than the noise assumed, and
// the run aborts (the threshold rule) without publishing.
TEST(EngineDpSecAggTest, DropoutBelowTheCalibratedPartiesPublishesNothing) {
  MemoryLedger ledger;
  PrivateRun run(DpRoster({{"min_group_size", 1}, {"privacy_budget_rho", 2.0}}), CategoryQuery(0.5),
                 ProtocolKind::kSecAgg, &ledger, /*threshold=*/0, {{"party2", Fault::kExitAfterShareKeys}});
  run.harness->RunToEnd();
  const Status& outcome = run.harness->coordinator().outcome();
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.code(), Code::kNotEnoughParties) << outcome.ToString();
  EXPECT_EQ(run.ResultsSent(), 0u);
}

INSTANTIATE_TEST_SUITE_P(EveryProtocol, EngineDpTest,
                         ::testing::Values(ProtocolKind::kSeeded, ProtocolKind::kFull, ProtocolKind::kSecAgg),
                         [](const auto& info) { return std::string(ProtocolName(info.param)); });

}  // namespace
}  // namespace mpcstats::core::testing
