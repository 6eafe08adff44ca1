#include "tests/support/memory_ledger.h"

#include <fmt/format.h>

namespace mpcstats::testing {

core::StatusOr<core::BudgetState> MemoryLedger::Charge(const core::BudgetCharge& charge,
                                                       std::optional<double> budget) {
  core::BudgetState state{.spent_nano = spent_[charge.party_id]};
  if (budget) state.budget_nano = core::BudgetNanoRho(*budget);
  if (runs_.count({charge.party_id, charge.run_id})) return state;
  const uint64_t cost = core::ChargeNanoRho(charge.rho);
  if (state.budget_nano && state.spent_nano + cost > *state.budget_nano) {
    return core::Status(core::Code::kInsufficientPrivacyBudget,
                        fmt::format("{}: the query needs rho {} but only {} of its privacy budget {} remains",
                                    charge.party_id, charge.rho, *state.remaining(), *budget));
  }
  spent_[charge.party_id] += cost;
  runs_.insert({charge.party_id, charge.run_id});
  state.spent_nano += cost;
  return state;
}

core::StatusOr<core::BudgetState> MemoryLedger::State(const std::string& party, std::optional<double>) {
  return core::BudgetState{.spent_nano = spent_[party]};
}

std::set<std::string> MemoryLedger::run_ids() const {
  std::set<std::string> ids;
  for (const auto& [party, run] : runs_) ids.insert(run);
  return ids;
}

}  // namespace mpcstats::testing
