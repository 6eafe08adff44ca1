#include "common/core/budget_ledger.h"

#include <cmath>

namespace mpcstats::core {

uint64_t ChargeNanoRho(double rho) { return static_cast<uint64_t>(std::ceil(rho * kNanoRho)); }
uint64_t BudgetNanoRho(double rho) { return static_cast<uint64_t>(std::floor(rho * kNanoRho)); }

std::optional<double> BudgetState::remaining() const {
  if (!budget_nano) return std::nullopt;
  const uint64_t left = *budget_nano > spent_nano ? *budget_nano - spent_nano : 0;
  return static_cast<double>(left) / kNanoRho;
}

}  // namespace mpcstats::core
