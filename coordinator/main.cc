// mpcstats-coordinator: admits the parties, starts the run, adds up their partial sums and
// publishes the totals (run.json and a printed table). It never sees an input or a share.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "common/core/average_visits_query.h"
#include "common/core/dp_options.h"
#include "common/core/dp_payload.h"
#include "common/core/query.h"
#include "common/core/query_plan.h"
#include "common/core/roster.h"
#include "common/core/secagg.h"
#include "common/sys/logging.h"
#include "common/sys/memory_tuning.h"
#include "common/net/tls_context.h"
#include "common/report/noisy_query_report.h"
#include "common/report/query_report.h"
#include "common/report/run_report.h"
#include "coordinator/coordinator_runner.h"

namespace {

using mpcstats::core::Code;
using mpcstats::core::Status;

int Fail(const Status& status) {
  std::cerr << "mpcstats-coordinator: " << status.ToString() << "\n";
  return mpcstats::core::kExitBadInput;
}

}  // namespace

int main(int argc, char** argv) {
  mpcstats::sys::TuneAllocatorForStreaming();
  std::string roster_path;
  mpcstats::net::TlsFiles tls_files;
  std::string out_dir;
  double timeout_seconds = 30;
  std::string log_level = "info";
  std::string listen = "0.0.0.0";
  std::string protocol = "secagg";
  uint32_t threshold = 0;
  uint64_t vector_length = 0;
  uint32_t chunk_values = mpcstats::core::kDefaultChunkValues;
  std::string vector_out;
  std::string query_path;
  mpcstats::core::DpOptions dp;

  CLI::App app{"mpcstats coordinator: adds up the parties' partial sums and publishes the result"};
  app.add_option("--roster", roster_path, "roster JSON listing the coordinator and every party")->required();
  app.add_option("--cert", tls_files.cert, "the coordinator's certificate (PEM, CN=coordinator)")->required();
  app.add_option("--key", tls_files.key, "the coordinator's private key (PEM)")->required();
  app.add_option("--ca", tls_files.ca, "the run's CA certificate (PEM)")->required();
  app.add_option("--out", out_dir, "directory for run.json")->required();
  app.add_option("--timeout", timeout_seconds, "seconds for every network wait")
      ->check(CLI::Range(0.1, 86400.0));
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error");
  app.add_option("--listen", listen, "local address to accept party connections on");
  app.add_option("--protocol", protocol,
                 "secagg (the default; secure aggregation: parties dial only the coordinator, dropouts "
                 "are survived, every included party gets the result), or a mesh protocol where every "
                 "party listens and any missing party aborts the run: seeded (parties exchange AES-CTR "
                 "seeds) or full (full share vectors)")
      ->check(CLI::IsMember({"seeded", "full", "secagg"}));
  app.add_option("--threshold", threshold,
                 "secagg: every round needs at least T parties, n/2 < T <= n (default floor(2n/3)+1); "
                 "fewer aborts the run with NOT_ENOUGH_PARTIES")
      ->check(CLI::Range(1u, 1000000u));
  app.add_option(
         "--vector-length", vector_length,
         "large-vector workload: sum M values per party (0: a query); every party needs the same")
      ->check(CLI::Range(uint64_t{0}, uint64_t{1} << 31));
  app.add_option("--chunk-values", chunk_values, "values per frame when vectors are streamed")
      ->check(CLI::Range(1u, mpcstats::core::kDefaultChunkValues * 8));
  app.add_option("--vector-out", vector_out,
                 "vector workload: write the revealed sums here (little-endian uint64)");
  app.add_option("--query", query_path,
                 "query JSON (group_by, metrics, date_from, date_to); without it the default run's query runs "
                 "(average visits per user per store category, examples/queries/average_visits.json)")
      ->excludes(app.get_option("--vector-length"));
  // Differential privacy from the command line (common/core/dp_options.h): the values are checked
  // as a query file's privacy block is.
  auto* dp_rho = app.add_option("--dp-rho", dp.rho,
                                "run the query (--query, or the default one) with differential privacy: its "
                                "zCDP budget rho, with the bounds below")
                     ->excludes(app.get_option("--vector-length"))
                     ->group("Differential privacy");
  app.add_option("--dp-delta", dp.delta, "with --dp-rho: delta at which epsilon is reported (default 1e-6)")
      ->needs(dp_rho)
      ->group("Differential privacy");
  app.add_option("--dp-max-visits-per-cell", dp.max_visits_per_user_per_cell,
                 "with --dp-rho: visits of one user counted per cell (default 20)")
      ->needs(dp_rho)
      ->group("Differential privacy");
  app.add_option("--dp-max-cells-per-user", dp.max_cells_per_user,
                 "with --dp-rho: cells one user counts in, chosen at random when it has more (default 8)")
      ->needs(dp_rho)
      ->group("Differential privacy");
  app.add_option("--dp-max-spend-per-visit", dp.max_spend_per_visit,
                 "with --dp-rho: spend per visit is clamped to this (spend metrics only; default 500)")
      ->needs(dp_rho)
      ->group("Differential privacy");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "mpcstats-coordinator: USAGE: " << e.what() << "\n";
    return mpcstats::core::kExitBadInput;
  }
  if (Status s = mpcstats::sys::SetUpLogging("coordinator", log_level); !s.ok()) return Fail(s);

  auto roster = mpcstats::core::LoadRoster(roster_path);
  if (!roster.ok()) return Fail(roster.status());
  const auto protocol_kind = *mpcstats::core::ParseProtocolName(protocol);
  if (protocol_kind == mpcstats::core::ProtocolKind::kSecAgg) {
    const size_t n = roster->num_parties();
    if (threshold == 0) threshold = static_cast<uint32_t>(mpcstats::core::DefaultThreshold(n));
    if (2 * static_cast<size_t>(threshold) <= n || threshold > n) {
      return Fail(Status(Code::kUsage, "--threshold " + std::to_string(threshold) + " must be above " +
                                           std::to_string(n) + "/2 and at most " + std::to_string(n)));
    }
  } else {
    if (threshold != 0) return Fail(Status(Code::kUsage, "--threshold applies to --protocol secagg only"));
    if (!roster->HasPartyEndpoints()) {
      return Fail(Status(Code::kBadInput, roster_path + ": protocol " + protocol +
                                              " needs every party's host and port (only secagg does without)"));
    }
  }
  auto tls = mpcstats::net::MakeTlsContext(tls_files, mpcstats::core::kCoordinatorId);
  if (!tls.ok()) return Fail(tls.status());
  std::shared_ptr<const mpcstats::core::QueryPlan> query_plan;
  std::optional<mpcstats::core::Query> query;
  std::string query_source = query_path;  // names the query in error messages
  if (!query_path.empty()) {
    auto loaded = mpcstats::core::LoadQuery(query_path);
    if (!loaded.ok()) return Fail(loaded.status());
    query = std::move(loaded).value();
  }
  if (!query && vector_length == 0) {
    // The default run is a query like any other: the parties' policies and suppression apply
    // (and --dp-rho makes it private).
    query = mpcstats::core::AverageVisitsQuery();
    query_source = "the default query";
  }
  if (dp_rho->count() > 0) {
    auto with_privacy = mpcstats::core::AttachPrivacy(*query, dp);
    if (!with_privacy.ok()) return Fail(with_privacy.status());
    query = std::move(with_privacy).value();
  }
  // Secure aggregation publishes a sum over at least T parties; the mesh protocols over all n.
  const uint64_t guaranteed_parties = threshold != 0 ? threshold : roster->num_parties();
  if (query) {
    auto plan = mpcstats::core::QueryPlan::Make(*query, roster->categories, roster->districts);
    if (!plan.ok()) return Fail(plan.status().WithContext(query_source));
    if (plan->query().privacy) {
      // Every process derives the same calibration; h < 1 or noise out of range is refused here,
      // before listening (the engine derives it again to decode the noisy totals).
      auto calibration = mpcstats::core::CalibrateRun(*plan, *roster, guaranteed_parties);
      if (!calibration.ok()) return Fail(calibration.status().WithContext(query_source));
      spdlog::info("private query: rho {}, epsilon {:.4g} at delta {:g}, h = {} of {} parties", calibration->rho,
                   calibration->epsilon, calibration->delta, calibration->h, roster->num_parties());
    }
    query_plan = std::make_shared<const mpcstats::core::QueryPlan>(std::move(plan).value());
  }
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Fail(Status(Code::kIo, "cannot create --out directory '" + out_dir + "': " + ec.message()));
  const std::string run_json = out_dir + "/run.json";
  const std::string result_csv = out_dir + "/result.csv";
  // A stale result from an earlier run must not pass for this run's.
  std::filesystem::remove(run_json, ec);
  std::filesystem::remove(result_csv, ec);

  const auto workload = query_plan ? mpcstats::core::WorkloadKind::kQuery : mpcstats::core::WorkloadKind::kVector;
  const uint64_t payload_length = query_plan ? query_plan->payload_length() : vector_length;

  mpcstats::coordinator::CoordinatorRunConfig config{
      .roster = *roster,
      .tls = *tls,
      .parameters = {.workload = workload,
                     .payload_length = payload_length,
                     .protocol = protocol_kind,
                     .chunk_values = chunk_values,
                     .query_json = query_plan ? mpcstats::core::QueryToJson(query_plan->query()).dump() : "",
                     .guaranteed_parties = guaranteed_parties,
                     .threshold = threshold},
      .query_plan = query_plan,
      .timeout = std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000)),
      .listen_address = listen,
  };
  mpcstats::report::RunReport report;
  mpcstats::coordinator::CoordinatorRunner runner(config);
  // The listening port is bound before anything is sent: a bad address or a port in use is the
  // user's to fix.
  if (Status s = runner.Prepare(); !s.ok()) return Fail(s);
  const Status status = runner.Run(&report);
  if (!status.ok()) {
    spdlog::error("run failed, no result published: {}", status.ToString());
    return mpcstats::core::kExitRunFailed;
  }
  const auto json = mpcstats::report::RunReportJson(report);
  if (Status s = mpcstats::report::WriteFileAtomically(run_json, json.dump(2) + "\n"); !s.ok()) {
    spdlog::error("{}", s.ToString());
    return mpcstats::core::kExitRunFailed;
  }
  if (report.query_plan) {
    const std::string csv =
        report.privacy
            ? mpcstats::report::NoisyQueryResultCsv(*report.query_plan, report.noisy_result, *report.privacy)
            : mpcstats::report::QueryResultCsv(*report.query_plan, report.query_result);
    if (Status s = mpcstats::report::WriteFileAtomically(result_csv, csv); !s.ok()) {
      spdlog::error("{}", s.ToString());
      return mpcstats::core::kExitRunFailed;
    }
  }
  if (!vector_out.empty()) {
    const std::string bytes(reinterpret_cast<const char*>(report.vector_sums.data()),
                            report.vector_sums.size() * 8);
    if (Status s = mpcstats::report::WriteFileAtomically(vector_out, bytes); !s.ok()) {
      spdlog::error("{}", s.ToString());
      return mpcstats::core::kExitRunFailed;
    }
  }
  std::cout << mpcstats::report::FormatRunTable(report) << std::flush;
  spdlog::info("result written to {}", run_json);
  return mpcstats::core::kExitOk;
}
