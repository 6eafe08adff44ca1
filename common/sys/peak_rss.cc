#include "common/sys/peak_rss.h"

#include <sys/resource.h>

namespace mpcstats::sys {

uint64_t PeakRssBytes() {
  rusage usage{};
  if (getrusage(RUSAGE_SELF, &usage) != 0) return 0;
  return static_cast<uint64_t>(usage.ru_maxrss) * 1024;  // ru_maxrss is in KiB on Linux
}

}  // namespace mpcstats::sys
