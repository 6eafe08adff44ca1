// A party's contribution to a private query, in one call: calibrate (h from the policies), bound
// the contributions, aggregate, add each aggregate's discrete Gaussian, and charge the budget
// ledger. The returned payload is what gets secret-shared (the caller appends the check vector);
// it is returned only after the charge is committed, so no noisy contribution leaves a party
// unpaid. A run that fails after the charge stays charged: the conservative choice.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "common/core/budget_ledger.h"
#include "common/core/dp_accounting.h"
#include "common/core/query_plan.h"
#include "common/core/roster.h"
#include "common/core/secure_random.h"
#include "common/core/status.h"
#include "common/core/visit_table.h"

namespace mpcstats::core {

// Adds aggregate k's scale_k * N_Z(0, s_k^2) to every payload value, in place, mod 2^64 (a
// negative draw is added as its two's complement).
void AddDpNoise(const QueryPlan& plan, const DpCalibration& calibration, RandomSource& random,
                std::span<uint64_t> payload);

// Hex SHA-256 of the query's canonical JSON (what the ledger records).
std::string QueryDigest(const Query& query);

// The calibration every process derives for a run of the roster's parties of which
// `guaranteed_parties` are sure to be included (n without secure aggregation, the threshold with
// it): kPolicyRefused when h < 1, kBadInput when the noise is out of the sampler's range.
StatusOr<DpCalibration> CalibrateRun(const QueryPlan& plan, const Roster& roster, uint64_t guaranteed_parties);

struct DpRun {
  std::string run_id;
  uint64_t guaranteed_parties = 0;
};

// The noisy payload (plan.payload_length() values, room for the check vector reserved).
// Errors, all before anything leaves the party: those of CalibrateRun; kBadInput when the policy
// sets privacy_budget_rho and there is no ledger, or the data cannot answer the query;
// kInsufficientPrivacyBudget (from the ledger) when rho exceeds what remains.
StatusOr<std::vector<uint64_t>> MakeDpPayload(const QueryPlan& plan, const VisitTable& table, const Roster& roster,
                                              size_t party_index, const DpRun& run, RandomSource& random,
                                              BudgetLedger* ledger);

}  // namespace mpcstats::core
