#include <fmt/format.h>

#include "common/report/average_visits_summary.h"
#include "common/report/query_report.h"
#include "common/report/run_phases.h"
#include "common/report/run_report.h"

namespace mpcstats::report {

std::string FormatRunTable(const RunReport& report) {
  std::string out = fmt::format("SMPC result over {} parties (run {}, protocol {}, workload {})\n",
                                report.roster->num_parties(), report.run_id, report.protocol, report.workload);
  if (report.workload == "vector") {
    out += fmt::format("{} sums revealed, SHA-256 {}\n\n", report.vector_sums.size(), Sha256Hex(report.vector_sums));
  } else if (report.query_plan) {
    // The default run prints the seed guide's table; any other query its own rows.
    auto summary = SummarizeAverageVisits(*report.query_plan, report.query_result);
    out += summary ? FormatSummaryTable(*summary) : FormatQueryTable(*report.query_plan, report.query_result);
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
