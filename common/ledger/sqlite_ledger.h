// The privacy-budget ledger of one party (or several sharing a file): a SQLite database, one row
// per charge (party id, run id, query digest, rho, time). A charge is one transaction, BEGIN
// IMMEDIATE: it takes the database's write lock before reading what is spent, so the
// remaining-budget check and the insert see no other writer in between, and two processes sharing
// the file cannot overspend it. SQLite's journal (synchronous = FULL) makes a charge all or
// nothing when the process is killed: before COMMIT it is rolled back at the next open, after
// COMMIT it is on disk.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/core/budget_ledger.h"

struct sqlite3;

namespace mpcstats::ledger {

class SqliteLedger final : public core::BudgetLedger {
 public:
  // Opens or creates the file and its table. kBadInput naming the file when it cannot be opened
  // or is not a ledger.
  static core::StatusOr<std::unique_ptr<SqliteLedger>> Open(const std::string& path);
  ~SqliteLedger() override;
  SqliteLedger(const SqliteLedger&) = delete;
  SqliteLedger& operator=(const SqliteLedger&) = delete;

  core::StatusOr<core::BudgetState> Charge(const core::BudgetCharge& charge, std::optional<double> budget_rho) override;
  core::StatusOr<core::BudgetState> State(const std::string& party_id, std::optional<double> budget_rho) override;

  // Tests only: called inside the charge's transaction, after the insert and before COMMIT.
  void SetBeforeCommitHookForTesting(std::function<void()> hook) { before_commit_ = std::move(hook); }

 private:
  SqliteLedger(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  core::Status Exec(const char* sql);
  core::StatusOr<uint64_t> SpentNano(const std::string& party_id);
  core::Status Error(std::string_view what) const;

  sqlite3* db_;
  std::string path_;
  std::function<void()> before_commit_;
};

}  // namespace mpcstats::ledger
