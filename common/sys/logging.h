// Log setup shared by both programs: spdlog to stderr, one line per event, process id in each line.
#pragma once

#include <string>

#include "common/core/status.h"

namespace mpcstats::sys {

// Level names as spdlog spells them (trace, debug, info, warn, error, critical, off).
core::Status SetUpLogging(const std::string& process_id, const std::string& level);

}  // namespace mpcstats::sys
