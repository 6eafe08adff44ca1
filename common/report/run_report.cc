#include "common/report/run_report.h"

#include "common/core/phase_timer.h"
#include "common/report/query_report.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

namespace mpcstats::report {

using core::Code;
using core::Status;

ProcessMetrics FromWire(const wire::Metrics& m) {
  ProcessMetrics out;
  out.wire_bytes_sent = m.wire_bytes_sent();
  out.wire_bytes_received = m.wire_bytes_received();
  out.payload_bytes_sent = m.payload_bytes_sent();
  out.payload_bytes_received = m.payload_bytes_received();
  out.phase_seconds = {m.phase_seconds().begin(), m.phase_seconds().end()};
  out.link_wire_bytes_sent = {m.link_wire_bytes_sent().begin(), m.link_wire_bytes_sent().end()};
  out.link_wire_bytes_received = {m.link_wire_bytes_received().begin(), m.link_wire_bytes_received().end()};
  out.peak_rss_bytes = m.peak_rss_bytes();
  return out;
}

wire::Metrics ToWire(const ProcessMetrics& p) {
  wire::Metrics m;
  m.set_wire_bytes_sent(p.wire_bytes_sent);
  m.set_wire_bytes_received(p.wire_bytes_received);
  m.set_payload_bytes_sent(p.payload_bytes_sent);
  m.set_payload_bytes_received(p.payload_bytes_received);
  m.mutable_phase_seconds()->insert(p.phase_seconds.begin(), p.phase_seconds.end());
  m.mutable_link_wire_bytes_sent()->insert(p.link_wire_bytes_sent.begin(), p.link_wire_bytes_sent.end());
  m.mutable_link_wire_bytes_received()->insert(p.link_wire_bytes_received.begin(), p.link_wire_bytes_received.end());
  m.set_peak_rss_bytes(p.peak_rss_bytes);
  return m;
}

void FillRunReport(core::RunResult result, const core::Roster& roster, RunReport* report) {
  report->run_id = result.run_id;
  report->protocol = std::string(core::ProtocolName(result.protocol));
  report->workload = std::string(core::WorkloadName(result.workload));
  report->roster = &roster;
  report->result = std::move(result.visits);
  report->query_plan = std::move(result.query_plan);
  report->query_result = std::move(result.query);
  report->vector_sums = std::move(result.vector_sums);
  for (const auto& [id, metrics] : result.metrics) report->processes[id] = FromWire(metrics);
}

namespace {

double MaxPhaseOverParties(const RunReport& report, const std::string& phase) {
  double worst = 0;
  for (const auto& [id, metrics] : report.processes) {
    if (id == core::kCoordinatorId) continue;
    if (auto it = metrics.phase_seconds.find(phase); it != metrics.phase_seconds.end()) worst = std::max(worst, it->second);
  }
  return worst;
}

double CoordinatorPhase(const RunReport& report, const std::string& phase) {
  auto it = report.processes.find(std::string(core::kCoordinatorId));
  if (it == report.processes.end()) return 0;
  auto p = it->second.phase_seconds.find(phase);
  return p == it->second.phase_seconds.end() ? 0 : p->second;
}

// Run-level phase times: the coordinator's own where it drives the phase, otherwise the slowest party.
std::map<std::string, double> RunPhases(const RunReport& report) {
  return {
      {core::kPhaseConnect, CoordinatorPhase(report, core::kPhaseConnect) + MaxPhaseOverParties(report, core::kPhaseConnect)},
      {core::kPhaseShares, MaxPhaseOverParties(report, core::kPhaseShares)},
      {core::kPhaseSumming, MaxPhaseOverParties(report, core::kPhaseSumming)},
      {core::kPhaseAggregation, CoordinatorPhase(report, core::kPhaseAggregation)},
      {"total", CoordinatorPhase(report, "total")},
  };
}

}  // namespace

std::string Sha256Hex(std::span<const uint64_t> values) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(values.data(), values.size_bytes(), digest, &size, EVP_sha256(), nullptr);
  std::string hex;
  for (unsigned int i = 0; i < size; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

nlohmann::json RunReportJson(const RunReport& report) {
  const auto& categories = report.roster->categories;
  nlohmann::json j;
  j["run_id"] = report.run_id;
  j["protocol"] = report.protocol;
  j["parties"] = report.roster->num_parties();
  auto& ids = j["party_ids"] = nlohmann::json::array();
  for (const auto& p : report.roster->parties) ids.push_back(p.id);
  j["workload"] = report.workload;
  j["categories"] = categories;
  if (report.workload == "vector") {
    j["vector_length"] = report.vector_sums.size();
    j["vector_sums_sha256"] = Sha256Hex(report.vector_sums);
    auto& head = j["vector_sums_head"] = nlohmann::json::array();
    for (size_t i = 0; i < std::min<size_t>(report.vector_sums.size(), 8); ++i) head.push_back(report.vector_sums[i]);
  } else if (report.workload == "query" && report.query_plan) {
    j["districts"] = report.roster->districts;
    j["query"] = core::QueryToJson(report.query_plan->query());
    j["min_group_size"] = report.query_result.min_group_size;
    j["total_users"] = report.query_result.total_users;
    j["result"] = QueryRowsJson(*report.query_plan, report.query_result);
  } else {
    auto& visits = j["total_visits"] = nlohmann::json::object();
    auto& averages = j["average_visits_per_user"] = nlohmann::json::object();
    for (size_t c = 0; c < categories.size(); ++c) {
      visits[categories[c]] = report.result.total_visits[c];
      averages[categories[c]] = report.result.average_visits_per_user[c];
    }
    j["total_users"] = report.result.total_users;
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

static std::string FormatVisitsTable(const RunReport& report) {
  const auto& categories = report.roster->categories;
  std::string out = fmt::format("{:<14} {:>14} {:>16}\n", "category", "total visits", "visits per user");
  for (size_t c = 0; c < categories.size(); ++c) {
    out += fmt::format("{:<14} {:>14} {:>16.4f}\n", categories[c], report.result.total_visits[c],
                       report.result.average_visits_per_user[c]);
  }
  out += fmt::format("{:<14} {:>14}\n\n", "users", report.result.total_users);
  return out;
}

std::string FormatRunTable(const RunReport& report) {
  std::string out = fmt::format("SMPC result over {} parties (run {}, protocol {}, workload {})\n",
                                report.roster->num_parties(), report.run_id, report.protocol, report.workload);
  if (report.workload == "vector") {
    out += fmt::format("{} sums revealed, SHA-256 {}\n\n", report.vector_sums.size(), Sha256Hex(report.vector_sums));
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

nlohmann::json LocalResultJson(const std::string& party_id, const std::vector<std::string>& categories,
                               const core::LocalAggregates& local) {
  nlohmann::json j;
  j["party"] = party_id;
  j["users"] = local.users;
  auto& visits = j["visits"] = nlohmann::json::object();
  auto& averages = j["average_visits_per_user"] = nlohmann::json::object();
  for (size_t c = 0; c < categories.size(); ++c) {
    visits[categories[c]] = local.visits_per_category[c];
    averages[categories[c]] =
        local.users == 0 ? 0.0 : static_cast<double>(local.visits_per_category[c]) / static_cast<double>(local.users);
  }
  return j;
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  const std::string temp = fmt::format("{}.tmp.{}", path, ::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) return Status(Code::kIo, fmt::format("cannot write '{}': {}", temp, std::strerror(errno)));
    out << content;
    out.flush();
    if (!out) return Status(Code::kIo, fmt::format("cannot write '{}'", temp));
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(temp.c_str());
    return Status(Code::kIo, fmt::format("cannot rename '{}' to '{}': {}", temp, path, std::strerror(err)));
  }
  return Status::Ok();
}

}  // namespace mpcstats::report
