#include <fmt/format.h>

#include "common/report/noisy_query_report.h"
#include "common/report/query_report.h"
#include "common/report/run_phases.h"
#include "common/report/run_report.h"

namespace mpcstats::report {

namespace {

std::string FormatVisitsTable(const RunReport& report) {
  const auto& categories = report.roster->categories;
  std::string out = fmt::format("{:<14} {:>14} {:>16}\n", "category", "total visits", "visits per user");
  for (size_t c = 0; c < categories.size(); ++c) {
    out += fmt::format("{:<14} {:>14} {:>16.4f}\n", categories[c], report.result.total_visits[c],
                       report.result.average_visits_per_user[c]);
  }
  out += fmt::format("{:<14} {:>14}\n\n", "users", report.result.total_users);
  return out;
}

}  // namespace

std::string FormatRunTable(const RunReport& report) {
  std::string out = fmt::format("SMPC result over {} parties (run {}, protocol {}, workload {})\n",
                                report.roster->num_parties(), report.run_id, report.protocol, report.workload);
  if (report.workload == "vector") {
    out += fmt::format("{} sums revealed, SHA-256 {}\n\n", report.vector_sums.size(), Sha256Hex(report.vector_sums));
  } else if (report.workload == "query" && report.query_plan && report.privacy) {
    out += FormatNoisyQueryTable(*report.query_plan, report.noisy_result, *report.privacy);
  } else if (report.workload == "query" && report.query_plan) {
    out += FormatQueryTable(*report.query_plan, report.query_result);
  } else {
    out += FormatVisitsTable(report);
  }
  out += "phase                  seconds\n";
  for (const auto& [phase, seconds] : RunPhases(report)) out += fmt::format("{:<20} {:>9.4f}\n", phase, seconds);
  out += fmt::format("\n{:<12} {:>14} {:>14} {:>14} {:>12}\n", "process", "wire sent KB", "wire recv KB",
                     "payload KB", "peak MB");
  uint64_t total_wire = 0;
  for (const auto& [id, m] : report.processes) {
    total_wire += m.wire_bytes_sent;
    out += fmt::format("{:<12} {:>14.2f} {:>14.2f} {:>14.2f} {:>12.1f}\n", id, m.wire_bytes_sent / 1024.0,
                       m.wire_bytes_received / 1024.0, m.payload_bytes_sent / 1024.0, m.peak_rss_bytes / 1048576.0);
  }
  out += fmt::format("{:<12} {:>14.2f}\n", "all", total_wire / 1024.0);
  return out;
}

}  // namespace mpcstats::report
