// A link to one peer carrying Envelopes: what a pump needs. Implemented by Channel (TLS) and by
// MemoryLink (an in-process pair, for tests). Sequence numbers are stamped by Send.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "common/core/status.h"
#include "common/net/asio.h"
#include "proto/mpcstats.pb.h"

namespace mpcstats::net {

using Duration = std::chrono::steady_clock::duration;

struct LinkStats {
  uint64_t wire_sent = 0;  // at the socket, TLS included
  uint64_t wire_received = 0;
  uint64_t payload_sent = 0;  // serialized Envelope bytes
  uint64_t payload_received = 0;
};

class Link {
 public:
  virtual ~Link() = default;
  virtual const std::string& peer_id() const = 0;
  virtual LinkStats stats() const = 0;
  // At most one Send and one Receive outstanding at a time.
  virtual awaitable<core::Status> Send(wire::Envelope message, Duration timeout) = 0;
  // Waits up to `idle` for a message to begin; once begun, it must be complete within `frame`.
  virtual awaitable<core::StatusOr<wire::Envelope>> Receive(Duration idle, Duration frame) = 0;
  // Pending operations complete with an error; the peer sees the link close.
  virtual void Close() = 0;
};

}  // namespace mpcstats::net
