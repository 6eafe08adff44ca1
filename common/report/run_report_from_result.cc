// Turns the coordinator engine's result into the report that run.json and the table print.
#include "common/core/coordinator/run_result.h"
#include "common/core/workload.h"
#include "common/report/process_metrics.h"
#include "common/report/query_report.h"
#include "common/report/run_report.h"

namespace mpcstats::report {

void FillRunReport(core::RunResult result, const core::Roster& roster, RunReport* report) {
  report->run_id = result.run_id;
  report->protocol = std::string(core::ProtocolName(result.protocol));
  report->workload = std::string(core::WorkloadName(result.workload));
  report->roster = &roster;
  report->query_plan = std::move(result.query_plan);
  report->query_result = std::move(result.query);
  report->privacy = std::move(result.privacy);
  report->noisy_result = std::move(result.noisy_query);
  report->vector_sums = std::move(result.vector_sums);
  report->threshold = result.threshold;
  report->included_parties = std::move(result.included_parties);
  report->dropped_parties = std::move(result.dropped_parties);
  for (const auto& [id, metrics] : result.metrics) report->processes[id] = FromWire(metrics);
}

core::StatusOr<core::PublishedResult> RenderPublishedResult(const core::RunResult& result, const core::Roster& roster) {
  core::RunResult copy = result;
  copy.metrics.clear();
  RunReport report;
  FillRunReport(std::move(copy), roster, &report);
  nlohmann::json json = RunReportJson(report);
  json.erase("metrics");
  core::PublishedResult published{.json = json.dump(2) + "\n", .csv = ""};
  if (report.query_plan) published.csv = QueryResultCsv(*report.query_plan, report.query_result);
  return published;
}

}  // namespace mpcstats::report
