#include "common/sys/memory_tuning.h"

#include <malloc.h>

namespace mpcstats::sys {

void TuneAllocatorForStreaming() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace mpcstats::sys
