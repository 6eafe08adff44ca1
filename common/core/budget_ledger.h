// A party's privacy-budget ledger as the protocol sees it: one call that charges a private
// query's rho against the party's budget, atomically, before the party's contribution leaves it.
// The SQLite implementation is common/ledger/sqlite_ledger.h; tests may use an in-memory one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/core/status.h"

namespace mpcstats::core {

// Amounts of rho are kept as integers of 1e-9 (nano-rho): charges rounded up, budgets down, so
// sums are exact and rounding never lets a party overspend.
inline constexpr double kNanoRho = 1e9;
uint64_t ChargeNanoRho(double rho);  // ceil(rho * 1e9)
uint64_t BudgetNanoRho(double rho);  // floor(rho * 1e9)

struct BudgetCharge {
  std::string party_id;
  std::string run_id;
  std::string query_digest;  // hex SHA-256 of the query's canonical JSON
  double rho = 0;
};

struct BudgetState {
  uint64_t spent_nano = 0;
  std::optional<uint64_t> budget_nano;  // nullopt: no limit
  double spent() const { return static_cast<double>(spent_nano) / kNanoRho; }
  std::optional<double> remaining() const;
};

class BudgetLedger {
 public:
  virtual ~BudgetLedger() = default;
  // Commits the charge if it fits in `budget_rho` (nullopt: no limit) and returns the state after
  // it; kInsufficientPrivacyBudget naming the party and the remaining budget otherwise (nothing
  // is recorded). A second charge of the same (party, run) is not charged again.
  virtual StatusOr<BudgetState> Charge(const BudgetCharge& charge, std::optional<double> budget_rho) = 0;
  virtual StatusOr<BudgetState> State(const std::string& party_id, std::optional<double> budget_rho) = 0;
};

}  // namespace mpcstats::core
