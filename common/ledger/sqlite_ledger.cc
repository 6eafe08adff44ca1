#include "common/ledger/sqlite_ledger.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <chrono>
#include <ctime>

namespace mpcstats::ledger {
namespace {

using core::Code;
using core::Status;
using core::StatusOr;

constexpr const char* kSchema =
    "CREATE TABLE IF NOT EXISTS charges ("
    " id INTEGER PRIMARY KEY,"
    " party_id TEXT NOT NULL,"
    " run_id TEXT NOT NULL,"
    " query_digest TEXT NOT NULL,"
    " rho REAL NOT NULL,"
    " rho_nano INTEGER NOT NULL CHECK (rho_nano > 0),"
    " charged_at TEXT NOT NULL,"
    " UNIQUE (party_id, run_id))";

// A statement finalized on every path.
struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};

std::string UtcNow() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

}  // namespace

StatusOr<std::unique_ptr<SqliteLedger>> SqliteLedger::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Status(Code::kBadInput, fmt::format("budget ledger {}: cannot open: {}", path, message));
  }
  std::unique_ptr<SqliteLedger> ledger(new SqliteLedger(db, path));
  // Another process may hold the write lock for the length of its charge: wait, not fail.
  sqlite3_busy_timeout(db, 30'000);
  for (const char* sql : {"PRAGMA synchronous = FULL", kSchema}) {
    if (Status s = ledger->Exec(sql); !s.ok()) {
      return Status(Code::kBadInput, fmt::format("budget ledger {}: not a usable ledger: {}", path, s.message()));
    }
  }
  return ledger;
}

SqliteLedger::~SqliteLedger() { sqlite3_close(db_); }

Status SqliteLedger::Error(std::string_view what) const {
  return Status(Code::kIo, fmt::format("budget ledger {}: {}: {}", path_, what, sqlite3_errmsg(db_)));
}

Status SqliteLedger::Exec(const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    Status s(Code::kIo, fmt::format("budget ledger {}: {}", path_, message != nullptr ? message : "error"));
    sqlite3_free(message);
    return s;
  }
  return Status::Ok();
}

StatusOr<uint64_t> SqliteLedger::SpentNano(const std::string& party_id) {
  Statement q;
  if (sqlite3_prepare_v2(db_, "SELECT COALESCE(SUM(rho_nano), 0) FROM charges WHERE party_id = ?", -1, &q.stmt,
                         nullptr) != SQLITE_OK) {
    return Error("prepare");
  }
  sqlite3_bind_text(q.stmt, 1, party_id.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(q.stmt) != SQLITE_ROW) return Error("read spent budget");
  return static_cast<uint64_t>(sqlite3_column_int64(q.stmt, 0));
}

StatusOr<core::BudgetState> SqliteLedger::State(const std::string& party_id, std::optional<double> budget_rho) {
  auto spent = SpentNano(party_id);
  if (!spent.ok()) return spent.status();
  core::BudgetState state{.spent_nano = *spent};
  if (budget_rho) state.budget_nano = core::BudgetNanoRho(*budget_rho);
  return state;
}

StatusOr<core::BudgetState> SqliteLedger::Charge(const core::BudgetCharge& charge, std::optional<double> budget_rho) {
  const uint64_t cost = core::ChargeNanoRho(charge.rho);
  if (Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  auto rollback = [&](Status s) {
    (void)Exec("ROLLBACK");
    return s;
  };
  auto state = State(charge.party_id, budget_rho);
  if (!state.ok()) return rollback(state.status());
  {
    // The same run charged again (a retried Start) is not charged twice.
    Statement q;
    if (sqlite3_prepare_v2(db_, "SELECT 1 FROM charges WHERE party_id = ? AND run_id = ?", -1, &q.stmt, nullptr) !=
        SQLITE_OK)
      return rollback(Error("prepare"));
    sqlite3_bind_text(q.stmt, 1, charge.party_id.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(q.stmt, 2, charge.run_id.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(q.stmt) == SQLITE_ROW) {
      (void)Exec("COMMIT");
      return state;
    }
  }
  if (state->budget_nano && state->spent_nano + cost > *state->budget_nano) {
    return rollback(Status(Code::kInsufficientPrivacyBudget,
                           fmt::format("{}: the query needs rho {} but only {} of its privacy budget {} remains",
                                       charge.party_id, charge.rho, *state->remaining(), *budget_rho)));
  }
  Statement insert;
  if (sqlite3_prepare_v2(db_,
                         "INSERT INTO charges (party_id, run_id, query_digest, rho, rho_nano, charged_at) "
                         "VALUES (?, ?, ?, ?, ?, ?)",
                         -1, &insert.stmt, nullptr) != SQLITE_OK)
    return rollback(Error("prepare"));
  const std::string now = UtcNow();
  sqlite3_bind_text(insert.stmt, 1, charge.party_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert.stmt, 2, charge.run_id.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_text(insert.stmt, 3, charge.query_digest.c_str(), -1, SQLITE_TRANSIENT);
  sqlite3_bind_double(insert.stmt, 4, charge.rho);
  sqlite3_bind_int64(insert.stmt, 5, static_cast<sqlite3_int64>(cost));
  sqlite3_bind_text(insert.stmt, 6, now.c_str(), -1, SQLITE_TRANSIENT);
  if (sqlite3_step(insert.stmt) != SQLITE_DONE) return rollback(Error("record the charge"));
  if (before_commit_) before_commit_();
  if (Status s = Exec("COMMIT"); !s.ok()) return rollback(s);
  state->spent_nano += cost;
  return state;
}

}  // namespace mpcstats::ledger
