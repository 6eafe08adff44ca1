// What a run publishes: run.json, the party's local result file, and the table a person reads.
#pragma once

#include <map>
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
#include "proto/mpcstats.pb.h"

namespace mpcstats::report {

// Measurements of one process (the coordinator or a party).
struct ProcessMetrics {
  uint64_t wire_bytes_sent = 0;
  uint64_t wire_bytes_received = 0;
  uint64_t payload_bytes_sent = 0;
  uint64_t payload_bytes_received = 0;
  std::map<std::string, double> phase_seconds;
  std::map<std::string, uint64_t> link_wire_bytes_sent;
  std::map<std::string, uint64_t> link_wire_bytes_received;
  uint64_t peak_rss_bytes = 0;
};

ProcessMetrics FromWire(const wire::Metrics& metrics);
wire::Metrics ToWire(const ProcessMetrics& metrics);

struct RunReport {
  std::string run_id;
  std::string protocol;
  std::string workload = "visits";
  const core::Roster* roster = nullptr;
  core::SeedResult result;            // workload "visits"
  std::shared_ptr<const core::QueryPlan> query_plan;  // workload "query": the query as run
  core::QueryResult query_result;                     // workload "query"
  std::vector<uint64_t> vector_sums;  // workload "vector": the M revealed sums
  std::map<std::string, ProcessMetrics> processes;  // "coordinator", "party1", ...
};

// The report of a successful run: its decoded result and the parties' metrics (the
// coordinator's own are the caller's to add).
void FillRunReport(core::RunResult result, const core::Roster& roster, RunReport* report);

// Hex SHA-256 of the values as little-endian bytes (how run.json identifies a revealed vector).
std::string Sha256Hex(std::span<const uint64_t> values);

// run.json: parties, categories, then by workload: visits: total_visits, total_users,
// average_visits_per_user; query: query, min_group_size, total_users, result (rows); vector:
// vector_length, vector_sums_sha256, vector_sums_head. Always: metrics.
nlohmann::json RunReportJson(const RunReport& report);
// The coordinator's printed summary: per-category results, phase times, bytes per process.
std::string FormatRunTable(const RunReport& report);

// local_<id>.json: a party's own visits, users and averages. Written locally, never sent.
nlohmann::json LocalResultJson(const std::string& party_id, const std::vector<std::string>& categories,
                               const core::LocalAggregates& local);

// Writes via a temporary file and rename, so a reader never sees a partial file. kIo on failure.
core::Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace mpcstats::report
