#include "common/report/process_metrics.h"

namespace mpcstats::report {

ProcessMetrics FromWire(const wire::Metrics& m) {
  ProcessMetrics out;
  out.wire_bytes_sent = m.wire_bytes_sent();
  out.wire_bytes_received = m.wire_bytes_received();
  out.payload_bytes_sent = m.payload_bytes_sent();
  out.payload_bytes_received = m.payload_bytes_received();
  out.phase_seconds = {m.phase_seconds().begin(), m.phase_seconds().end()};
  out.link_wire_bytes_sent = {m.link_wire_bytes_sent().begin(), m.link_wire_bytes_sent().end()};
  out.link_wire_bytes_received = {m.link_wire_bytes_received().begin(), m.link_wire_bytes_received().end()};
  out.peak_rss_bytes = m.peak_rss_bytes();
  return out;
}

wire::Metrics ToWire(const ProcessMetrics& p) {
  wire::Metrics m;
  m.set_wire_bytes_sent(p.wire_bytes_sent);
  m.set_wire_bytes_received(p.wire_bytes_received);
  m.set_payload_bytes_sent(p.payload_bytes_sent);
  m.set_payload_bytes_received(p.payload_bytes_received);
  m.mutable_phase_seconds()->insert(p.phase_seconds.begin(), p.phase_seconds.end());
  m.mutable_link_wire_bytes_sent()->insert(p.link_wire_bytes_sent.begin(), p.link_wire_bytes_sent.end());
  m.mutable_link_wire_bytes_received()->insert(p.link_wire_bytes_received.begin(), p.link_wire_bytes_received.end());
  m.set_peak_rss_bytes(p.peak_rss_bytes);
  return m;
}

}  // namespace mpcstats::report
