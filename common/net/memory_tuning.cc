#include "common/net/memory_tuning.h"

#include <malloc.h>

namespace mpcstats::net {

void TuneAllocatorForStreaming() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
}

}  // namespace mpcstats::net
