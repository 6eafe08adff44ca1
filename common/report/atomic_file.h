// Whole-file writes that a reader never sees half done.
#pragma once

#include <string>

#include "common/core/status.h"

namespace mpcstats::report {

// Writes via a temporary file and rename, so a reader never sees a partial file. kIo on failure.
core::Status WriteFileAtomically(const std::string& path, const std::string& content);

}  // namespace mpcstats::report
