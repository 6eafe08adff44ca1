#include "common/core/dp_payload.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include "common/core/contribution_bounds.h"
#include "common/core/random_integers.h"

namespace mpcstats::core {

void AddDpNoise(const QueryPlan& plan, const DpCalibration& calibration, RandomSource& random,
                std::span<uint64_t> payload) {
  RandomIntegers integers(random);
  // The calibration of each field of a cell's block, looked up once.
  std::vector<const AggregateCalibration*> by_field(plan.fields_per_cell());
  for (size_t f = 0; f < by_field.size(); ++f) by_field[f] = &calibration.For(AggregateAt(plan, f));
  const AggregateCalibration& users = calibration.For(DpAggregate::kUserTotal);
  for (size_t i = 0; i < payload.size(); ++i) {
    const AggregateCalibration& a = i >= plan.users_index() ? users : *by_field[i % plan.fields_per_cell()];
    const int64_t noise = a.noise.Sample(integers);
    payload[i] += static_cast<uint64_t>(noise) * a.scale;  // mod 2^64, two's complement
  }
}

std::string QueryDigest(const Query& query) {
  const std::string canonical = QueryToJson(query).dump();
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int md_len = 0;
  if (EVP_Digest(canonical.data(), canonical.size(), md, &md_len, EVP_sha256(), nullptr) != 1) return {};
  std::string hex;
  for (unsigned int i = 0; i < md_len; ++i) hex += fmt::format("{:02x}", md[i]);
  return hex;
}

StatusOr<DpCalibration> CalibrateRun(const QueryPlan& plan, const Roster& roster, uint64_t guaranteed_parties) {
  auto h = NoiseParties(roster, guaranteed_parties);
  if (!h.ok()) return h.status();
  auto calibration = CalibrateDp(plan, *h, roster.num_parties());
  if (calibration.ok()) calibration->guaranteed_parties = guaranteed_parties;
  return calibration;
}

StatusOr<std::vector<uint64_t>> MakeDpPayload(const QueryPlan& plan, const VisitTable& table, const Roster& roster,
                                              size_t party_index, const DpRun& run, RandomSource& random,
                                              BudgetLedger* ledger) {
  if (party_index >= roster.num_parties()) return Status(Code::kInternal, "party index outside the roster");
  const PartyEntry& self = roster.parties[party_index];
  const Query& query = plan.query();
  if (!query.privacy) return Status(Code::kInternal, "MakeDpPayload of an exact query");
  if (self.policy.privacy_budget_rho && ledger == nullptr) {
    return Status(Code::kBadInput, fmt::format("{}: its policy sets privacy_budget_rho but the party has no "
                                               "--budget-ledger to keep it in",
                                               self.id));
  }
  auto calibration = CalibrateRun(plan, roster, run.guaranteed_parties);
  if (!calibration.ok()) return calibration.status();
  auto payload = ComputeBoundedQueryPayload(table, plan, calibration->spend_granularity, roster.num_parties(), random);
  if (!payload.ok()) return payload.status().WithContext(self.id);
  AddDpNoise(plan, *calibration, random, *payload);
  if (ledger != nullptr) {
    auto charged = ledger->Charge(
        {.party_id = self.id, .run_id = run.run_id, .query_digest = QueryDigest(query), .rho = query.privacy->rho},
        self.policy.privacy_budget_rho);
    if (!charged.ok()) return charged.status();
  }
  return payload;
}

}  // namespace mpcstats::core
