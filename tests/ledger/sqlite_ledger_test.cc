// The SQLite budget ledger: refusal once spent, persistence across reopening, two processes
// racing for the last of a budget, and a process killed (SIGKILL) inside a charge's transaction or
// right after its commit.
#include "common/ledger/sqlite_ledger.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace mpcstats::ledger {
namespace {

using core::BudgetCharge;
using core::Code;

class SqliteLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("mpcstats_ledger_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "budget.sqlite").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SqliteLedger> Open() {
    auto ledger = SqliteLedger::Open(path_);
    EXPECT_TRUE(ledger.ok()) << ledger.status().ToString();
    return ledger.ok() ? std::move(*ledger) : nullptr;
  }

  std::filesystem::path dir_;
  std::string path_;
};

BudgetCharge Charge(std::string run, double rho, std::string party = "party1") {
  return {.party_id = std::move(party), .run_id = std::move(run), .query_digest = "abc", .rho = rho};
}

TEST_F(SqliteLedgerTest, RefusedOnceSpentAndStillSpentAfterReopening) {
  {
    auto ledger = Open();
    auto first = ledger->Charge(Charge("r1", 0.4), 1.0);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    EXPECT_DOUBLE_EQ(*first->remaining(), 0.6);
    ASSERT_TRUE(ledger->Charge(Charge("r2", 0.6), 1.0).ok());  // exactly the rest (0.4 + 0.6 in nano-rho)
    auto refused = ledger->Charge(Charge("r3", 0.1), 1.0);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().code(), Code::kInsufficientPrivacyBudget);
    EXPECT_EQ(refused.status().message(), "party1: the query needs rho 0.1 but only 0 of its privacy budget 1 remains");
    // Another party's budget is its own.
    EXPECT_TRUE(ledger->Charge(Charge("r3", 0.1, "party2"), 1.0).ok());
    // A retried run is not charged twice.
    auto again = ledger->Charge(Charge("r1", 0.4), 1.0);
    ASSERT_TRUE(again.ok());
    EXPECT_DOUBLE_EQ(again->spent(), 1.0);
  }
  auto reopened = Open();
  auto state = reopened->State("party1", 1.0);
  ASSERT_TRUE(state.ok());
  EXPECT_DOUBLE_EQ(state->spent(), 1.0);
  EXPECT_FALSE(reopened->Charge(Charge("r4", 1e-9), 1.0).ok());
  // Without a budget, charges are recorded and never refused.
  EXPECT_TRUE(reopened->Charge(Charge("r5", 50), std::nullopt).ok());
}

TEST_F(SqliteLedgerTest, NotALedgerIsABadInputNamingTheFile) {
  const std::string bogus = (dir_ / "bogus").string();
  FILE* f = std::fopen(bogus.c_str(), "w");
  std::fputs("this is not a database, it is text long enough to fill a header page......................", f);
  std::fclose(f);
  auto ledger = SqliteLedger::Open(bogus);
  ASSERT_FALSE(ledger.ok());
  EXPECT_EQ(ledger.status().code(), Code::kBadInput);
  EXPECT_NE(ledger.status().message().find(bogus), std::string::npos) << ledger.status().message();
}

// Two processes charge 0.01 each as fast as they can against one budget of 1: together they
// commit exactly 100 charges, never 101.
TEST_F(SqliteLedgerTest, TwoProcessesRacingCannotOverspend) {
  { Open(); }  // create the schema first
  int start[2];
  ASSERT_EQ(::pipe(start), 0);
  pid_t children[2];
  for (int c = 0; c < 2; ++c) {
    children[c] = ::fork();
    ASSERT_GE(children[c], 0);
    if (children[c] == 0) {
      ::close(start[1]);
      auto ledger = SqliteLedger::Open(path_);
      if (!ledger.ok()) ::_exit(3);
      char go = 0;
      if (::read(start[0], &go, 1) != 1) ::_exit(6);  // both start charging together
      for (int i = 0;; ++i) {
        auto r = (*ledger)->Charge(Charge("c" + std::to_string(c) + "-" + std::to_string(i), 0.01), 1.0);
        if (!r.ok()) ::_exit(r.status().code() == Code::kInsufficientPrivacyBudget ? 0 : 4);
      }
    }
  }
  ::close(start[0]);
  ASSERT_EQ(::write(start[1], "gg", 2), 2);
  ::close(start[1]);
  for (pid_t child : children) {
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0) << "a child failed for another reason than the budget";
  }
  auto state = Open()->State("party1", 1.0);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->spent_nano, 1'000'000'000u);
}

// A child charges, stops at `where` (inside the transaction or after the commit), tells the parent
// through a pipe, and is killed with SIGKILL. Returns the spent rho seen on reopening.
double SpentAfterKill(const std::string& path, bool after_commit) {
  int fds[2];
  EXPECT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(fds[0]);
    auto ledger = SqliteLedger::Open(path);
    if (!ledger.ok()) ::_exit(3);
    auto signal_and_wait = [&] {
      const char byte = 'x';
      if (::write(fds[1], &byte, 1) != 1) ::_exit(4);
      for (;;) ::pause();
    };
    if (!after_commit) (*ledger)->SetBeforeCommitHookForTesting(signal_and_wait);
    auto r = (*ledger)->Charge(Charge("killed", 0.3), 1.0);
    if (!r.ok()) ::_exit(5);
    signal_and_wait();
  }
  ::close(fds[1]);
  char byte = 0;
  EXPECT_EQ(::read(fds[0], &byte, 1), 1) << "the child did not reach the point to be killed at";
  ::close(fds[0]);
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
  auto ledger = SqliteLedger::Open(path);
  EXPECT_TRUE(ledger.ok()) << ledger.status().ToString();
  auto state = (*ledger)->State("party1", 1.0);
  EXPECT_TRUE(state.ok());
  // The lock died with the child: a new charge goes through.
  EXPECT_TRUE((*ledger)->Charge(Charge("after", 0.1, "party9"), 1.0).ok());
  return state.ok() ? state->spent() : -1;
}

TEST_F(SqliteLedgerTest, KilledInsideTheTransactionLeavesNoCharge) {
  EXPECT_DOUBLE_EQ(SpentAfterKill(path_, false), 0.0);
}

TEST_F(SqliteLedgerTest, KilledRightAfterCommitStaysCharged) {
  EXPECT_DOUBLE_EQ(SpentAfterKill(path_, true), 0.3);
}

}  // namespace
}  // namespace mpcstats::ledger
