// mpcstats-pg-ingest: one party's local step on visits in PostgreSQL or a CSV file, timed with
// steady_clock, for scripts/bench-pg.sh. One mode per process, so the peak RSS it prints is that
// mode's alone:
//   pushdown  PgSource::Open (connect, probe, validation query), then the payload of the seed's
//             plan and of a grouped query computed by the database
//   stream    PgSource::Open, COPY into a VisitTable (the CSV reader's checks), the same payloads
//   csv       ReadVisitsCsv, the same payloads
// Prints one JSON object: seconds per step, rows, peak_rss_bytes. The payloads' hash is printed
// too, so the script can check that the three modes computed the same vectors.
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/core/average_visits_query.h"
#include "common/core/csv_reader.h"
#include "common/core/party_input.h"
#include "common/core/phase_timer.h"
#include "common/sys/peak_rss.h"
#include "common/core/query.h"
#include "common/core/query_aggregates.h"
#include "common/core/roster.h"
#include "common/db/pg_source.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace mpcstats;

double Since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

int Fail(const core::Status& status) {
  std::cerr << "mpcstats-pg-ingest: " << status.ToString() << "\n";
  return core::kExitBadInput;
}

uint64_t Hash(const std::vector<uint64_t>& values, uint64_t h) {
  for (uint64_t v : values) h = (h ^ v) * 0x100000001b3ULL;
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode, roster_path, pg, table = "visits", csv, query_path;
  CLI::App app{"times one party's local step on PostgreSQL (pushdown, stream) or CSV"};
  app.add_option("--mode", mode)->required()->check(CLI::IsMember({"pushdown", "stream", "csv"}));
  app.add_option("--roster", roster_path, "roster with the category and district lists")->required();
  app.add_option("--pg", pg, "libpq connection string (pushdown, stream)");
  app.add_option("--pg-table", table, "table (pushdown, stream)");
  app.add_option("--data", csv, "visit CSV (csv)");
  app.add_option("--query", query_path, "the grouped query (JSON)")->required();
  CLI11_PARSE(app, argc, argv);

  auto roster = core::LoadRoster(roster_path);
  if (!roster.ok()) return Fail(roster.status());
  auto query = core::LoadQuery(query_path);
  if (!query.ok()) return Fail(query.status());
  auto seed_plan = core::AverageVisitsPlan(roster->categories, roster->districts);
  auto plan = core::QueryPlan::Make(*query, roster->categories, roster->districts);
  if (!seed_plan.ok() || !plan.ok()) return Fail(plan.ok() ? seed_plan.status() : plan.status());
  const size_t parties = roster->num_parties();

  nlohmann::json out = {{"mode", mode}};
  std::vector<uint64_t> seed_payload, query_payload;
  const auto start = Clock::now();
  if (mode == "csv") {
    auto visits = core::ReadVisitsCsvFiles({csv}, roster->categories, roster->districts);
    if (!visits.ok()) return Fail(visits.status());
    out["load_seconds"] = Since(start);
    out["rows"] = visits->size();
    auto t = Clock::now();
    auto a = core::ComputeQueryPayload(*visits, *seed_plan, parties);
    out["seed_seconds"] = Since(t);
    t = Clock::now();
    auto b = core::ComputeQueryPayload(*visits, *plan, parties);
    out["query_seconds"] = Since(t);
    if (!a.ok() || !b.ok()) return Fail(a.ok() ? b.status() : a.status());
    seed_payload = std::move(*a);
    query_payload = std::move(*b);
  } else {
    auto source = db::PgSource::Open({.conninfo = pg, .table = table, .validate = mode == "pushdown"},
                                     roster->categories, roster->districts);
    if (!source.ok()) return Fail(source.status());
    out["open_seconds"] = Since(start);  // connect, probe and (pushdown) the validation query
    if (mode == "pushdown") {
      auto t = Clock::now();
      auto a = (*source)->Payload(*seed_plan, parties);
      out["seed_seconds"] = Since(t);
      t = Clock::now();
      auto b = (*source)->Payload(*plan, parties);
      out["query_seconds"] = Since(t);
      if (!a.ok() || !b.ok()) return Fail(a.ok() ? b.status() : a.status());
      seed_payload = std::move(*a);
      query_payload = std::move(*b);
    } else {
      auto t = Clock::now();
      auto visits = (*source)->Stream();
      if (!visits.ok()) return Fail(visits.status());
      out["load_seconds"] = Since(t);
      out["rows"] = visits->size();
      t = Clock::now();
      auto a = core::ComputeQueryPayload(*visits, *seed_plan, parties);
      out["seed_seconds"] = Since(t);
      t = Clock::now();
      auto b = core::ComputeQueryPayload(*visits, *plan, parties);
      out["query_seconds"] = Since(t);
      if (!a.ok() || !b.ok()) return Fail(a.ok() ? b.status() : a.status());
      seed_payload = std::move(*a);
      query_payload = std::move(*b);
    }
  }
  out["total_seconds"] = Since(start);
  out["payload_hash"] = Hash(query_payload, Hash(seed_payload, 0xcbf29ce484222325ULL));
  out["peak_rss_bytes"] = sys::PeakRssBytes();
  std::cout << out.dump() << "\n";
  return 0;
}
