// What a run publishes: run.json (run_json.cc), the party's local result file (local_result_json.cc),
// and the table a person reads (run_table.cc).
#pragma once

#include <map>
#include <optional>
#include <memory>
#include <span>
#include <string>

#include <nlohmann/json.hpp>

#include "common/core/coordinator/run_result.h"
#include "common/core/local_aggregates.h"
#include "common/core/query_plan.h"
#include "common/core/query_result.h"
#include "common/core/roster.h"
#include "common/core/status.h"
#include "common/report/atomic_file.h"
#include "common/report/process_metrics.h"

namespace mpcstats::report {

struct RunReport {
  std::string run_id;
  std::string protocol;
  std::string workload = "query";
  const core::Roster* roster = nullptr;
  std::shared_ptr<const core::QueryPlan> query_plan;  // workload "query": the query as run
  core::QueryResult query_result;                     // workload "query", exact
  std::optional<core::DpCalibration> privacy;         // workload "query", private (then noisy_result)
  core::NoisyQueryResult noisy_result;
  std::vector<uint64_t> vector_sums;  // workload "vector": the M revealed sums
  std::map<std::string, ProcessMetrics> processes;  // "coordinator", "party1", ...
  // protocol secagg: T, the parties in the totals, and who dropped at which round.
  uint32_t threshold = 0;
  std::vector<std::string> included_parties;
  std::map<std::string, std::string> dropped_parties;
};

// The report of a successful run: its decoded result and the parties' metrics (the
// coordinator's own are the caller's to add).
void FillRunReport(core::RunResult result, const core::Roster& roster, RunReport* report);

// Hex SHA-256 of the values as little-endian bytes (how run.json identifies a revealed vector).
std::string Sha256Hex(std::span<const uint64_t> values);

// run.json: parties, categories, then by workload: query: query, min_group_size, total_users,
// result (rows), and for the default run's statistic also total_visits, average_visits_per_user
// and suppressed (average_visits_summary.h); vector: vector_length, vector_sums_sha256,
// vector_sums_head. secagg: threshold, included_parties, dropped_parties (id -> round).
// Always: metrics. A private query's result rows carry noise_sd and ci95, and run.json gains
// "privacy" (DpCalibration::ToJson), without the default run's summary fields.
nlohmann::json RunReportJson(const RunReport& report);
// What a secagg coordinator sends every included party: run.json without "metrics" (per-process
// sizes and times), and for a query the rows as result.csv.
core::StatusOr<core::PublishedResult> RenderPublishedResult(const core::RunResult& result, const core::Roster& roster);
// The coordinator's printed summary: the result (per category for the default run), phase
// times, bytes per process.
std::string FormatRunTable(const RunReport& report);

// local_<id>.json: a party's own visits, users and averages. Written locally, never sent.
nlohmann::json LocalResultJson(const std::string& party_id, const std::vector<std::string>& categories,
                               const core::LocalAggregates& local);

}  // namespace mpcstats::report
