// A link to one peer carrying Envelopes: what a pump needs. Implemented by Channel (TLS) and by
// MemoryLink (an in-process pair, for tests). Sequence numbers are stamped by Send.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/core/frame_codec.h"
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
  // Send of an envelope serialized once for several links (core::SharedEnvelope). By default it
  // is parsed back and sent; a socket link writes the shared bytes as they are.
  virtual awaitable<core::Status> SendShared(std::shared_ptr<const core::SharedEnvelope> message, Duration timeout) {
    const auto* data = reinterpret_cast<const uint8_t*>(message->bytes.data());
    auto parsed = core::ParseEnvelope(std::span<const uint8_t>(data, message->bytes.size()));
    if (!parsed.ok()) co_return parsed.status();
    co_return co_await Send(std::move(parsed).value(), timeout);
  }
  // Waits up to `idle` for a message to begin; once begun, it must be complete within `frame`.
  virtual awaitable<core::StatusOr<wire::Envelope>> Receive(Duration idle, Duration frame) = 0;
  // Pending operations complete with an error; the peer sees the link close.
  virtual void Close() = 0;
};

}  // namespace mpcstats::net
