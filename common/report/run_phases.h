// Run-level phase times from the processes' own, shared by run.json and the printed table.
#pragma once

#include <map>
#include <string>

#include "common/report/run_report.h"

namespace mpcstats::report {

// The coordinator's own time where it drives the phase, otherwise the slowest party.
std::map<std::string, double> RunPhases(const RunReport& report);

}  // namespace mpcstats::report
