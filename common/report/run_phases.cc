#include "common/report/run_phases.h"

#include <algorithm>

#include "common/core/phase_timer.h"

namespace mpcstats::report {
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

}  // namespace

std::map<std::string, double> RunPhases(const RunReport& report) {
  return {
      {core::kPhaseConnect, CoordinatorPhase(report, core::kPhaseConnect) + MaxPhaseOverParties(report, core::kPhaseConnect)},
      {core::kPhaseShares, MaxPhaseOverParties(report, core::kPhaseShares)},
      {core::kPhaseSumming, MaxPhaseOverParties(report, core::kPhaseSumming)},
      {core::kPhaseAggregation, CoordinatorPhase(report, core::kPhaseAggregation)},
      {"total", CoordinatorPhase(report, "total")},
  };
}

}  // namespace mpcstats::report
