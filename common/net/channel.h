// One authenticated TLS link to one peer, carrying length-prefixed Envelope frames.
//
// Contract: created after the TLS handshake with the peer's verified identity. At most one Send
// and one Receive may be outstanding at a time (Asio's rule for ssl::stream). Every operation has
// a deadline: when it passes, the socket is closed and the operation returns Code::kTimeout.
// Owned by shared_ptr so that timer callbacks never outlive it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/core/frame_codec.h"
#include "common/core/messages.h"
#include "common/core/status.h"
#include "common/net/asio.h"
#include "common/net/counting_socket.h"
#include "common/net/link.h"

namespace mpcstats::net {

using TlsStream = ssl::stream<CountingSocket>;

class Channel final : public Link, public std::enable_shared_from_this<Channel> {
 public:
  Channel(std::unique_ptr<TlsStream> stream, std::string peer_id, uint32_t max_frame_bytes);
  ~Channel() override;

  const std::string& peer_id() const override { return peer_id_; }
  const std::string& remote_address() const { return remote_address_; }
  LinkStats stats() const override;

  // Stamps the link's next sequence number and writes one frame. A second Send while one is in
  // progress fails at once (kInternal) instead of interleaving records.
  awaitable<core::Status> Send(wire::Envelope message, Duration timeout) override;
  // The same for shared bytes: only this link's header and seq field are made here; the shared
  // bytes are written from where they are (no copy per link).
  awaitable<core::Status> SendShared(std::shared_ptr<const core::SharedEnvelope> message, Duration timeout) override;
  // Reads one frame: bound-checked length, checked parse, checked sequence number. Run id, sender
  // and type are the caller's to check (core::CheckEnvelope), as only it knows the phase.
  awaitable<core::StatusOr<wire::Envelope>> Receive(Duration timeout);
  // The same, waiting up to `idle` for a frame to begin; once begun it must end within `frame`.
  awaitable<core::StatusOr<wire::Envelope>> Receive(Duration idle, Duration frame) override;
  // Closes the socket; pending operations complete with an error.
  void Close() override;
  // True if the peer has closed or reset the connection (checked without reading; for links that
  // are idle while we wait for other peers).
  bool PeerHungUp();

 private:
  class Watchdog;
  core::Status DescribeError(const error_code& ec, bool timed_out, std::string_view what, Duration timeout) const;
  // Writes `buffers` (one frame) under the write timeout; counts the frame's payload bytes.
  template <class Buffers>
  awaitable<core::Status> WriteFrame(const Buffers& buffers, size_t frame_bytes, wire::Envelope::BodyCase body,
                                     Duration timeout);

  std::unique_ptr<TlsStream> stream_;
  std::string peer_id_;
  std::string remote_address_;
  uint32_t max_frame_bytes_;
  asio::steady_timer read_timer_;
  asio::steady_timer write_timer_;
  std::string send_buffer_;              // reused: one frame per Send, never two at once
  std::vector<uint8_t> receive_buffer_;  // reused: one frame per Receive
  uint64_t next_send_seq_ = 0;
  bool writing_ = false;
  core::SequenceChecker receive_seq_;
  uint64_t payload_sent_ = 0;
  uint64_t payload_received_ = 0;
};

}  // namespace mpcstats::net
