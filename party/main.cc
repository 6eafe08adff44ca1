// mpcstats-party: one retailer's process. Loads its visits, computes its local aggregates, and
// takes part in the secure sum. Only shares and the partial sum leave this process.
#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "common/core/average_visits_query.h"
#include "common/core/csv_reader.h"
#include "common/core/local_aggregates.h"
#include "common/core/party_input.h"
#include "common/core/roster.h"
#include "common/core/synthetic_data.h"
#include "common/core/workload.h"
#include "common/db/pg_source.h"
#include "common/ledger/sqlite_ledger.h"
#include "common/sys/logging.h"
#include "common/sys/memory_tuning.h"
#include "common/net/tls_context.h"
#include "common/report/run_report.h"
#include "party/party_runner.h"

namespace {

using mpcstats::core::Code;
using mpcstats::core::Status;

struct Flags {
  std::string roster;
  std::string id;
  mpcstats::net::TlsFiles tls;
  std::vector<std::string> data;
  uint64_t users = 0;
  uint64_t seed = 42;
  std::string out = ".";
  double timeout_seconds = 30;
  std::string log_level = "info";
  std::string listen = "0.0.0.0";
  uint64_t vector_length = 0;
  std::string inject_fault;
  std::string pg;
  std::string pg_table;
  std::string pg_query;
  std::string pg_mode = "pushdown";
  std::string budget_ledger;
  bool show_budget = false;
};

// Exit code of the "exit-after-partial-sum" test hook (not one of the programs' own codes).
constexpr int kInjectedCrashExitCode = 3;

int Fail(const Status& status) {
  std::cerr << "mpcstats-party: " << status.ToString() << "\n";
  return mpcstats::core::kExitBadInput;
}

mpcstats::core::StatusOr<mpcstats::core::VisitTable> LoadVisits(const Flags& flags,
                                                                const mpcstats::core::Roster& roster,
                                                                size_t party_index) {
  if (flags.data.empty()) {
    return mpcstats::core::GenerateSyntheticVisits({.users = flags.users,
                                                    .seed = flags.seed,
                                                    .party_index = party_index,
                                                    .num_categories = roster.categories.size(),
                                                    .num_districts = roster.districts.size()});
  }
  // Several --data files form one table with one user id space (see ReadVisitsCsvFiles).
  return mpcstats::core::ReadVisitsCsvFiles(flags.data, roster.categories, roster.districts);
}

// Protocol secagg signs this party's keys with its certificate key and checks the others'
// certificates against the CA: the same files as TLS (already checked by MakeTlsContext).
mpcstats::core::StatusOr<mpcstats::core::SecAggIdentity> LoadSecAggIdentity(const mpcstats::net::TlsFiles& files) {
  auto read = [](const std::string& path) -> mpcstats::core::StatusOr<std::string> {
    std::ifstream in(path, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) return Status(Code::kBadInput, "cannot read " + path);
    return text;
  };
  auto cert = read(files.cert);
  if (!cert.ok()) return cert.status();
  auto key = read(files.key);
  if (!key.ok()) return key.status();
  auto ca = read(files.ca);
  if (!ca.ok()) return ca.status();
  auto credentials = mpcstats::core::ParsePartyCredentials(*cert, *key);
  if (!credentials.ok()) return credentials.status().WithContext(files.cert);
  auto verifier = mpcstats::core::CaCertificateVerifier::FromPem(*ca);
  if (!verifier.ok()) return verifier.status().WithContext(files.ca);
  return mpcstats::core::SecAggIdentity{std::move(credentials).value(), std::move(verifier).value()};
}

int RunAndReport(const Flags& flags, const mpcstats::core::Roster& roster,
                 std::shared_ptr<mpcstats::net::ssl::context> tls, mpcstats::core::InputSource input) {
  // A stale published result from an earlier run must not pass for this run's.
  std::error_code ec;
  std::filesystem::create_directories(flags.out, ec);
  if (ec) return Fail(Status(Code::kIo, "cannot create --out directory '" + flags.out + "': " + ec.message()));
  std::filesystem::remove(flags.out + "/result.json", ec);
  std::filesystem::remove(flags.out + "/result.csv", ec);
  mpcstats::party::PartyRunConfig config{
      .roster = roster,
      .self_id = flags.id,
      .tls = std::move(tls),
      .input = std::move(input),
      .timeout = std::chrono::milliseconds(static_cast<int64_t>(flags.timeout_seconds * 1000)),
      .listen_address = flags.listen,
      .fault = *mpcstats::core::ParseFault(flags.inject_fault),
      .crash =
          [fault = flags.inject_fault] {
            // A crash between rounds (exit-after-*): no Abort, no Metrics, no cleanup.
            spdlog::warn("--inject-fault {}: exiting now (simulated crash)", fault);
            spdlog::default_logger()->flush();
            std::_Exit(kInjectedCrashExitCode);
          },
      .stalled =
          [id = flags.id] {
            spdlog::warn("{}: --inject-fault stall-before-partial-sum: sending nothing more", id);
            spdlog::default_logger()->flush();
          },
      .out_dir = flags.out,
  };
  auto identity = LoadSecAggIdentity(flags.tls);
  if (!identity.ok()) return Fail(identity.status());
  config.identity = std::move(identity).value();
  mpcstats::party::PartyRunner runner(std::move(config));
  // The listening port is bound before anything is sent: a bad address or a port in use is the
  // user's to fix.
  if (Status s = runner.Prepare(); !s.ok()) return Fail(s);
  const Status status = runner.Run();
  if (!status.ok()) {
    spdlog::error("run failed: {}", status.ToString());
    return mpcstats::core::kExitRunFailed;
  }
  return mpcstats::core::kExitOk;
}

// This party's own answer to the default run, for comparison with the joint one; never sent.
Status WriteLocalResult(const Flags& flags, const mpcstats::core::Roster& roster,
                        const mpcstats::core::LocalAggregates& local) {
  std::error_code ec;
  std::filesystem::create_directories(flags.out, ec);
  const std::string local_path = flags.out + "/local_" + flags.id + ".json";
  const auto local_json = mpcstats::report::LocalResultJson(flags.id, roster.categories, local);
  return mpcstats::report::WriteFileAtomically(local_path, local_json.dump(2) + "\n");
}

// --pg-mode pushdown: the database computes the default run's aggregates now (the local
// result, and the default run's input) and another query's payload when Start names it. The
// transaction opened by PgSource::Open stays open, so both see the snapshot that was validated.
int RunPushdown(const Flags& flags, const mpcstats::core::Roster& roster,
                std::shared_ptr<mpcstats::net::ssl::context> tls, size_t party_index,
                std::shared_ptr<mpcstats::db::PgSource> database) {
  auto default_plan = mpcstats::core::AverageVisitsPlan(roster.categories, roster.districts);
  if (!default_plan.ok()) return Fail(default_plan.status());
  auto default_payload = database->Payload(*default_plan, roster.num_parties());
  if (!default_payload.ok()) return Fail(default_payload.status());
  const auto local = mpcstats::core::LocalAggregatesFromPayload(*default_plan, *default_payload);
  if (Status s = WriteLocalResult(flags, roster, local); !s.ok()) return Fail(s);
  uint64_t visits = 0;
  for (uint64_t v : local.visits_per_category) visits += v;
  spdlog::info("{}: {} visits of {} users in {} (aggregated by the database); local result written to {}/local_{}.json",
               flags.id, visits, local.users, database->name(), flags.out, flags.id);
  const size_t num_parties = roster.num_parties();
  auto cached = std::make_shared<std::vector<uint64_t>>(std::move(default_payload).value());
  return RunAndReport(flags, roster, std::move(tls),
                      [database, cached, roster, party_index, num_parties](const mpcstats::wire::Start& start,
                                                                           const std::string& run_id) {
                        mpcstats::core::PartyData data{
                            .plan_payload = [&](const mpcstats::core::QueryPlan& plan)
                                -> mpcstats::core::StatusOr<std::vector<uint64_t>> {
                              // The default run's aggregates were computed above: not twice.
                              if (plan.payload_length() == cached->size() &&
                                  mpcstats::core::IsAverageVisitsQuery(plan.query())) {
                                return std::move(*cached);
                              }
                              return database->Payload(plan, num_parties);
                            }};
                        return mpcstats::core::BuildPartyInput(start, run_id, data, roster, party_index);
                      });
}

std::optional<uint64_t> SpentNano(mpcstats::core::BudgetLedger* ledger, const mpcstats::core::PartyEntry& self) {
  if (ledger == nullptr) return std::nullopt;
  auto state = ledger->State(self.id, self.policy.privacy_budget_rho);
  if (!state.ok()) return std::nullopt;
  return state->spent_nano;
}

// A private query's charge is committed by the time its input exists (before anything is
// sent): one line saying what the party has spent now.
void LogCharge(mpcstats::core::BudgetLedger* ledger, const mpcstats::core::PartyEntry& self,
               const std::string& run_id, std::optional<uint64_t> spent_before) {
  if (ledger == nullptr) return;
  auto state = ledger->State(self.id, self.policy.privacy_budget_rho);
  if (!state.ok() || (spent_before && state->spent_nano == *spent_before)) return;
  if (state->remaining()) {
    spdlog::info("{}: privacy budget charged for run {}: spent rho {}, remaining {}", self.id, run_id,
                 state->spent(), *state->remaining());
  } else {
    spdlog::info("{}: privacy budget charged for run {}: spent rho {} (no limit)", self.id, run_id, state->spent());
  }
}

// --show-budget: what this party has spent of its privacy budget, from its ledger.
int ShowBudget(const Flags& flags) {
  auto roster = mpcstats::core::LoadRoster(flags.roster);
  if (!roster.ok()) return Fail(roster.status());
  const int index = roster->IndexOf(flags.id);
  if (index < 0) return Fail(Status(Code::kBadInput, "--id '" + flags.id + "' is not a party in " + flags.roster));
  if (flags.budget_ledger.empty()) return Fail(Status(Code::kUsage, "--show-budget needs --budget-ledger FILE"));
  auto ledger = mpcstats::ledger::SqliteLedger::Open(flags.budget_ledger);
  if (!ledger.ok()) return Fail(ledger.status());
  const auto budget = roster->parties[static_cast<size_t>(index)].policy.privacy_budget_rho;
  auto state = (*ledger)->State(flags.id, budget);
  if (!state.ok()) return Fail(state.status());
  if (budget) {
    std::cout << fmt::format("{}: spent rho {} of its privacy budget {}; remaining {}\n", flags.id, state->spent(),
                             *budget, *state->remaining());
  } else {
    std::cout << fmt::format("{}: spent rho {}; its policy sets no privacy_budget_rho\n", flags.id, state->spent());
  }
  return mpcstats::core::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  mpcstats::sys::TuneAllocatorForStreaming();
  Flags flags;
  CLI::App app{"mpcstats party: contributes one retailer's visit statistics to a secure sum"};
  app.add_option("--roster", flags.roster, "roster JSON listing the coordinator and every party")->required();
  app.add_option("--id", flags.id, "this party's id in the roster (also its certificate CN)")->required();
  app.add_option("--cert", flags.tls.cert, "this party's certificate (PEM)");
  app.add_option("--key", flags.tls.key, "this party's private key (PEM)");
  app.add_option("--ca", flags.tls.ca, "the run's CA certificate (PEM)");
  auto* data = app.add_option("--data", flags.data,
                              "visit CSV: user_id,store_category,timestamp,district,is_weekend[,spend]; "
                              "repeat for several files (one table, one user id space)");
  auto* users = app.add_option("--users", flags.users, "generate synthetic visits for this many users")
                    ->check(CLI::Range(uint64_t{1}, uint64_t{100'000'000}));
  app.add_option("--seed", flags.seed, "seed of the synthetic data (each party derives its own stream)");
  auto* vector =
      app.add_option("--vector-length", flags.vector_length,
                     "large-vector workload: contribute M values derived from --seed instead of visits")
          ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 31));
  auto* pg = app.add_option("--pg", flags.pg,
                            "read the visits from PostgreSQL: a libpq connection string or URI (the password "
                            "from PGPASSFILE, PGPASSWORD or a service file, never in the string)");
  auto* pg_table = app.add_option("--pg-table", flags.pg_table,
                                  "with --pg: [schema.]table or view with the columns user_id, store_category, "
                                  "timestamp, district, is_weekend[, spend]");
  auto* pg_query = app.add_option("--pg-query", flags.pg_query, "with --pg: a SELECT returning those columns");
  auto* pg_mode = app.add_option("--pg-mode", flags.pg_mode,
                                 "pushdown: the database computes the cell aggregates; stream: rows are read "
                                 "with COPY and aggregated here")
                      ->check(CLI::IsMember({"pushdown", "stream"}));
  data->excludes(users);
  data->excludes(vector);
  users->excludes(vector);
  for (auto* other : {data, users, vector}) pg->excludes(other);
  pg_table->excludes(pg_query);
  for (auto* sub : {pg_table, pg_query, pg_mode}) sub->needs(pg);
  app.add_option("--out", flags.out,
                 "directory for local_<id>.json (this party's own result, never sent) and, with protocol "
                 "secagg, result.json (and result.csv for a query): the published result");
  app.add_option("--timeout", flags.timeout_seconds, "seconds for every network wait")
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--log-level", flags.log_level, "trace, debug, info, warn, error");
  app.add_option("--listen", flags.listen, "local address to accept peer connections on");
  app.add_option("--inject-fault", flags.inject_fault,
                 "testing only: misbehave (short-share, second-partial-sum, exit-after-partial-sum, "
                 "stall-before-partial-sum (secagg: before the masked input); secagg: exit-after-advertise-keys, exit-after-share-keys, "
                 "exit-after-masked-input)")
      ->check(CLI::IsMember({"short-share", "second-partial-sum", "exit-after-partial-sum",
                             "stall-before-partial-sum", "exit-after-advertise-keys", "exit-after-share-keys",
                             "exit-after-masked-input"}))
      ->group("Testing");
  app.add_option("--budget-ledger", flags.budget_ledger,
                 "SQLite file recording this party's privacy-budget charges (private queries)");
  app.add_flag("--show-budget", flags.show_budget,
               "print the rho spent and remaining in --budget-ledger for --id, then exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "mpcstats-party: USAGE: " << e.what() << "\n";
    return mpcstats::core::kExitBadInput;
  }
  if (flags.show_budget) return ShowBudget(flags);
  if (flags.tls.cert.empty() || flags.tls.key.empty() || flags.tls.ca.empty()) {
    return Fail(Status(Code::kUsage, "--cert, --key and --ca are required"));
  }
  // Opened now so a bad file is exit 2 before connecting; charged by private queries. Without it
  // a private query is refused at Start (BAD_INPUT naming the party) when the policy sets
  // privacy_budget_rho, and answered uncounted when it sets none.
  std::shared_ptr<mpcstats::core::BudgetLedger> ledger;
  if (!flags.budget_ledger.empty()) {
    auto opened = mpcstats::ledger::SqliteLedger::Open(flags.budget_ledger);
    if (!opened.ok()) return Fail(opened.status());
    ledger = std::move(opened).value();
  }
  if (flags.data.empty() && flags.users == 0 && flags.vector_length == 0 && flags.pg.empty()) {
    return Fail(Status(Code::kUsage,
                       "give --data FILE.csv, --pg CONNINFO --pg-table T, --users U --seed S, or "
                       "--vector-length M --seed S"));
  }
  if (!flags.pg.empty() && flags.pg_table.empty() && flags.pg_query.empty()) {
    return Fail(Status(Code::kUsage, "--pg needs --pg-table NAME or --pg-query SQL"));
  }
  if (Status s = mpcstats::sys::SetUpLogging(flags.id, flags.log_level); !s.ok()) return Fail(s);

  // Everything a user can get wrong is checked here, before any connection is made.
  auto roster = mpcstats::core::LoadRoster(flags.roster);
  if (!roster.ok()) return Fail(roster.status());
  const int index = roster->IndexOf(flags.id);
  if (index < 0)
    return Fail(Status(Code::kBadInput, "--id '" + flags.id + "' is not a party in " + flags.roster));
  auto tls = mpcstats::net::MakeTlsContext(flags.tls, flags.id);
  if (!tls.ok()) return Fail(tls.status());
  const auto party_index = static_cast<size_t>(index);
  if (flags.vector_length > 0) {
    // Made before connecting, like loaded data, so the run's clock does not include it.
    auto input = std::make_shared<std::vector<uint64_t>>(mpcstats::core::MakeVectorPayload(
        flags.vector_length, flags.seed, party_index, roster->num_parties()));
    mpcstats::core::AppendCheckVector(input.get(), party_index, roster->num_parties());
    spdlog::info("{}: vector workload of {} values", flags.id, flags.vector_length);
    return RunAndReport(
        flags, *roster, *tls,
        [input, roster = *roster, party_index](const mpcstats::wire::Start& start, const std::string& run_id) {
          return mpcstats::core::BuildPartyInput(start, run_id, {.vector_input = input.get()}, roster, party_index);
        });
  }
  std::shared_ptr<mpcstats::db::PgSource> database;
  if (!flags.pg.empty()) {
    spdlog::info("{}: reading visits from postgres ({}), mode {}", flags.id, mpcstats::db::MaskedConninfo(flags.pg),
                 flags.pg_mode);
    auto opened = mpcstats::db::PgSource::Open(
        {.conninfo = flags.pg, .table = flags.pg_table, .query = flags.pg_query, .validate = flags.pg_mode == "pushdown"},
        roster->categories, roster->districts);
    if (!opened.ok()) return Fail(opened.status());
    database = std::move(opened).value();
  }
  if (database && flags.pg_mode == "pushdown") return RunPushdown(flags, *roster, *tls, party_index, database);

  auto visits = database ? database->Stream() : LoadVisits(flags, *roster, party_index);
  if (!visits.ok()) return Fail(visits.status());

  // This party's own answer to the default run, for comparison with the joint one; never sent.
  const auto local = mpcstats::core::Aggregate(*visits, roster->categories.size());
  if (Status s = WriteLocalResult(flags, *roster, local); !s.ok()) return Fail(s);
  spdlog::info("{}: {} visits of {} users loaded; local result written to {}/local_{}.json", flags.id,
               visits->size(), local.users, flags.out, flags.id);

  // The visits stay here; what is shared is decided by the coordinator's Start (the default run's
  // query or a --query), after this party's policy has allowed it.
  auto table = std::make_shared<const mpcstats::core::VisitTable>(std::move(visits).value());
  // A private query's bounding choices and noise: OpenSSL's generator.
  auto random = std::make_shared<mpcstats::core::SecureRandom>();
  return RunAndReport(flags, *roster, *tls,
                      [table, random, ledger, roster = *roster, party_index](const mpcstats::wire::Start& start,
                                                                             const std::string& run_id) {
                        const auto& self = roster.parties[party_index];
                        const auto spent_before = SpentNano(ledger.get(), self);
                        auto input = mpcstats::core::BuildPartyInput(
                            start, run_id, {.visits = table.get(), .random = random.get(), .ledger = ledger.get()},
                            roster, party_index);
                        if (input.ok()) LogCharge(ledger.get(), self, run_id, spent_before);
                        return input;
                      });
}
