// Peak resident set size of this process, for the run's metrics.
#pragma once

#include <cstdint>

namespace mpcstats::sys {

// Peak resident set size of this process in bytes (getrusage).
uint64_t PeakRssBytes();

}  // namespace mpcstats::sys
