// Allocator settings for processes that stream large vectors.
#pragma once

namespace mpcstats::sys {

// Every frame needs a ~1 MiB buffer (protobuf arrays, TLS records). With glibc's defaults such
// buffers are mmap'ed and unmapped each time, and the page faults cost more than TLS itself
// (measured: -25% protocol time for 3 parties x 1e7 values). Keep them on the heap instead.
void TuneAllocatorForStreaming();

}  // namespace mpcstats::sys
