#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>

#include "common/core/noisy_result.h"
#include "common/report/average_visits_summary.h"
#include "common/report/query_report.h"
#include "common/report/run_phases.h"
#include "common/report/run_report.h"

namespace mpcstats::report {

std::string Sha256Hex(std::span<const uint64_t> values) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(values.data(), values.size_bytes(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

nlohmann::json RunReportJson(const RunReport& report) {
  nlohmann::json j;
  j["run_id"] = report.run_id;
  j["protocol"] = report.protocol;
  j["parties"] = report.roster->num_parties();
  auto& ids = j["party_ids"] = nlohmann::json::array();
  for (const auto& p : report.roster->parties) ids.push_back(p.id);
  j["workload"] = report.workload;
  j["categories"] = report.roster->categories;
  if (report.workload == "vector") {
    j["vector_length"] = report.vector_sums.size();
    j["vector_sums_sha256"] = Sha256Hex(report.vector_sums);
    auto& head = j["vector_sums_head"] = nlohmann::json::array();
    for (size_t i = 0; i < std::min<size_t>(report.vector_sums.size(), 8); ++i) head.push_back(report.vector_sums[i]);
  } else if (report.query_plan) {
    j["districts"] = report.roster->districts;
    j["query"] = core::QueryToJson(report.query_plan->query());
    if (report.privacy) {
      // Noisy totals, each with its noise; the default run's exact summary fields do not apply.
      j["privacy"] = report.privacy->ToJson(report.query_plan->query());
      j["min_group_size"] = report.noisy_result.min_group_size;
      j["total_users"] = report.noisy_result.total_users;  // noisy
      j["result"] = core::NoisyQueryRowsJson(*report.query_plan, report.noisy_result, *report.privacy);
    } else {
      j["min_group_size"] = report.query_result.min_group_size;
      j["total_users"] = report.query_result.total_users;
      j["result"] = QueryRowsJson(*report.query_plan, report.query_result);
      if (auto summary = SummarizeAverageVisits(*report.query_plan, report.query_result)) AddSummaryJson(*summary, &j);
    }
  }

  if (report.protocol == "secagg") {
    j["threshold"] = report.threshold;
    j["included_parties"] = report.included_parties;
    j["dropped_parties"] = report.dropped_parties;  // an object: id -> round
  }

  auto& metrics = j["metrics"];
  for (const char* key : {"wire_bytes_sent", "wire_bytes_received", "payload_bytes_sent", "payload_bytes_received",
                          "peak_rss_bytes", "phase_seconds_by_process", "link_wire_bytes_sent"}) {
    metrics[key] = nlohmann::json::object();
  }
  for (const auto& [id, m] : report.processes) {
    metrics["wire_bytes_sent"][id] = m.wire_bytes_sent;
    metrics["wire_bytes_received"][id] = m.wire_bytes_received;
    metrics["payload_bytes_sent"][id] = m.payload_bytes_sent;
    metrics["payload_bytes_received"][id] = m.payload_bytes_received;
    metrics["peak_rss_bytes"][id] = m.peak_rss_bytes;
    metrics["phase_seconds_by_process"][id] = m.phase_seconds;
    metrics["link_wire_bytes_sent"][id] = m.link_wire_bytes_sent;
  }
  metrics["phase_seconds"] = RunPhases(report);
  return j;
}

}  // namespace mpcstats::report
