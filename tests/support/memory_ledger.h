// A privacy-budget ledger in memory for tests that need no SQLite file: it charges and refuses as
// the SQLite ledger does (a (party, run) is charged once; a refusal names the party and what
// remains) and lets a test count the charged runs.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "common/core/budget_ledger.h"

namespace mpcstats::testing {

class MemoryLedger final : public core::BudgetLedger {
 public:
  core::StatusOr<core::BudgetState> Charge(const core::BudgetCharge& charge, std::optional<double> budget) override;
  core::StatusOr<core::BudgetState> State(const std::string& party, std::optional<double> budget) override;
  // (party, run) pairs charged so far.
  size_t charges() const { return runs_.size(); }
  std::set<std::string> run_ids() const;

 private:
  std::map<std::string, uint64_t> spent_;
  std::set<std::pair<std::string, std::string>> runs_;
};

}  // namespace mpcstats::testing
