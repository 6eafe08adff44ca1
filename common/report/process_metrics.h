// A process's measurements, and their form on the wire (the Metrics message a party sends).
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "proto/mpcstats.pb.h"

namespace mpcstats::report {

// Measurements of one process (the coordinator or a party).
struct ProcessMetrics {
  uint64_t wire_bytes_sent = 0;
  uint64_t wire_bytes_received = 0;
  uint64_t payload_bytes_sent = 0;
  uint64_t payload_bytes_received = 0;
  std::map<std::string, double> phase_seconds;
  std::map<std::string, uint64_t> link_wire_bytes_sent;
  std::map<std::string, uint64_t> link_wire_bytes_received;
  uint64_t peak_rss_bytes = 0;
};

ProcessMetrics FromWire(const wire::Metrics& metrics);
wire::Metrics ToWire(const ProcessMetrics& metrics);

}  // namespace mpcstats::report
